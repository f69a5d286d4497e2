#include "replication/log_replica.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "replication/batch_compression.h"
#include "replication/log_entry.pb.h"
#include "replication/store_snapshot.h"
#include "server/log.h"
#include "storage/erasure_compactor.h"

namespace factstore::replication {
namespace {

// Room in an entry for everything but the batch slice (log id, numbers,
// writer name).
constexpr int64_t kEntryOverheadBytes = 1024;

// How long the follower waits for the next entry before doing its periodic
// work.
constexpr absl::Duration kReadTimeout = absl::Milliseconds(100);

// How long a log must keep looking shorter than the store (over several
// reads) before the replica stops following it: longer than a JetStream
// stream leader election, during which a server that is behind may answer.
constexpr absl::Duration kBackwardsConfirmation = absl::Seconds(15);

std::string HexPrefix(const std::string& bytes) {
  return absl::BytesToHexString(bytes.substr(0, 8));
}

}  // namespace

const char* ReplicaStateName(ReplicaStatus::State state) {
  switch (state) {
    case ReplicaStatus::State::kWaitingForLog:
      return "waiting_for_log";
    case ReplicaStatus::State::kLoading:
      return "loading";
    case ReplicaStatus::State::kFollowing:
      return "following";
    case ReplicaStatus::State::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string ProcessName(const std::string& role) {
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(role, "@", host, "/", getpid(), "/",
                      absl::ToUnixMicros(absl::Now()));
}

LogReplica::LogReplica(NatsClient* nats, LogReplicaOptions options)
    : nats_(nats), options_(std::move(options)), log_(nats, options_.log) {}

absl::StatusOr<std::unique_ptr<LogReplica>> LogReplica::Start(
    NatsClient* nats, LogReplicaOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data_dir: cannot create ", options.data_dir, ": ", error.message()));
  }
  std::unique_ptr<LogReplica> replica(new LogReplica(nats, std::move(options)));
  {
    MutexLock lock(&replica->mu_);
    FS_RETURN_IF_ERROR(replica->OpenStoreLocked());
  }
  replica->thread_ = std::thread([r = replica.get()] { r->Run(); });

  return replica;
}

LogReplica::~LogReplica() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  reader_.reset();
  MutexLock lock(&mu_);
  published_store_.store(nullptr);
  compactor_.reset();  // cancels a compaction in progress; before the store
  applier_.reset();
  store_.reset();
}

absl::Status LogReplica::OpenStoreLocked() {
  storage::StoreOptions store_options = options_.store;
  store_options.create_identity = false;
  applier_.reset();
  store_.reset();
  std::string marker = RebuildMarkerPath();
  if (std::filesystem::exists(marker)) {
    server::Log(server::LogLevel::kWarning,
                "deleting the store to load the commit log's snapshot again "
                "(it fell behind the log's start)",
                {{"data_dir", options_.data_dir}});
    FS_RETURN_IF_ERROR(storage::Store::Destroy(options_.data_dir));
    std::error_code ignored;
    std::filesystem::remove(marker, ignored);
  }
  FS_ASSIGN_OR_RETURN(
      store_, storage::Store::OpenPrimary(options_.data_dir, store_options));
  FS_ASSIGN_OR_RETURN(bool rebuild, LogApplier::NeedsRebuild(*store_));
  if (rebuild) {
    server::Log(server::LogLevel::kWarning,
                "the store holds a snapshot that stopped loading half-way; "
                "deleting it to load again",
                {{"data_dir", options_.data_dir}});
    return ResetStoreLocked();
  }
  LogApplier::Options applier_options;
  applier_options.sync = options_.sync;
  if (options_.start_from_store && options_.may_start_log) {
    // A store with data but no log position: it will start the log, if the
    // stream turns out to hold none (Step checks).
    absl::StatusOr<storage::LogPosition> position = store_->ReadLogPosition();
    FS_ASSIGN_OR_RETURN(bool empty, store_->IsEmpty());
    if (absl::IsNotFound(position.status()) && !empty) {
      if (!store_->initialized() || !store_->HasCanonicalColumnFamilyIds()) {
        return absl::FailedPreconditionError(
            absl::StrCat(options_.data_dir,
                         ": this store cannot start a commit log (no "
                         "identity, or column families not created together)"));
      }
      adopt_pending_ = true;
      return absl::OkStatus();
    }
  }
  FS_ASSIGN_OR_RETURN(applier_,
                      LogApplier::Create(store_.get(), applier_options));
  status_.position = applier_->position();
  status_.head = applier_->head();
  if (applier_->initialized()) {
    status_.state = ReplicaStatus::State::kFollowing;
    published_store_.store(store_.get());
  }
  PublishStatusLocked();
  return absl::OkStatus();
}

absl::Status LogReplica::ResetStoreLocked() {
  applier_.reset();
  store_.reset();
  FS_RETURN_IF_ERROR(storage::Store::Destroy(options_.data_dir));
  storage::StoreOptions store_options = options_.store;
  store_options.create_identity = false;
  FS_ASSIGN_OR_RETURN(
      store_, storage::Store::OpenPrimary(options_.data_dir, store_options));
  LogApplier::Options applier_options;
  applier_options.sync = options_.sync;
  FS_ASSIGN_OR_RETURN(applier_,
                      LogApplier::Create(store_.get(), applier_options));
  status_.position = storage::LogPosition();
  status_.head = storage::StoreHead();
  PublishStatusLocked();
  reconnect_reader_ = true;
  return absl::OkStatus();
}

void LogReplica::PublishStatusLocked() {
  MutexLock lock(&status_mu_);
  published_status_ = status_;
}

ReplicaStatus LogReplica::status() const {
  ReplicaStatus status;
  {
    MutexLock lock(&status_mu_);
    status = published_status_;
  }
  status.nats_connected = nats_->connected();
  return status;
}

absl::Status LogReplica::WaitUntilLoaded(absl::Time deadline) {
  MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(
      [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return status_.state == ReplicaStatus::State::kFollowing ||
               status_.state == ReplicaStatus::State::kFailed || stopping_;
      },
      std::max(deadline - absl::Now(), absl::ZeroDuration()));
  switch (status_.state) {
    case ReplicaStatus::State::kFollowing:
      return absl::OkStatus();
    case ReplicaStatus::State::kFailed:
      return absl::FailedPreconditionError(status_.error);
    default:
      return absl::DeadlineExceededError(
          absl::StrCat("the store has not loaded the commit log yet (",
                       ReplicaStateName(status_.state), ")"));
  }
}

int LogReplica::AddCommitListener(std::function<void(uint64_t)> listener) {
  MutexLock lock(&listeners_mu_);
  int handle = next_listener_++;
  listeners_[handle] = std::move(listener);
  return handle;
}

void LogReplica::RemoveCommitListener(int handle) {
  MutexLock lock(&listeners_mu_);
  listeners_.erase(handle);
}

void LogReplica::NotifyCommit(uint64_t commit) {
  MutexLock lock(&listeners_mu_);
  for (auto& [handle, listener] : listeners_) listener(commit);
}

std::string LogReplica::RebuildMarkerPath() const {
  return options_.data_dir + "/REBUILD_FROM_LOG";
}

void LogReplica::FailLocked(const absl::Status& error, bool rebuild) {
  if (status_.state == ReplicaStatus::State::kFailed) return;
  if (rebuild) {
    // The next start deletes the store and loads the log's snapshot.
    FILE* marker = fopen(RebuildMarkerPath().c_str(), "w");
    if (marker != nullptr) {
      fputs(error.ToString().c_str(), marker);
      fclose(marker);
    }
  }
  status_.state = ReplicaStatus::State::kFailed;
  status_.rebuild_required = rebuild;
  status_.error = std::string(error.message());
  PublishStatusLocked();
  server::Log(server::LogLevel::kError,
              rebuild ? "the store fell behind the commit log's start; restart "
                        "this server to load the log's snapshot again"
                      : "stopped following the commit log: its next entry "
                        "cannot be applied here (another log's, or one this "
                        "build cannot read; the error says which)",
              {{"error", status_.error},
               {"data_dir", options_.data_dir},
               {"applied_sequence", status_.position.sequence()},
               {"commit", status_.head.last_commit()}});
}

absl::StatusOr<uint64_t> LogReplica::ApplyLocked(const LogMessage& message) {
  absl::StatusOr<ApplyResult> applied = applier_->Apply(message);
  if (!applied.ok()) {
    const absl::Status& error = applied.status();
    reconnect_reader_ = true;
    if (absl::IsFailedPrecondition(error)) {
      FailLocked(error, /*rebuild=*/false);
    } else if (absl::IsOutOfRange(error)) {
      if (published_store_.load() == nullptr) {
        // Nothing was served from this store yet: start the load again.
        server::Log(server::LogLevel::kWarning,
                    "the snapshot being loaded was compacted away; loading "
                    "the new one",
                    {{"error", std::string(error.message())}});
        absl::Status reset = ResetStoreLocked();
        if (!reset.ok()) FailLocked(reset, /*rebuild=*/true);
      } else {
        FailLocked(error, /*rebuild=*/true);
      }
    } else {
      server::Log(server::LogLevel::kWarning, "could not apply a log entry",
                  {{"sequence", message.sequence},
                   {"error", std::string(error.message())}});
    }
    return error;
  }
  if (applied->snapshot_loaded) {
    // The store was opened before it had an identity: open it again to
    // read the one the snapshot brought.
    if (absl::Status reopened = OpenStoreLocked(); !reopened.ok()) {
      FailLocked(reopened, /*rebuild=*/true);
      return reopened;
    }
    if (status_.state != ReplicaStatus::State::kFollowing) {
      return absl::InternalError("the loaded store did not open as a replica");
    }
  } else if (status_.state == ReplicaStatus::State::kWaitingForLog &&
             !applier_->initialized()) {
    status_.state = ReplicaStatus::State::kLoading;
  }
  status_.position = applier_->position();
  status_.head = applier_->head();
  PublishStatusLocked();
  if (applied->erasure) {
    if (compactor_ == nullptr) {
      compactor_ = std::make_unique<storage::ErasureCompactor>(
          store_.get(), [](const absl::Status& compacted) {
            server::Log(compacted.ok() ? server::LogLevel::kInfo
                                       : server::LogLevel::kError,
                        "compacted the store after an erasure",
                        {{"error", std::string(compacted.message())}});
          });
    }
    compactor_->Request();
  }
  return applied->commit;
}

absl::Status LogReplica::SuspectBackwardsLocked(const std::string& why) {
  absl::Time now = absl::Now();
  if (suspect_since_ == absl::InfinitePast()) {
    suspect_since_ = now;
    suspect_count_ = 0;
    server::Log(server::LogLevel::kWarning,
                "the commit log looks shorter than this store; checking again",
                {{"why", why}});
  }
  ++suspect_count_;
  if (now - suspect_since_ >= kBackwardsConfirmation && suspect_count_ >= 3) {
    FailLocked(absl::FailedPreconditionError(why), /*rebuild=*/false);
    return absl::FailedPreconditionError(status_.error);
  }
  // During a stream leader election a NATS server that is behind may answer
  // for the stream for a moment: not a reason to stop yet.
  return absl::UnavailableError(absl::StrCat(why, " (checking again)"));
}

absl::Status LogReplica::ConnectReaderLocked(const LogState& state) {
  reader_.reset();
  if (applier_->initialized()) {
    // The log must still be the one this store applied.
    const storage::LogPosition& position = applier_->position();
    if (state.last_sequence < position.sequence()) {
      return SuspectBackwardsLocked(absl::StrCat(
          "the log went backwards: stream ", options_.log.stream,
          " ends at entry ", state.last_sequence,
          ", but this store applied entries up to ", position.sequence()));
    }
    if (position.sequence() >= state.first_sequence) {
      absl::StatusOr<LogMessage> entry = log_.Read(position.sequence());
      if (!entry.ok() && !absl::IsNotFound(entry.status()))
        return entry.status();
      if (!entry.ok() ||
          EntryDigest(entry->payload) != position.entry_digest()) {
        return SuspectBackwardsLocked(
            absl::StrCat("the log went backwards: entry ", position.sequence(),
                         " of stream ", options_.log.stream,
                         " is not the entry this store applied there"));
      }
    } else if (state.last_sequence >= state.first_sequence) {
      absl::StatusOr<LogMessage> first = log_.Read(state.first_sequence);
      if (!first.ok()) return first.status();
      LogEntry entry;
      if (!entry.ParseFromString(first->payload)) entry.Clear();
      if (!entry.log_id().empty() && entry.log_id() != position.log_id()) {
        FailLocked(absl::FailedPreconditionError(
                       absl::StrCat("stream ", options_.log.stream,
                                    " holds log ", HexPrefix(entry.log_id()),
                                    ", not log ", HexPrefix(position.log_id()),
                                    " that this store was built from")),
                   /*rebuild=*/false);
        return absl::FailedPreconditionError(status_.error);
      }
      // Entries purged behind a snapshot this store already has (its base
      // is at or below the position) cost nothing; any other gap does.
      bool snapshot_covers =
          entry.has_snapshot() && entry.snapshot().part() == 0 &&
          entry.snapshot().base_sequence() <= position.sequence();
      if (position.sequence() + 1 < state.first_sequence && !snapshot_covers) {
        FailLocked(absl::OutOfRangeError(absl::StrCat(
                       "the log now starts at entry ", state.first_sequence,
                       " (compacted behind a snapshot) but this store applied "
                       "only up to ",
                       position.sequence())),
                   /*rebuild=*/true);
        return absl::OutOfRangeError(status_.error);
      }
    }
  }
  suspect_since_ = absl::InfinitePast();
  uint64_t start = applier_->initialized() ? applier_->last_seen_sequence() + 1
                                           : state.first_sequence;
  FS_ASSIGN_OR_RETURN(reader_, log_.ReadFrom(start));
  log_created_micros_ = state.created_micros;
  reconnect_reader_ = false;
  return absl::OkStatus();
}

absl::Status LogReplica::StartLog() {
  FS_ASSIGN_OR_RETURN(LogState state, log_.Create());
  if (state.last_sequence > 0) return absl::OkStatus();  // someone else did
  FS_ASSIGN_OR_RETURN(std::string batch,
                      NewStoreBatch(options_.store.index_words));
  std::string log_id(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(log_id.data()),
                 static_cast<int>(log_id.size())) != 1) {
    return absl::InternalError("no secure random numbers for the log id");
  }
  LogEntry entry;
  entry.set_log_id(log_id);
  SnapshotPart* part = entry.mutable_snapshot();
  part->set_base_sequence(0);
  part->set_commit(0);
  part->set_part(0);
  part->set_last(true);
  part->set_batch_ends(true);
  part->set_batch(std::move(batch));
  part->set_writer(options_.writer_name);
  part->set_schema_version(storage::kSchemaVersion);
  absl::StatusOr<uint64_t> sequence =
      log_.Append(entry.SerializeAsString(), 0,
                  absl::StrCat(options_.writer_name, "/start"));
  if (absl::IsAborted(sequence.status())) return absl::OkStatus();
  if (!sequence.ok()) return sequence.status();
  server::Log(server::LogLevel::kInfo, "started a new commit log",
              {{"stream", options_.log.stream},
               {"log", HexPrefix(log_id)},
               {"replicas", state.replicas}});
  return absl::OkStatus();
}

