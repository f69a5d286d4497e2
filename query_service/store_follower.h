// StoreFollower: keeps the query service's view of the store up to date.
//
// Embedded mode: it opens the ingest service's data directory as a RocksDB
// secondary (retrying until the ingest service has created the store), then
// catches up with the primary's writes every `catch_up_interval`, and at
// once when a reader asks for a commit it does not see yet (min_commit).
// Replicated mode: the store is a LogReplica's, which applies the commit log
// by itself; the follower reads the replica's state every round and at once
// after each commit the replica applies. After each round it publishes the
// visible commit and wakes whoever waits for it.
//
//   auto follower = StoreFollower::Start(options);
//   follower->WaitForCommit(42, deadline, [](absl::Status s) { ... });
//
// Thread-safe. Callbacks run on the follower's thread and must be quick.
#ifndef FACTSTORE_QUERY_SERVICE_STORE_FOLLOWER_H_
#define FACTSTORE_QUERY_SERVICE_STORE_FOLLOWER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "query_service/document_cache.h"
#include "replication/log_replica.h"
#include "server/log.h"
#include "storage/records.pb.h"
#include "storage/store.h"

namespace factstore::query {

// The longest time between two real catch-ups when the primary makes no
// commits (to follow its flushes and compactions).
inline constexpr absl::Duration kForcedCatchUpInterval = absl::Seconds(1);

struct FollowerOptions {
  // The ingest service's data directory.
  std::string data_dir = "./var/factstore";
  // A directory of this process's own for the secondary's info log; empty
  // means a fresh directory under $TMPDIR.
  std::string secondary_dir;
  // How often to catch up with the primary when nobody asks sooner.
  absl::Duration catch_up_interval = absl::Milliseconds(10);
  // How often to retry opening a store that does not exist yet.
  absl::Duration open_retry_interval = absl::Milliseconds(200);
  // A catch-up that keeps failing is logged at its first failure and then
  // at most once per this interval.
  absl::Duration catch_up_failure_log_interval = absl::Seconds(10);
  storage::StoreOptions store;
  // Size of the cache of documents' records (document_cache.h); 0: none.
  size_t document_cache_bytes = 32 << 20;
  // Replicated mode: the replica whose store to serve (data_dir and
  // secondary_dir are then unused). Not owned; must outlive the follower.
  replication::LogReplica* replica = nullptr;
};

// What the follower sees after its last catch-up.
struct FollowerView {
  // Zero until the first successful catch-up.
  uint64_t commit = 0;
  storage::StoreHead head;
  // When the last successful catch-up started: everything committed before
  // then is visible.
  absl::Time caught_up_at = absl::InfinitePast();
  // The primary's last commit as it published it (0 if unknown). In
  // replicated mode, the commit at the log's end as far as the replica
  // knows (its commit plus the entries it has not applied yet).
  uint64_t primary_commit = 0;
  bool ready = false;
  // Replicated mode only: the replica's state (lag, NATS, failure).
  std::optional<replication::ReplicaStatus> replica;
};

class StoreFollower {
 public:
  using WaitCallback = std::function<void(const absl::Status&)>;

  static std::unique_ptr<StoreFollower> Start(FollowerOptions options);
  // Stops the thread; waiters get UNAVAILABLE.
  ~StoreFollower();

  // The store, once opened (null before). It stays valid until destruction.
  const storage::Store* store() const;
  // The cache of documents' records of the store's views; the follower sets
  // each view's epoch before the view becomes visible.
  DocumentCache* document_cache() const { return &document_cache_; }
  FollowerView view() const;
  // view().commit when view().ready, else 0; without a lock or a copy, for
  // callers that ask often (the change feeds, after every round).
  uint64_t visible_commit() const { return visible_commit_.load(); }

  // Calls `done` with OK once `commit` is visible, with DEADLINE_EXCEEDED
  // at `deadline`, or with UNAVAILABLE when the follower stops. May call it
  // before returning if the commit is already visible.
  void WaitForCommit(uint64_t commit, absl::Time deadline, WaitCallback done);

  // Asks for a round now (the replica applied a commit).
  void Wake();

  // Replicated mode: OK, or UNAVAILABLE saying why the replica stopped
  // following its log (nothing may then be read from it). Cheap.
  absl::Status ReplicaFailure() const;

  // Embedded mode, while store() is null: UNAVAILABLE naming why the store
  // exists but has not opened for two seconds (another schema version, a
  // damaged or unreadable directory; the follower keeps retrying and logs
  // each distinct error once), or OK while it does not exist yet or is
  // being created.
  absl::Status OpenFailure() const;

  // Registers a function called after every catch-up round (also when
  // nothing changed); returns a handle for RemoveListener. RemoveListener
  // returns only once the function is not running.
  int AddListener(std::function<void()> listener);
  void RemoveListener(int handle);

  // Asks change feeds to end (they see feeds_ended() true at the next
  // round) while the follower goes on catching up for waiting reads.
  void EndFeeds();
  bool feeds_ended() const;

  // Releases the reads still waiting for a commit at `time` (and any that
  // start waiting after it) with UNAVAILABLE, so that a server shutting down
  // is not held past its grace period by a read whose commit never comes.
  void ReleaseWaitersAt(absl::Time time);

  // Stops catching up and releases waiters; listeners are called a last
  // time with stopped() and feeds_ended() true.
  void Stop();
  bool stopped() const;

 private:
  explicit StoreFollower(FollowerOptions options);
  void Run();
  // One round: open if needed, catch up, publish. Returns false if the
  // store is not open yet.
  bool Round();
  void RecordOpenFailure(const absl::Status& status);
  // Round() in replicated mode.
  bool ReplicaRound();

  const FollowerOptions options_;
  std::string secondary_dir_;
  // Thread-safe, so handed out by const methods too.
  mutable DocumentCache document_cache_;

  mutable Mutex mu_;
  // The store read from: the secondary opened here (owned_store_), or the
  // replica's.
  std::unique_ptr<storage::Store> owned_store_ ABSL_GUARDED_BY(mu_);
  // See OpenFailure().
  absl::Status open_failure_ ABSL_GUARDED_BY(mu_);
  // Since when opening has failed with the store's CURRENT file present.
  absl::Time open_failing_since_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  const storage::Store* store_ ABSL_GUARDED_BY(mu_) = nullptr;
  int replica_listener_ = -1;
  std::atomic<bool> replica_failed_{false};
  FollowerView view_ ABSL_GUARDED_BY(mu_);
  // Mirrors view_ (see visible_commit()); written under mu_.
  std::atomic<uint64_t> visible_commit_{0};
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool feeds_ended_ ABSL_GUARDED_BY(mu_) = false;
  // When the last real catch-up ran (Round may skip one when the primary has
  // published no new commit).
  absl::Time last_catch_up_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Catch-ups that failed since the last one that worked, and the throttle
  // of their warning: Round runs every catch-up interval (10 ms by default),
  // and a failure that lasts would otherwise log up to a hundred lines a
  // second.
  // Used by the follower's thread only.
  int64_t catch_up_failures_ = 0;
  server::LogThrottle catch_up_failure_log_;
  bool catch_up_now_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time release_waiters_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  struct Waiter {
    uint64_t commit;
    absl::Time deadline;
    WaitCallback done;
  };
  std::list<Waiter> waiters_ ABSL_GUARDED_BY(mu_);

  // Listeners are called without mu_ held, under listeners_mu_.
  Mutex listeners_mu_;
  std::map<int, std::function<void()>> listeners_
      ABSL_GUARDED_BY(listeners_mu_);
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 0;

  std::thread thread_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_STORE_FOLLOWER_H_
