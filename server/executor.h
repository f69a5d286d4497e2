// Executor: a few threads that run queued work, so that work which may take
// a while does not run on threads that must stay responsive (gRPC's
// callback threads, the store follower's catch-up thread).
//
//   Executor executor(2);
//   executor.Run([] { ... });
//
// Thread-safe. The destructor runs everything already queued, then joins.
#ifndef FACTSTORE_SERVER_EXECUTOR_H_
#define FACTSTORE_SERVER_EXECUTOR_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"

namespace factstore::server {

class Executor {
 public:
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `work` to run on one of the executor's threads.
  void Run(std::function<void()> work);

 private:
  void Loop();

  Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_EXECUTOR_H_