absl::Status LogReplica::StartLogFromStore() {
  absl::Time started = absl::Now();
  FS_ASSIGN_OR_RETURN(LogState state, log_.Create());
  if (state.last_sequence > 0) {
    return absl::FailedPreconditionError("the stream already holds entries");
  }
  FS_ASSIGN_OR_RETURN(storage::StoreHead head, store_->ReadHead());
  std::string log_id(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(log_id.data()),
                 static_cast<int>(log_id.size())) != 1) {
    return absl::InternalError("no secure random numbers for the log id");
  }
  uint64_t last = 0;
  uint32_t parts = 0;
  std::string last_payload;
  FS_RETURN_IF_ERROR(PublishSnapshotLocked(
      log_id, /*base=*/0, head.last_commit(),
      [&](const std::string& payload,
          uint32_t part) -> absl::StatusOr<uint64_t> {
        FS_ASSIGN_OR_RETURN(last, log_.Append(payload, last,
                                              absl::StrCat(options_.writer_name,
                                                           "/adopt/", part)));
        parts = part + 1;
        return last;
      },
      &last_payload));
  // The store is the snapshot it published: it only needs its position.
  storage::LogPosition position;
  position.set_log_id(log_id);
  position.set_sequence(last);
  position.set_entry_digest(EntryDigest(last_payload));
  position.set_entry_time_micros(absl::ToUnixMicros(absl::Now()));
  rocksdb::WriteBatch empty;
  FS_RETURN_IF_ERROR(
      store_->Apply(&empty, &position, /*sync=*/true, storage::kSchemaVersion));
  adopt_pending_ = false;
  FS_RETURN_IF_ERROR(OpenStoreLocked());
  reconnect_reader_ = true;
  server::Log(server::LogLevel::kInfo,
              "started a new commit log from the store",
              {{"stream", options_.log.stream},
               {"log", HexPrefix(log_id)},
               {"commit", head.last_commit()},
               {"entries", static_cast<int64_t>(parts)},
               {"seconds", absl::ToDoubleSeconds(absl::Now() - started)}});
  return absl::OkStatus();
}

