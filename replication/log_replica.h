// LogReplica: a local store kept as a view of the commit log, on every
// server of the replicated mode.
//
// It opens (or creates) the store in `data_dir`, loads the log's snapshot
// into it if it is new, and then applies every entry of the log as it
// arrives, on a thread of its own. The ingest service also writes through
// it: AppendCommit appends a commit to the log and applies it, so the
// writer's store and every replica's go through the same LogApplier.
//
//   FS_ASSIGN_OR_RETURN(auto replica, LogReplica::Start(nats.get(), options));
//   replica->AddCommitListener([](uint64_t commit) { ... });
//   ... replica->store() (null until the store holds the log's state) ...
//
// It stops following, loudly, when the log is not the one its store was
// built from (ReplicaStatus::error): another log id, a log that went
// backwards (fewer entries than it applied, or other content at its
// position), a commit out of order. When it fell behind the log's start
// (the entries it missed were compacted away), it asks for a restart
// (rebuild_required): it leaves a marker in data_dir, and at the next start
// it deletes its store and loads the log's snapshot.
//
// Thread-safe.
#ifndef FACTSTORE_REPLICATION_LOG_REPLICA_H_
#define FACTSTORE_REPLICATION_LOG_REPLICA_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "replication/commit_log.h"
#include "replication/log_applier.h"
#include "replication/nats_client.h"
#include "rocksdb/write_batch.h"
#include "storage/erasure_compactor.h"
#include "storage/records.pb.h"
#include "storage/store.h"

namespace factstore::replication {

struct LogReplicaOptions {
  // The store's directory; created if missing. It must hold nothing but
  // this replica's store.
  std::string data_dir;
  // RocksDB settings (create_identity is ignored: the identity comes from
  // the log).
  storage::StoreOptions store;
  CommitLogOptions log;
  // fsync every applied entry. The log has every acknowledged entry anyway;
  // without it a power loss costs a replica only a longer catch-up.
  bool sync = false;
  // Start a new log (stream and first snapshot) when there is none and the
  // store is empty: the ingest service. Query replicas wait for one.
  bool may_start_log = false;
  // With may_start_log: when the stream holds no entry, start the log from
  // the store already in data_dir (an embedded-mode store, or a restored
  // copy of a replica's) instead of from an empty one. Without it such a
  // store is refused.
  bool start_from_store = false;
  // How often to read the log's state: its end (for the lag), and whether it
  // was replaced under this replica.
  absl::Duration check_interval = absl::Seconds(1);
  // How long AppendCommit keeps retrying an append that got no answer
  // (JetStream electing a stream leader after losing a server), and waits
  // for the client to reconnect when it lost its NATS server.
  absl::Duration append_timeout = absl::Seconds(10);
  // Names this process in the entries it writes (host, pid, start time).
  std::string writer_name;
  // LZ4-compress the write batches this replica appends (readers take both).
  bool compress = true;
};

// What a replica knows about itself and the log.
struct ReplicaStatus {
  enum class State {
    kWaitingForLog,  // no stream yet, or NATS unreachable before the first load
    kLoading,        // loading the log's snapshot into an empty store
    kFollowing,      // store() is usable and follows the log
    kFailed,         // stopped following (error says why)
  };
  State state = State::kWaitingForLog;
  storage::LogPosition position;
  storage::StoreHead head;
  // The log's first and last sequence when last read (0: never read).
  uint64_t log_first_sequence = 0;
  uint64_t log_last_sequence = 0;
  // When the log's state was last read, and the last time this replica had
  // applied everything the log held at such a read: every entry appended
  // before caught_up_at is visible.
  absl::Time log_read_at = absl::InfinitePast();
  absl::Time caught_up_at = absl::InfinitePast();
  bool nats_connected = false;
  // kFailed because the replica fell behind the log's start: a restart
  // rebuilds the store from the log's snapshot.
  bool rebuild_required = false;
  std::string error;

