// Committer: the single writer of the store, with group commit.
//
// RPC threads Submit prepared operations; one committer thread takes every
// operation waiting in the queue (up to a group size), applies them in
// submission order to one CommitContext, writes the result as one atomic
// RocksDB write batch (one WAL append, and one fsync with --sync), and only
// then calls each operation's Done. Concurrent requests therefore share
// commits, and throughput grows with concurrency while every caller is
// acknowledged only after its data is durable.
//
// Commit sequences are assigned by the committer and are strictly
// increasing; a group that writes nothing uses no sequence.
//
// Operations the committer thread answered are destroyed on a second thread
// of the committer's, after their Done, so that the next group need not wait
// (those refused on submission are destroyed by the submitter): an
// operation's destructor must not need the call that submitted it to be
// still open.
//
// Thread-safe: Submit may be called from any thread.
#ifndef FACTSTORE_INGEST_SERVICE_COMMITTER_H_
#define FACTSTORE_INGEST_SERVICE_COMMITTER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "common/mutex.h"
#include "ingest_service/commit_sink.h"
#include "ingest_service/write_op.h"
#include "server/executor.h"
#include "storage/commit_progress.h"
#include "storage/store.h"

namespace factstore::ingest {

struct CommitterOptions {
  // fsync the WAL at every commit: acknowledged writes survive power loss.
  // Without it they survive a crash of the process.
  bool sync = false;
  // Largest group, in items (facts, entities, ...): bounds the size of one
  // write batch and the latency of the requests queued behind it.
  int max_group_items = 2000;
  // Items that may wait in the queue; TrySubmit refuses more, and
  // SubmitWhenRoom holds back what does not fit until there is room.
  int max_queued_items = 200000;
};

// What a commit did, for metrics.
struct CommitStats {
  uint64_t commit = 0;
  int operations = 0;
  int items = 0;
  int batch_operations = 0;
  size_t batch_bytes = 0;
  int64_t facts_added = 0;     // new facts (fact count after - before)
  int64_t mentions_added = 0;  // likewise for mentions
  double seconds = 0;          // applying and writing
  // The queue when the group was taken from it: items still waiting, and
  // operations held back (by SubmitWhenRoom, or by Submit behind them).
  int queued_items = 0;
  int held_back = 0;
  // Replicated mode: times the group was built again because another
  // writer had moved the commit log first.
  int conflicts = 0;
};

class Committer {
 public:
  using CommitObserver = std::function<void(const CommitStats&)>;

  // Starts the committer thread over `store`, whose head it reads first.
  // `progress` (optional) publishes every commit for followers. `sink`
  // (optional) is where write batches go; by default the store itself
  // (StoreCommitSink, with options.sync).
  static absl::StatusOr<std::unique_ptr<Committer>> Start(
      storage::Store* store, CommitterOptions options,
      std::unique_ptr<storage::CommitProgressWriter> progress = nullptr,
      std::unique_ptr<CommitSink> sink = nullptr);

  // Stops accepting, commits what is queued, and joins the thread.
  ~Committer();

  // Queues `op`, whatever the queue holds (behind anything held back). Its
  // Done runs later on the committer thread; after Shutdown, at once on the
  // calling thread, with UNAVAILABLE and no commit token.
  void Submit(std::unique_ptr<WriteOp> op);

  // Like Submit, but refuses (returns `op` back) when the queue already
  // holds max_queued_items or something is held back, so that callers can
  // answer RESOURCE_EXHAUSTED.
  std::unique_ptr<WriteOp> TrySubmit(std::unique_ptr<WriteOp> op);

  // Like Submit when the queue has room for `op`: returns true, and `queued`
  // is not called. Otherwise returns false and keeps `op` aside: it enters
  // the queue as soon as a group leaves room for it (ahead of any later
  // submission, in the order held back), and `queued` is then called on the
  // committer thread, before the group holding `op` is committed (after
  // Shutdown, everything held back is queued so). Streams use it to stop
  // reading while the queue is full instead of growing it.
  bool SubmitWhenRoom(std::unique_ptr<WriteOp> op,
                      std::function<void()> queued);

  // Commits what is queued, then refuses new operations with UNAVAILABLE.
  void Shutdown();

  // The state after the last commit.
  storage::StoreHead head() const;
  uint32_t store_id() const { return store_->store_id(); }

  // Called on the committer thread after every commit.
  void set_observer(CommitObserver observer);

 private:
  Committer(storage::Store* store, CommitterOptions options,
            storage::StoreHead head,
            std::unique_ptr<storage::CommitProgressWriter> progress,
            std::unique_ptr<CommitSink> sink);
  void Run();
  // Commits `group` and calls each operation's Done; returns the context the
  // commit was written from, for the caller to free (null if nothing was
  // written).
  std::unique_ptr<CommitContext> CommitGroup(
      std::vector<std::unique_ptr<WriteOp>>& group);
  // Returns the head to build the next group on (in replicated mode a newer
  // one another writer wrote, which becomes head_), and sets `*observer` and
  // the queue's state in `stats`.
  storage::StoreHead HeadForGroup(CommitObserver* observer, CommitStats* stats)
      ABSL_LOCKS_EXCLUDED(mu_);
  // After a conflicting write of attempt `attempt`: waits a random pause that
  // grows with it, then makes the caught-up head `*head` and head_; returns
  // the error of catching up.
  absl::Status CatchUpAfterConflict(int attempt, storage::StoreHead* head)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Publishes the written `head` to followers and head(); returns its commit
  // token.
  std::string PublishCommit(const storage::StoreHead& head)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Applies every operation of `group` to `ctx`, each undone on failure,
  // with the statuses in `statuses`.
  void ApplyGroup(std::vector<std::unique_ptr<WriteOp>>& group,
                  CommitContext& ctx, std::vector<absl::Status>& statuses);
  bool HasRoomLocked(int weight) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PushLocked(std::unique_ptr<WriteOp> op)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Answers an operation submitted after Shutdown with UNAVAILABLE.
  static void RefuseStopping(WriteOp& op);
  // Moves the held-back operations that now fit (all of them when stopping)
  // into the queue, in order; returns their `queued` callbacks (null for
  // those Submit held back).
  std::vector<std::function<void()>> QueueHeldBackLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Store* const store_;
  const CommitterOptions options_;
  // Used by the committer thread only.
  const std::unique_ptr<storage::CommitProgressWriter> progress_;
  const std::unique_ptr<CommitSink> sink_;
  absl::BitGen bitgen_;

  mutable Mutex mu_;
  std::deque<std::unique_ptr<WriteOp>> queue_ ABSL_GUARDED_BY(mu_);
  int queued_items_ ABSL_GUARDED_BY(mu_) = 0;
  struct HeldBack {
    std::unique_ptr<WriteOp> op;
    std::function<void()> queued;
  };
  std::deque<HeldBack> held_back_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  storage::StoreHead head_ ABSL_GUARDED_BY(mu_);
  CommitObserver observer_ ABSL_GUARDED_BY(mu_);

  // Frees each committed group's operations and commit context once every
  // Done has run, so that the next group need not wait for it: freeing a
  // stream batch's thousand prepared facts took about a tenth of the
  // committer thread's time before they shared an arena, and the arena's
  // long strings and the context's records still take some. At most
  // kMaxGroupsToRelease groups wait for it; the committer thread frees any
  // group beyond them itself. Its destructor frees what is queued; it is
  // destroyed after thread_ has been joined.
  static constexpr int kMaxGroupsToRelease = 4;
  std::atomic<int> groups_to_release_{0};
  server::Executor releases_{1};

  std::thread thread_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_COMMITTER_H_