void LogReplica::CheckLog() {
  absl::Time started = absl::Now();
  absl::StatusOr<LogState> state = log_.State();
  MutexLock lock(&mu_);
  if (!state.ok()) {
    if (absl::IsNotFound(state.status()) && applier_ != nullptr &&
        applier_->initialized()) {
      server::Log(server::LogLevel::kWarning,
                  "the commit log stream is missing",
                  {{"stream", options_.log.stream}});
    }
    return;
  }
  status_.log_first_sequence = state->first_sequence;
  status_.log_last_sequence = state->last_sequence;
  status_.log_read_at = started;
  if (applier_ != nullptr && applier_->initialized()) {
    uint64_t pending = applier_->position().pending_compaction();
    if (pending != 0 && state->first_sequence > pending &&
        state->created_micros == log_created_micros_) {
      // Another writer compacted the log behind the erasure.
      absl::Status cleared = applier_->ClearPendingCompaction();
      if (cleared.ok()) status_.position = applier_->position();
    }
    if (state->created_micros != log_created_micros_ ||
        state->last_sequence < applier_->position().sequence()) {
      // Replaced or truncated under us: verify it again before reading on.
      reconnect_reader_ = true;
    } else if (applier_->last_seen_sequence() >= state->last_sequence) {
      status_.caught_up_at = started;
    }
  }
  PublishStatusLocked();
}