  // Entries of the log not applied yet, as far as the replica knows.
  int64_t entries_behind() const {
    return log_last_sequence > position.sequence()
               ? static_cast<int64_t>(log_last_sequence - position.sequence())
               : 0;
  }
};

const char* ReplicaStateName(ReplicaStatus::State state);

// A name for this process in the log and the leader lease:
// "<role>@<host>/<pid>/<start time>".
std::string ProcessName(const std::string& role);

class LogReplica {
 public:
  // Opens the store (deleting it first if a snapshot load was interrupted)
  // and starts following the log in the background. Fails if the store
  // cannot be opened or holds data that did not come from a log.
  // `nats` must outlive the replica.
  static absl::StatusOr<std::unique_ptr<LogReplica>> Start(
      NatsClient* nats, LogReplicaOptions options);
  // Stops following and closes the store.
  ~LogReplica();
  LogReplica(const LogReplica&) = delete;
  LogReplica& operator=(const LogReplica&) = delete;

  // The store, once it holds the log's state; null before. Stays valid
  // until the replica is destroyed. Only the replica writes to it.
  storage::Store* store() const { return published_store_.load(); }
  ReplicaStatus status() const;
  CommitLog* log() { return &log_; }
  const std::string& writer_name() const { return options_.writer_name; }

  // Blocks until store() is usable, the replica failed or `deadline`.
  // Returns OK, the failure (FAILED_PRECONDITION), or DEADLINE_EXCEEDED.
  absl::Status WaitUntilLoaded(absl::Time deadline);

  // Calls `listener(commit)` after each commit applied (from the log or
  // through AppendCommit), on the thread that applied it, without the
  // replica's state locked (listeners are called one at a time, under a
  // lock of their own). Returns a handle for RemoveCommitListener, which
  // returns only once the listener is not running.
  int AddCommitListener(std::function<void(uint64_t commit)> listener);
  void RemoveCommitListener(int handle);

  // The writer's side (the ingest service's committer).
  //
  // Appends the commit `commit` (the store's last commit + 1), whose sealed
  // write batch is `batch`, to the log after the last entry this replica
  // has seen, and applies it. Errors:
  //   ABORTED: another writer appended first; nothing of this commit counts.
  //     Call CatchUp, then build the commit again on the new head.
  //   UNAVAILABLE: the log could not be reached in time (not connected to
  //     NATS within append_timeout: nothing was written). Otherwise the
  //     commit may or may not be in the log; if it is, the replica applies
  //     it when it reads it.
  //   FAILED_PRECONDITION: the replica stopped following the log.
  absl::Status AppendCommit(rocksdb::WriteBatch* batch, uint64_t commit,
                            bool erasure);

  // Applies every entry the log holds now. DEADLINE_EXCEEDED at `deadline`;
  // UNAVAILABLE if the log cannot be read.
  absl::Status CatchUp(absl::Time deadline);

  // True if an erasure was applied that no snapshot compacted out of the
  // log yet.
  bool compaction_pending() const;
  // Compacts the log: appends a snapshot of the store as it is now, then
  // purges every entry before it, so that nothing the store no longer holds
  // (an erased entity) stays in the log. Takes as long as reading the whole
  // store and appending it.
  absl::Status CompactLog();

  // The log's entry size limit, for tests: 0 means the server's.
  void set_max_entry_bytes_for_testing(int64_t bytes) {
    max_entry_bytes_for_testing_ = bytes;
  }

