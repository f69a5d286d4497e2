// Mutex and MutexLock: a mutual-exclusion lock with Abseil's thread-safety
// annotations and absl::Mutex-style Await, built on std::mutex.
//
//   Mutex mu_;
//   std::deque<Work> queue_ ABSL_GUARDED_BY(mu_);
//   ...
//   MutexLock lock(&mu_);
//   mu_.Await([this] { return !queue_.empty(); });
//
// Why not absl::Mutex: factstore links Debian's Abseil, which is not built
// with ThreadSanitizer's annotations, so TSan cannot see the ordering an
// absl::Mutex provides and reports races that are not there. std::mutex is
// pthreads underneath, which TSan understands. Every factstore lock is one
// of these (docs/build.md, "Sanitizers").
//
// Thread-safe, of course; not recursive.
#ifndef FACTSTORE_COMMON_MUTEX_H_
#define FACTSTORE_COMMON_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace factstore {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }

  // Wakes the threads in Await, which re-check their conditions once they
  // get the lock (as with absl::Mutex, on every release), then releases it.
  // Nothing touches the Mutex after the release, so another thread may
  // destroy it (and the object holding it) as soon as it gets the lock.
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    if (waiters_ > 0) changed_.notify_all();
    mu_.unlock();
  }

  // Tells clang's thread-safety analysis that the calling code holds the
  // lock, where it cannot see so (a callback run inside a locked scope).
  // Checks nothing at run time: std::mutex does not know its owner.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

  // Blocks until `condition()` is true. The condition is evaluated with the
  // lock held, each time another thread releases it. Waiting releases the
  // lock too: what this thread changed before it wakes the other waiters,
  // as Unlock would.
  // REQUIRES: the lock is held.
  template <typename Condition>
  void Await(Condition condition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    std::unique_lock<std::mutex> held(mu_, std::adopt_lock);
    if (waiters_ > 0) changed_.notify_all();
    ++waiters_;
    changed_.wait(held, condition);
    --waiters_;
    held.release();
  }

  // Like Await, but gives up after `timeout`; returns the condition's value.
  // REQUIRES: the lock is held.
  template <typename Condition>
  bool AwaitWithTimeout(Condition condition, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    std::unique_lock<std::mutex> held(mu_, std::adopt_lock);
    if (waiters_ > 0) changed_.notify_all();
    ++waiters_;
    bool met =
        changed_.wait_for(held, absl::ToChronoNanoseconds(timeout), condition);
    --waiters_;
    held.release();
    return met;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int waiters_ = 0;  // threads in Await; guarded by mu_
};

// Holds a Mutex for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace factstore

#endif  // FACTSTORE_COMMON_MUTEX_H_