absl::Duration LogReplica::Step() {
  {
    MutexLock lock(&mu_);
    if (status_.state == ReplicaStatus::State::kFailed) {
      reader_.reset();
      return absl::Seconds(1);
    }
  }
  if (absl::Now() >= next_check_) {
    next_check_ = absl::Now() + options_.check_interval;
    if (nats_->connected()) CheckLog();
  }
  bool reconnect;
  {
    MutexLock lock(&mu_);
    reconnect = reconnect_reader_ || reader_ == nullptr;
  }
  if (reconnect) {
    if (!nats_->connected()) return absl::Milliseconds(100);
    absl::StatusOr<LogState> state = log_.State();
    bool may_start, adopt;
    {
      MutexLock lock(&mu_);
      adopt = adopt_pending_;
      may_start = options_.may_start_log && (adopt || !applier_->initialized());
    }
    bool no_log = absl::IsNotFound(state.status()) ||
                  (state.ok() && state->last_sequence == 0);
    if (adopt && !no_log && state.ok()) {
      MutexLock lock(&mu_);
      FailLocked(absl::FailedPreconditionError(absl::StrCat(
                     "--start_log_from_store: stream ", options_.log.stream,
                     " already holds a log (", state->last_sequence,
                     " entries); the store in ", options_.data_dir,
                     " can only start a new one (if the stream holds only a "
                     "start this server left half-way, delete the stream and "
                     "start again)")),
                 /*rebuild=*/false);
      return absl::Seconds(1);
    }
    if (no_log && may_start && adopt) {
      MutexLock lock(&mu_);
      absl::Status adopted = StartLogFromStore();
      if (!adopted.ok()) {
        server::Log(server::LogLevel::kWarning,
                    "cannot start the commit log from the store yet",
                    {{"error", std::string(adopted.message())}});
        return absl::Seconds(1);
      }
      return absl::ZeroDuration();
    }
    if (no_log && may_start) {
      absl::Status started = StartLog();
      if (!started.ok()) {
        server::Log(server::LogLevel::kWarning,
                    "cannot start the commit log yet",
                    {{"error", std::string(started.message())}});
        return absl::Milliseconds(500);
      }
      return absl::ZeroDuration();
    }
    if (absl::IsNotFound(state.status())) {
      if (!waiting_logged_) {
        server::Log(server::LogLevel::kInfo,
                    "waiting for the commit log stream",
                    {{"stream", options_.log.stream}});
        waiting_logged_ = true;
      }
      return absl::Seconds(1);
    }
    if (!state.ok()) {
      if (absl::Now() - last_read_warning_ > absl::Seconds(10)) {
        last_read_warning_ = absl::Now();
        server::Log(server::LogLevel::kWarning,
                    "cannot read the commit log's state",
                    {{"error", std::string(state.status().message())}});
      }
      return absl::Milliseconds(250);
    }
    waiting_logged_ = false;
    MutexLock lock(&mu_);
    if (no_log && !applier_->initialized()) return absl::Milliseconds(250);
    status_.log_first_sequence = state->first_sequence;
    status_.log_last_sequence = state->last_sequence;
    PublishStatusLocked();
    absl::Status connected = ConnectReaderLocked(*state);
    if (!connected.ok()) {
      // Said once per ten seconds at most: this repeats until it passes.
      if (status_.state != ReplicaStatus::State::kFailed &&
          absl::Now() - last_read_warning_ > absl::Seconds(10)) {
        last_read_warning_ = absl::Now();
        server::Log(server::LogLevel::kWarning, "cannot read the commit log",
                    {{"error", std::string(connected.message())}});
      }
      return absl::Milliseconds(250);
    }
  }
  absl::StatusOr<std::optional<LogMessage>> next = reader_->Next(kReadTimeout);
  if (!next.ok()) {
    MutexLock lock(&mu_);
    reconnect_reader_ = true;
    server::Log(server::LogLevel::kWarning, "reading the commit log failed",
                {{"error", std::string(next.status().message())}});
    return absl::Milliseconds(100);
  }
  if (!next->has_value()) return absl::ZeroDuration();
  uint64_t commit = 0;
  {
    MutexLock lock(&mu_);
    // A writer's entries go in one after the other: the follower waits.
    mu_.Await([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !appending_ || stopping_;
    });
    if (stopping_) return absl::ZeroDuration();
    if (reconnect_reader_) return absl::ZeroDuration();  // a writer asked
    absl::StatusOr<uint64_t> applied = ApplyLocked(**next);
    if (!applied.ok()) return absl::Milliseconds(100);
    commit = *applied;
    if (applier_->last_seen_sequence() >= status_.log_last_sequence &&
        status_.log_read_at != absl::InfinitePast()) {
      status_.caught_up_at = status_.log_read_at;
      PublishStatusLocked();
    }
  }
  if (commit != 0) NotifyCommit(commit);
  return absl::ZeroDuration();
}