 private:
  LogReplica(NatsClient* nats, LogReplicaOptions options);
  absl::Status OpenStoreLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A file in data_dir that tells the next start to delete the store first.
  std::string RebuildMarkerPath() const;
  // Deletes the store and opens an empty one (a snapshot load that cannot
  // go on, before the store was ever published).
  absl::Status ResetStoreLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  // One step of the follower thread; returns how long to wait before the
  // next one.
  absl::Duration Step();
  absl::Status ConnectReaderLocked(const LogState& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The log looks as if it went backwards under the store: UNAVAILABLE the
  // first times, then (when it keeps looking so) the replica fails.
  absl::Status SuspectBackwardsLocked(const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartLog();
  // Starts the log from the store in data_dir (start_from_store).
  absl::Status StartLogFromStore() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies `message`, handles what the result means (store loaded, erasure,
  // failure) and returns the commit applied (0 if none).
  absl::StatusOr<uint64_t> ApplyLocked(const LogMessage& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailLocked(const absl::Status& error, bool rebuild)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CheckLog();
  // Appends `payload` after the last entry seen, retrying an append that
  // got no answer until options_.append_timeout, and applies it.
  absl::StatusOr<uint64_t> AppendAndApplyLocked(const std::string& payload,
                                                const std::string& message_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends a snapshot of the store, based at its position.
  absl::Status AppendSnapshotLocked(const std::string& log_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Cuts the store into snapshot entries of log `log_id` (based at log
  // sequence `base`, of commit `commit`) and hands each to `append`;
  // `last_payload` (optional) gets the last one.
  absl::Status PublishSnapshotLocked(
      const std::string& log_id, uint64_t base, uint64_t commit,
      const std::function<absl::StatusOr<uint64_t>(const std::string& payload,
                                                   uint32_t part)>& append,
      std::string* last_payload) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t MaxEntryBytes() const;
  void NotifyCommit(uint64_t commit);

  NatsClient* const nats_;
  const LogReplicaOptions options_;
  CommitLog log_;
  std::atomic<storage::Store*> published_store_{nullptr};
  std::atomic<int64_t> max_entry_bytes_for_testing_{0};

  // Copies status_ where status() reads it: status() never waits for mu_,
  // which appends and compactions hold across network calls.
  void PublishStatusLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  std::unique_ptr<storage::Store> store_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<LogApplier> applier_ ABSL_GUARDED_BY(mu_);
  ReplicaStatus status_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Set when the reader must start again from the entry after the last one
  // seen (after an entry was not applied).
  bool reconnect_reader_ ABSL_GUARDED_BY(mu_) = true;
  // The stream's creation time when the reader was made: a change means
  // the stream was replaced, and the log is verified again.
  int64_t log_created_micros_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t append_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  // Compacts the store after an erasure (made at the first one; the store
  // it holds is published by then and never replaced).
  std::unique_ptr<storage::ErasureCompactor> compactor_ ABSL_GUARDED_BY(mu_);
  // A writer is appending (possibly several parts, releasing mu_ between
  // resends): the follower thread applies nothing meanwhile.
  bool appending_ ABSL_GUARDED_BY(mu_) = false;
  // Sets appending_ for its scope. REQUIRES: mu_ held at construction and
  // destruction.
  class Appending {
   public:
    explicit Appending(LogReplica* replica)
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(replica->mu_)
        : replica_(replica) {
      replica_->appending_ = true;
    }
    ~Appending() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      replica_->appending_ = false;
    }

   private:
    LogReplica* const replica_;
  };
  // The store in data_dir waits to start the log (start_from_store).
  bool adopt_pending_ ABSL_GUARDED_BY(mu_) = false;
  // Since when the log looks shorter than the store, and how many reads said
  // so.
  absl::Time suspect_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int suspect_count_ ABSL_GUARDED_BY(mu_) = 0;
  // Used by the follower thread only.
  std::unique_ptr<LogReader> reader_;
  absl::Time next_check_ = absl::InfinitePast();
  bool waiting_logged_ = false;
  absl::Time last_read_warning_ = absl::InfinitePast();

  // Lock order: mu_, then status_mu_.
  mutable Mutex status_mu_;
  ReplicaStatus published_status_ ABSL_GUARDED_BY(status_mu_);

  Mutex listeners_mu_;
  std::map<int, std::function<void(uint64_t)>> listeners_
      ABSL_GUARDED_BY(listeners_mu_);
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 0;

  std::thread thread_;
};

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_LOG_REPLICA_H_
