#include "query_service/store_follower.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/remembered_words.h"
#include "server/log.h"
#include "storage/commit_progress.h"

namespace factstore::query {

std::unique_ptr<StoreFollower> StoreFollower::Start(FollowerOptions options) {
  std::unique_ptr<StoreFollower> follower(
      new StoreFollower(std::move(options)));
  if (follower->options_.replica != nullptr) {
    follower->replica_listener_ = follower->options_.replica->AddCommitListener(
        [f = follower.get()](uint64_t) { f->Wake(); });
  }
  follower->thread_ = std::thread([f = follower.get()] { f->Run(); });
  return follower;
}

StoreFollower::StoreFollower(FollowerOptions options)
    : options_(std::move(options)),
      document_cache_(options_.document_cache_bytes),
      catch_up_failure_log_(options_.catch_up_failure_log_interval) {
  if (options_.replica != nullptr) return;  // no secondary
  secondary_dir_ = options_.secondary_dir;
  if (secondary_dir_.empty()) {
    const char* tmp = getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                     "/factstore-query-XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) secondary_dir_ = pattern;
  } else {
    std::error_code ignored;
    std::filesystem::create_directories(secondary_dir_, ignored);
  }
}

StoreFollower::~StoreFollower() {
  if (replica_listener_ >= 0) {
    options_.replica->RemoveCommitListener(replica_listener_);
  }
  Stop();
  if (thread_.joinable()) thread_.join();
  if (options_.secondary_dir.empty() && !secondary_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(secondary_dir_, ignored);
  }
}

const storage::Store* StoreFollower::store() const {
  MutexLock lock(&mu_);
  return store_;
}

namespace {

absl::Status ShuttingDown() {
  return WithReason(
      absl::UnavailableError("the query service is shutting down"),
      reason::kNotServing);
}

}  // namespace

absl::Status StoreFollower::ReplicaFailure() const {
  if (!replica_failed_.load()) return absl::OkStatus();
  MutexLock lock(&mu_);
  std::string error = view_.replica.has_value() ? view_.replica->error : "";
  return WithReason(absl::UnavailableError(absl::StrCat(
                        "this query replica stopped following the commit "
                        "log: ",
                        error)),
                    reason::kReplicaBehind);
}

void StoreFollower::Wake() {
  MutexLock lock(&mu_);
  catch_up_now_ = true;
}

FollowerView StoreFollower::view() const {
  MutexLock lock(&mu_);
  return view_;
}

bool StoreFollower::stopped() const {
  MutexLock lock(&mu_);
  return stopping_;
}

void StoreFollower::WaitForCommit(uint64_t commit, absl::Time deadline,
                                  WaitCallback done) {
  absl::Status immediate;
  {
    MutexLock lock(&mu_);
    if (view_.ready && view_.commit >= commit) {
      immediate = absl::OkStatus();
    } else if (stopping_ || absl::Now() >= release_waiters_at_) {
      immediate = ShuttingDown();
    } else {
      waiters_.push_back({commit, deadline, std::move(done)});
      catch_up_now_ = true;
      return;
    }
  }
  done(immediate);
}

int StoreFollower::AddListener(std::function<void()> listener) {
  MutexLock lock(&listeners_mu_);
  int handle = next_listener_++;
  listeners_[handle] = std::move(listener);
  return handle;
}

void StoreFollower::RemoveListener(int handle) {
  MutexLock lock(&listeners_mu_);
  listeners_.erase(handle);
}

void StoreFollower::EndFeeds() {
  MutexLock lock(&mu_);
  feeds_ended_ = true;
  catch_up_now_ = true;
}

bool StoreFollower::feeds_ended() const {
  MutexLock lock(&mu_);
  return feeds_ended_ || stopping_;
}

void StoreFollower::ReleaseWaitersAt(absl::Time time) {
  MutexLock lock(&mu_);
  release_waiters_at_ = std::min(release_waiters_at_, time);
  catch_up_now_ = true;
}

void StoreFollower::Stop() {
  MutexLock lock(&mu_);
  stopping_ = true;
}

bool StoreFollower::ReplicaRound() {
  replication::ReplicaStatus status = options_.replica->status();
  const storage::Store* store = options_.replica->store();
  MutexLock lock(&mu_);
  if (store_ == nullptr && store != nullptr) {
    server::Log(server::LogLevel::kInfo, "serving the replica's store",
                {{"data_dir", store->path()}});
  }
  store_ = store;
  if (store != nullptr) {
    document_cache_.Follow(store->store_id(), status.head);
    view_.commit = status.head.last_commit();
    view_.head = status.head;
    view_.primary_commit = status.head.last_commit() +
                           static_cast<uint64_t>(status.entries_behind());
    // What the replica last confirmed having everything the log held.
    view_.caught_up_at = status.caught_up_at;
    // A replica that stopped following its log serves nothing from it.
    view_.ready = status.state != replication::ReplicaStatus::State::kFailed;
  }
  replica_failed_.store(status.state ==
                        replication::ReplicaStatus::State::kFailed);
  visible_commit_.store(view_.ready ? view_.commit : 0);
  view_.replica = std::move(status);
  return store != nullptr;
}

void StoreFollower::RecordOpenFailure(const absl::Status& status) {
  // Before the ingest service has created the store (no CURRENT file yet),
  // waiting is expected, and so are a few failures while it creates it
  // (CURRENT written, column families or identity not yet). A failure that
  // lasts past kOpenFailureGrace is reported.
  constexpr absl::Duration kOpenFailureGrace = absl::Seconds(2);
  std::error_code ignored;
  const bool exists = std::filesystem::exists(
      std::filesystem::path(options_.data_dir) / "CURRENT", ignored);
  const absl::Time now = absl::Now();
  bool report, changed;
  {
    MutexLock lock(&mu_);
    if (!exists) {
      open_failing_since_ = absl::InfiniteFuture();
    } else if (open_failing_since_ == absl::InfiniteFuture()) {
      open_failing_since_ = now;
    }
    report = exists && now - open_failing_since_ >= kOpenFailureGrace;
    absl::Status failure =
        report ? WithReason(
                     absl::UnavailableError(absl::StrCat(
                         "the query service cannot open the store at ",
                         options_.data_dir, " (retrying): ", status.message())),
                     reason::kNotServing)
               : absl::OkStatus();
    changed = failure.message() != open_failure_.message();
    open_failure_ = std::move(failure);
  }
  if (!report) {
    server::Log(server::LogLevel::kDebug, "store not ready yet",
                {{"error", status.ToString()}});
  } else if (changed) {
    // Once per distinct error, not at every retry.
    server::Log(
        server::LogLevel::kError, "cannot open the store",
        {{"data_dir", options_.data_dir}, {"error", status.ToString()}});
  }
}

absl::Status StoreFollower::OpenFailure() const {
  MutexLock lock(&mu_);
  return open_failure_;
}

bool StoreFollower::Round() {
  if (options_.replica != nullptr) return ReplicaRound();
  storage::Store* store;
  {
    MutexLock lock(&mu_);
    store = owned_store_.get();
  }
  if (store == nullptr) {
    auto opened = storage::Store::OpenSecondary(options_.data_dir,
                                                secondary_dir_, options_.store);
    if (!opened.ok()) {
      RecordOpenFailure(opened.status());
      return false;
    }
    server::Log(
        server::LogLevel::kInfo, "following store",
        {{"data_dir", options_.data_dir}, {"secondary_dir", secondary_dir_}});
    MutexLock lock(&mu_);
    open_failure_ = absl::OkStatus();
    open_failing_since_ = absl::InfiniteFuture();
    owned_store_ = *std::move(opened);
    store = owned_store_.get();
    store_ = store;
  }
  absl::Time started = absl::Now();
  // The primary publishes each commit before acknowledging it: when it has
  // published nothing new, there is nothing to catch up with, and the
  // catch-up (which reads RocksDB's manifest and log files) is skipped. It
  // still runs every kForcedCatchUpInterval, so that the secondary also
  // follows flushes and compactions.
  absl::StatusOr<uint64_t> primary =
      storage::ReadCommitProgress(options_.data_dir);
  {
    MutexLock lock(&mu_);
    if (view_.ready && primary.ok() && *primary == view_.commit &&
        started - last_catch_up_ < kForcedCatchUpInterval) {
      view_.caught_up_at = started;
      view_.primary_commit = *primary;
      return true;
    }
  }
  absl::Status caught_up = store->CatchUp();
  absl::StatusOr<storage::StoreHead> head =
      caught_up.ok() ? store->ReadHead() : caught_up;
  if (!head.ok()) {
    ++catch_up_failures_;
    int64_t not_logged = 0;
    if (catch_up_failure_log_.Due(started, &not_logged)) {
      server::Log(server::LogLevel::kWarning, "catch-up failed",
                  {{"error", head.status().ToString()},
                   {"failures_in_a_row", catch_up_failures_},
                   {"not_logged", not_logged}});
    }
    return true;
  }
  if (catch_up_failures_ > 0) {
    server::Log(server::LogLevel::kInfo, "catching up again",
                {{"failures_in_a_row", catch_up_failures_}});
    catch_up_failures_ = 0;
    catch_up_failure_log_.Reset();
  }
  // An erasure (a new tombstone) may have taken texts whose words SearchFacts
  // remembered while it read them; they go before the erasure is visible.
  bool erased;
  {
    MutexLock lock(&mu_);
    erased =
        view_.ready && head->tombstone_count() > view_.head.tombstone_count();
  }
  if (erased) ForgetRememberedWords();
  MutexLock lock(&mu_);
  document_cache_.Follow(store->store_id(), *head);
  view_.commit = head->last_commit();
  view_.head = *std::move(head);
  view_.caught_up_at = started;
  view_.primary_commit = primary.ok() ? *primary : 0;
  view_.ready = true;
  visible_commit_.store(view_.commit);
  last_catch_up_ = started;
  return true;
}

void StoreFollower::Run() {
  while (true) {
    bool opened = Round();
    // Release the waiters whose commit is visible or whose time is up.
    std::vector<std::pair<WaitCallback, absl::Status>> ready;
    bool stopping;
    {
      MutexLock lock(&mu_);
      stopping = stopping_;
      absl::Time now = absl::Now();
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (stopping_) {
          ready.emplace_back(std::move(it->done), ShuttingDown());
        } else if (view_.ready && view_.commit >= it->commit) {
          ready.emplace_back(std::move(it->done), absl::OkStatus());
        } else if (now >= release_waiters_at_) {
          ready.emplace_back(std::move(it->done), ShuttingDown());
        } else if (now >= it->deadline) {
          ready.emplace_back(
              std::move(it->done),
              WithReason(absl::DeadlineExceededError(absl::StrCat(
                             "commit ", it->commit,
                             " is not visible yet (this query service sees "
                             "commit ",
                             view_.commit,
                             "); is the token from this store's ingest "
                             "service?")),
                         reason::kCommitNotVisible));
        } else {
          ++it;
          continue;
        }
        it = waiters_.erase(it);
      }
    }
    for (auto& [done, status] : ready) done(status);
    {
      MutexLock lock(&listeners_mu_);
      for (auto& [handle, listener] : listeners_) listener();
    }
    if (stopping) return;
    MutexLock lock(&mu_);
    absl::Duration wait =
        opened ? options_.catch_up_interval : options_.open_retry_interval;
    if (!waiters_.empty()) {
      // Wake up in time to release waiters at their deadline.
      absl::Time wake = release_waiters_at_;
      for (const Waiter& w : waiters_) wake = std::min(wake, w.deadline);
      wait = std::min(wait, std::max(wake - absl::Now(), absl::ZeroDuration()));
    }
    mu_.AwaitWithTimeout([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                             mu_) { return catch_up_now_ || stopping_; },
                         wait);
    catch_up_now_ = false;
  }
}

}  // namespace factstore::query