void LogReplica::Run() {
  while (true) {
    absl::Duration wait = Step();
    MutexLock lock(&mu_);
    if (stopping_) return;
    if (wait > absl::ZeroDuration()) {
      mu_.AwaitWithTimeout(
          [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; },
          wait);
      if (stopping_) return;
    }
  }
}

int64_t LogReplica::MaxEntryBytes() const {
  int64_t testing = max_entry_bytes_for_testing_.load();
  return testing > 0 ? testing : log_.max_entry_bytes();
}

absl::StatusOr<uint64_t> LogReplica::AppendAndApplyLocked(
    const std::string& payload, const std::string& message_id) {
  // The entry follows what this replica had seen when the writer built it,
  // on every resend too: that is what makes JetStream refuse it if another
  // writer appended in between (the follower thread applies nothing while
  // appending_ is set, so last_seen cannot move meanwhile anyway).
  const uint64_t expected = applier_->last_seen_sequence();
  absl::Time deadline = absl::Now() + options_.append_timeout;
  absl::StatusOr<uint64_t> sequence;
  while (true) {
    sequence = log_.Append(payload, expected, message_id);
    if (sequence.ok() && *sequence == 0) {
      // nats-server 2.9 may acknowledge a resend as a duplicate before the
      // original is stored, without its sequence: ask again.
      sequence = absl::UnavailableError(
          "a duplicate acknowledged without its sequence");
    }
    bool no_answer = absl::IsUnavailable(sequence.status()) ||
                     absl::IsDeadlineExceeded(sequence.status());
    if (!no_answer || absl::Now() >= deadline || stopping_) break;
    // No answer: JetStream may be electing a stream leader. The same
    // message id makes a resend of a stored entry a duplicate.
    mu_.Unlock();
    absl::SleepFor(absl::Milliseconds(100));
    mu_.Lock();
  }
  if (absl::IsAborted(sequence.status())) {
    return absl::AbortedError(absl::StrCat(
        "another writer appended to the commit log first, nothing of this "
        "commit was written (",
        sequence.status().message(), ")"));
  }
  if (absl::IsUnavailable(sequence.status()) ||
      absl::IsDeadlineExceeded(sequence.status())) {
    // Unknown outcome: if the entry is in the log, the follower applies it
    // when it reads it.
    reconnect_reader_ = true;
    return absl::UnavailableError(absl::StrCat(
        "the commit log did not answer (", sequence.status().message(),
        "); the commit may or may not be in it: retry with the same "
        "request_id to have it written once"));
  }
  if (!sequence.ok()) {
    // JetStream answered, and refused the entry.
    return absl::Status(
        sequence.status().code(),
        absl::StrCat("the commit log refused the entry, nothing "
                     "was written: ",
                     sequence.status().message()));
  }
  LogMessage message;
  message.sequence = *sequence;
  message.time_micros = absl::ToUnixMicros(absl::Now());
  message.payload = payload;
  absl::StatusOr<uint64_t> applied = ApplyLocked(message);
  if (!applied.ok() && !absl::IsFailedPrecondition(applied.status()) &&
      !absl::IsOutOfRange(applied.status())) {
    return absl::UnavailableError(absl::StrCat(
        "the commit is in the log (entry ", *sequence,
        ") but this replica could not apply it (", applied.status().message(),
        "); the other replicas will: retry with the same request_id"));
  }
  return applied;
}

