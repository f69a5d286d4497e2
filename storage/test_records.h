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
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
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

// What a test adds to a closed store, given the database opened with
// RocksDB alone and its kNames family.
using ClosedStoreEdit = std::function<void(
    rocksdb::DB*, rocksdb::ColumnFamilyHandle* names, rocksdb::WriteBatch*)>;

// Opens the closed store at `path` with RocksDB alone and writes one batch:
// what `edit` adds, and the store's identity changed by `change`. For
// tests of stores that older or newer builds wrote.
absl::Status RewriteClosedStore(
    const std::string& path, const std::function<void(StoreIdentity*)>& change,
    const ClosedStoreEdit& edit = nullptr);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_TEST_RECORDS_H_
