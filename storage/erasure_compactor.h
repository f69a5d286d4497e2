// ErasureCompactor: compacts a store in the background after an erasure, so
// that the erased keys and values leave its table files and write-ahead log
// (Store::CompactAll) instead of waiting for RocksDB to get to them. Before
// each compaction it empties the process's caches of words
// (common/remembered_words.h), which may hold the erased texts' words.
//
//   ErasureCompactor compactor(store);
//   ... after an erasure commit: compactor.Request();
//
// Requests made while a compaction runs are served by one more. Destroying
// it cancels a compaction in progress (the next request compacts
// everything again). Thread-safe.
#ifndef FACTSTORE_STORAGE_ERASURE_COMPACTOR_H_
#define FACTSTORE_STORAGE_ERASURE_COMPACTOR_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "common/mutex.h"
#include "storage/store.h"

namespace factstore::storage {

class ErasureCompactor {
 public:
  // `store` (a primary) must outlive the compactor. `done` (optional) is
  // called on the compactor's thread after each compaction.
  explicit ErasureCompactor(
      Store* store, std::function<void(const absl::Status&)> done = nullptr);
  ~ErasureCompactor();
  ErasureCompactor(const ErasureCompactor&) = delete;
  ErasureCompactor& operator=(const ErasureCompactor&) = delete;

  // Asks for a compaction soon.
  void Request();

 private:
  void Run();

  Store* const store_;
  const std::function<void(const absl::Status&)> done_;
  Mutex mu_;
  bool requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_ERASURE_COMPACTOR_H_