absl::Status LogReplica::AppendCommit(rocksdb::WriteBatch* batch,
                                      uint64_t commit, bool erasure) {
  // When a NATS server goes away the client reconnects to another; a commit
  // made meanwhile waits for that (within append_timeout, as an append
  // waits for an answer) rather than failing at once.
  {
    MutexLock lock(&mu_);
    for (absl::Time deadline = absl::Now() + options_.append_timeout;
         !stopping_ && MaxEntryBytes() <= kEntryOverheadBytes &&
         absl::Now() < deadline;) {
      mu_.AwaitWithTimeout(
          [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; },
          absl::Milliseconds(20));
    }
    if (status_.state == ReplicaStatus::State::kFailed) {
      return absl::FailedPreconditionError(status_.error);
    }
    if (applier_ == nullptr || !applier_->initialized()) {
      return absl::UnavailableError(
          "the store has not loaded the commit log yet, nothing was written");
    }
    if (commit != applier_->head().last_commit() + 1) {
      return absl::AbortedError(absl::StrCat("the store moved to commit ",
                                             applier_->head().last_commit(),
                                             " since this commit was built"));
    }
    int64_t max_entry = MaxEntryBytes();
    if (max_entry <= kEntryOverheadBytes) {
      return absl::UnavailableError(
          "not connected to NATS (the commit log), nothing was written");
    }
    const size_t slice_bytes =
        static_cast<size_t>(max_entry - kEntryOverheadBytes);
    std::string compressed;
    if (options_.compress) {
      FS_ASSIGN_OR_RETURN(compressed, CompressBatch(batch->Data()));
    }
    const std::string& rep = options_.compress ? compressed : batch->Data();
    const uint32_t parts = static_cast<uint32_t>(
        std::max<size_t>(1, (rep.size() + slice_bytes - 1) / slice_bytes));
    uint64_t attempt = ++append_attempts_;
    // No entry of another writer may land between this commit's parts.
    Appending appending(this);
    LogEntry entry;
    entry.set_log_id(applier_->position().log_id());
    CommitPart* part = entry.mutable_commit();
    part->set_commit(commit);
    part->set_part_count(parts);
    part->set_erasure(erasure);
    part->set_writer(options_.writer_name);
    part->set_schema_version(storage::kSchemaVersion);
    part->set_encoding(options_.compress ? BATCH_ENCODING_LZ4
                                         : BATCH_ENCODING_RAW);
    part->set_batch_bytes(batch->Data().size());
    for (uint32_t i = 0; i < parts; ++i) {
      part->set_part(i);
      size_t offset = static_cast<size_t>(i) * slice_bytes;
      part->set_batch(
          rep.substr(offset, std::min(slice_bytes, rep.size() - offset)));
      FS_RETURN_IF_ERROR(
          AppendAndApplyLocked(
              entry.SerializeAsString(),
              absl::StrCat(options_.writer_name, "/", attempt, "/", i))
              .status());
    }
    if (applier_->head().last_commit() != commit) {
      return absl::InternalError(
          absl::StrCat("commit ", commit, " was appended but not applied"));
    }
  }
  NotifyCommit(commit);
  return absl::OkStatus();
}

