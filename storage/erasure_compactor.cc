#include "storage/erasure_compactor.h"

#include <utility>

#include "common/remembered_words.h"

namespace factstore::storage {

ErasureCompactor::ErasureCompactor(
    Store* store, std::function<void(const absl::Status&)> done)
    : store_(store), done_(std::move(done)) {
  thread_ = std::thread([this] { Run(); });
}

ErasureCompactor::~ErasureCompactor() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  store_->CancelCompactions();
  thread_.join();
}

void ErasureCompactor::Request() {
  MutexLock lock(&mu_);
  requested_ = true;
}

void ErasureCompactor::Run() {
  while (true) {
    {
      MutexLock lock(&mu_);
      mu_.Await([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return requested_ || stopping_;
      });
      if (stopping_) return;
      requested_ = false;
    }
    // The words the process remembers for speed may be the erased texts'.
    ForgetRememberedWords();
    // Runs beside the writes: RocksDB compacts concurrently with them.
    absl::Status compacted = store_->CompactAll();
    if (done_) done_(compacted);
  }
}

}  // namespace factstore::storage
