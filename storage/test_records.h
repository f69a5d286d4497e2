// Stored records for the tests of storage/ and replication/, made as the
// ingest service makes them, so that each test states only what matters to
// it.
//
//   TestFact fact;
//   fact.id = "f_1";
//   fact.subject = "place:da-nang";
//   FactRecord record = MakeFactRecord(fact);
#ifndef FACTSTORE_STORAGE_TEST_RECORDS_H_
#define FACTSTORE_STORAGE_TEST_RECORDS_H_

#include <cstdint>
#include <string>

#include "storage/records.pb.h"
#include "storage/store.h"

namespace factstore::storage {

// A fact that `subject` has invested `amount` USD in total
// ("investment.cumulative_total"), valid in 2024, reported, with one mention
// of `document_id` quoting `quote`. `commit` is that of its revision and
// mention (0: none).
struct TestFact {
  std::string id;
  std::string subject;
  std::string amount = "85900000000";
  uint64_t commit = 0;
  std::string document_id = "doc:a";
  std::string quote = "South Korea is the largest investor";
};

FactRecord MakeFactRecord(const TestFact& fact);

// Store options small enough for tests: an 8 MiB block cache, 4 MiB write
// buffers, an 8 MiB memtable budget.
StoreOptions SmallTestStoreOptions();

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_TEST_RECORDS_H_