absl::Status LogReplica::CatchUp(absl::Time deadline) {
  FS_ASSIGN_OR_RETURN(LogState state, log_.State());
  MutexLock lock(&mu_);
  status_.log_last_sequence =
      std::max(status_.log_last_sequence, state.last_sequence);
  PublishStatusLocked();
  mu_.AwaitWithTimeout(
      [this, &state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || status_.state == ReplicaStatus::State::kFailed ||
               (applier_ != nullptr && applier_->initialized() &&
                applier_->last_seen_sequence() >= state.last_sequence);
      },
      std::max(deadline - absl::Now(), absl::ZeroDuration()));
  if (status_.state == ReplicaStatus::State::kFailed) {
    return absl::FailedPreconditionError(status_.error);
  }
  if (applier_ == nullptr || !applier_->initialized() ||
      applier_->last_seen_sequence() < state.last_sequence) {
    return absl::DeadlineExceededError(
        absl::StrCat("caught up with the commit log to entry ",
                     applier_ != nullptr ? applier_->last_seen_sequence() : 0,
                     " of ", state.last_sequence));
  }
  return absl::OkStatus();
}

bool LogReplica::compaction_pending() const {
  MutexLock lock(&status_mu_);
  return published_status_.position.pending_compaction() != 0;
}

absl::Status LogReplica::PublishSnapshotLocked(
    const std::string& log_id, uint64_t base, uint64_t commit,
    const std::function<absl::StatusOr<uint64_t>(const std::string& payload,
                                                 uint32_t part)>& append,
    std::string* last_payload) {
  int64_t max_entry = MaxEntryBytes();
  if (max_entry <= kEntryOverheadBytes) {
    return absl::UnavailableError("not connected to NATS");
  }
  const size_t slice_bytes =
      static_cast<size_t>(max_entry - kEntryOverheadBytes);
  uint32_t next_part = 0;
  LogEntry entry;
  entry.set_log_id(log_id);
  SnapshotPart* part = entry.mutable_snapshot();
  part->set_base_sequence(base);
  part->set_commit(commit);
  part->set_writer(options_.writer_name);
  part->set_schema_version(storage::kSchemaVersion);
  // Batches of about a slice before compression: most then fit one entry.
  return ForEachSnapshotBatch(
      *store_, slice_bytes, [&](std::string batch, bool last) {
        part->set_batch_bytes(batch.size());
        part->set_encoding(options_.compress ? BATCH_ENCODING_LZ4
                                             : BATCH_ENCODING_RAW);
        if (options_.compress) {
          absl::StatusOr<std::string> compressed = CompressBatch(batch);
          if (!compressed.ok()) return compressed.status();
          batch = *std::move(compressed);
        }
        // A batch larger than an entry (one large value) goes in slices.
        for (size_t offset = 0; offset < batch.size() || offset == 0;
             offset += slice_bytes) {
          bool ends = offset + slice_bytes >= batch.size();
          part->set_part(next_part);
          part->set_batch(batch.substr(offset, slice_bytes));
          part->set_batch_ends(ends);
          part->set_last(last && ends);
          std::string payload = entry.SerializeAsString();
          absl::StatusOr<uint64_t> appended = append(payload, next_part);
          if (!appended.ok()) return appended.status();
          if (last_payload != nullptr) *last_payload = std::move(payload);
          ++next_part;
          if (ends) break;
        }
        return absl::OkStatus();
      });
}

absl::Status LogReplica::AppendSnapshotLocked(const std::string& log_id) {
  uint64_t attempt = ++append_attempts_;
  return PublishSnapshotLocked(
      log_id, applier_->position().sequence(), applier_->head().last_commit(),
      [&](const std::string& payload, uint32_t part)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
            return AppendAndApplyLocked(
                payload,
                absl::StrCat(options_.writer_name, "/", attempt, "/s", part));
          },
      nullptr);
}

absl::Status LogReplica::CompactLog() {
  absl::Time started = absl::Now();
  MutexLock lock(&mu_);
  if (status_.state != ReplicaStatus::State::kFollowing) {
    return absl::FailedPreconditionError(
        status_.error.empty() ? "the store does not follow the log"
                              : status_.error);
  }
  if (applier_->position().pending_compaction() == 0) return absl::OkStatus();
  uint64_t first = applier_->last_seen_sequence() + 1;
  {
    Appending appending(this);
    FS_RETURN_IF_ERROR(AppendSnapshotLocked(applier_->position().log_id()));
  }
  // Everything before the snapshot goes; the snapshot itself starts the log.
  FS_RETURN_IF_ERROR(log_.PurgeBefore(first));
  FS_RETURN_IF_ERROR(applier_->ClearPendingCompaction());
  status_.position = applier_->position();
  PublishStatusLocked();
  server::Log(server::LogLevel::kInfo,
              "compacted the commit log behind a snapshot",
              {{"first_sequence", first},
               {"last_sequence", applier_->position().sequence()},
               {"commit", applier_->head().last_commit()},
               {"seconds", absl::ToDoubleSeconds(absl::Now() - started)}});
  return absl::OkStatus();
}

}  // namespace factstore::replication
