#include "query_service/change_feed.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/mutex.h"
#include "common/status_macros.h"
#include "query_service/change_reader.h"
#include "query_service/read_checks.h"
#include "server/status_conversion.h"

namespace factstore::query {

class WatchReactor final
    : public grpc::ServerWriteReactor<v1::WatchFactsResponse> {
 public:
  WatchReactor(ChangeFeeds* feeds, const v1::WatchFactsRequest& request,
               grpc::Status allowed)
      : feeds_(feeds),
        follower_(feeds->follower_),
        subject_(request.subject()),
        predicate_prefix_(request.predicate_prefix()) {
    if (allowed.ok()) {
      absl::Status valid = CheckReadId(request.subject(), "subject", false);
      if (valid.ok()) {
        valid =
            CheckReadPredicate(request.predicate_prefix(), "predicate_prefix");
      }
      for (int i = 0; valid.ok() && i < request.kinds_size(); ++i) {
        const int kind = request.kinds(i);
        if (kind == v1::CHANGE_KIND_UNSPECIFIED ||
            !v1::ChangeKind_IsValid(kind)) {
          valid = InvalidField(absl::StrCat("kinds[", i, "]"),
                               "is not a change kind");
        } else {
          kinds_.push_back(static_cast<v1::ChangeKind>(kind));
        }
      }
      if (valid.ok() && !feeds_->TryOpen()) {
        valid = WithReason(
            absl::ResourceExhaustedError(absl::StrCat(
                "this query service has ", feeds_->max_watches_,
                " watches open, its limit (--max_watches); retry later or "
                "on another replica")),
            reason::kTooManyWatches);
      } else if (valid.ok()) {
        counted_ = true;
        valid = Position(request.after());
      }
      allowed = server::ToGrpcStatus(valid);
    }
    if (!allowed.ok()) {
      MutexLock lock(&mu_);
      FinishLocked(allowed);
      return;
    }
    int heartbeat =
        request.heartbeat_ms() == 0 ? 10000 : request.heartbeat_ms();
    heartbeat_ = absl::Milliseconds(std::clamp(heartbeat, 100, 3600000));
    // The first response goes out at once (empty if need be), so that the
    // client learns its starting position.
    {
      MutexLock lock(&mu_);
      last_sent_ = absl::InfinitePast();
    }
    listener_ = follower_->AddListener([this] { OnRound(); });
    SchedulePump();
  }

  ~WatchReactor() override {
    if (counted_) feeds_->Close();
  }

  void OnWriteDone(bool ok) override {
    {
      MutexLock lock(&mu_);
      writing_ = false;
      writing_hint_.store(false);
      if (!ok) {
        FinishLocked(server::ToGrpcStatus(
            absl::CancelledError("the client stopped reading")));
        return;
      }
    }
    SchedulePump();
  }

  void OnCancel() override {
    MutexLock lock(&mu_);
    if (!writing_) {
      FinishLocked(server::ToGrpcStatus(absl::CancelledError("cancelled")));
    } else {
      cancelled_ = true;
    }
  }

  void OnDone() override {
    // After this the follower no longer schedules pumps; one may be queued
    // or running still, and then it deletes the reactor when it ends.
    if (listener_ >= 0) follower_->RemoveListener(listener_);
    bool delete_now;
    {
      MutexLock lock(&schedule_mu_);
      done_ = true;
      delete_now = !pump_scheduled_;
    }
    if (delete_now) delete this;
  }

 private:
  // Sets the first position to deliver from `after`.
  absl::Status Position(const std::string& after) {
    const storage::Store* store = follower_->store();
    FollowerView view = follower_->view();
    if (store == nullptr || !view.ready) {
      return WithReason(absl::UnavailableError("the query service has not "
                                               "caught up with the store yet"),
                        reason::kReplicaBehind);
    }
    // Only the constructor calls this, before the listener can; the lock
    // keeps the rule "reader_ under mu_" without exceptions.
    MutexLock lock(&mu_);
    reader_.emplace(store, subject_, predicate_prefix_, kinds_);
    FS_RETURN_IF_ERROR(reader_->Seek(after, view.commit));
    next_commit_hint_.store(reader_->next_commit());
    return absl::OkStatus();
  }

  // Called by the follower after each round, on its thread: queues a turn
  // only when there is something to do (commits to read, a heartbeat due,
  // the end) and no write in flight (its completion queues one), which it
  // learns from atomics, so that hundreds of idle watches cost it next to
  // nothing. It never waits for a turn in progress (SchedulePump takes only
  // schedule_mu_).
  void OnRound() {
    if (writing_hint_.load()) return;
    if (follower_->visible_commit() >= next_commit_hint_.load() ||
        absl::ToUnixMicros(absl::Now()) >= heartbeat_due_micros_.load() ||
        follower_->feeds_ended()) {
      SchedulePump();
    }
  }

  // Queues a turn on the executor, or, when one is queued or running, asks
  // it to run once more. Called after each round with something to do,
  // after each write, and at start.
  void SchedulePump() {
    {
      MutexLock lock(&schedule_mu_);
      if (done_ || ended_) return;
      if (pump_scheduled_) {
        run_again_ = true;
        return;
      }
      pump_scheduled_ = true;
    }
    // pump_scheduled_ keeps the reactor alive until RunPump clears it.
    feeds_->executor_.Run([this] { RunPump(); });
  }

  // One turn on the executor; queues another, behind the other feeds'
  // turns, when the budget ran out with more to read or when asked to.
  void RunPump() {
    bool more = Pump();
    bool delete_now = false;
    bool again = false;
    {
      MutexLock lock(&schedule_mu_);
      if (done_) {
        pump_scheduled_ = false;
        delete_now = true;
      } else if ((more || run_again_) && !ended_) {
        run_again_ = false;
        again = true;  // pump_scheduled_ stays true
      } else {
        pump_scheduled_ = false;
      }
    }
    if (delete_now) {
      delete this;
    } else if (again) {
      feeds_->executor_.Run([this] { RunPump(); });
    }
  }

  // Builds and starts the next write if there is something to send and no
  // write in flight. Returns true when it stopped at kMaxCommitsPerRead with
  // more visible commits to read and nothing to write yet.
  bool Pump() {
    MutexLock lock(&mu_);
    if (finished_ || writing_) return false;
    if (cancelled_) {
      FinishLocked(server::ToGrpcStatus(absl::CancelledError("cancelled")));
      return false;
    }
    if (follower_->feeds_ended()) {
      FinishLocked(server::ToGrpcStatus(
          WithReason(absl::UnavailableError(absl::StrCat(
                         "the query service is shutting down; resume with "
                         "after=\"",
                         reader_->ResumeToken(), "\"")),
                     reason::kNotServing)));
      return false;
    }
    response_.Clear();
    absl::StatusOr<bool> more = reader_->Read(follower_->visible_commit(),
                                              kMaxCommitsPerRead, &response_);
    if (!more.ok()) {
      FinishLocked(server::ToGrpcStatus(more.status()));
      return false;
    }
    next_commit_hint_.store(reader_->next_commit());
    absl::Time now = absl::Now();
    if (response_.events_size() == 0 && now - last_sent_ < heartbeat_) {
      return *more;
    }
    response_.set_resume_token(reader_->ResumeToken());
    last_sent_ = now;
    heartbeat_due_micros_.store(absl::ToUnixMicros(now + heartbeat_));
    writing_ = true;
    writing_hint_.store(true);
    StartWrite(&response_);
    return false;
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    {
      MutexLock lock(&schedule_mu_);
      ended_ = true;
    }
    Finish(status);
  }

  ChangeFeeds* const feeds_;
  StoreFollower* const follower_;
  const std::string subject_;
  const std::string predicate_prefix_;
  std::vector<v1::ChangeKind> kinds_;  // valid, set by the constructor
  absl::Duration heartbeat_;
  int listener_ = -1;
  // Counted in feeds_->open().
  bool counted_ = false;

  Mutex mu_;
  // The position and the reading; set by Position (a valid request).
  std::optional<ChangeReader> reader_ ABSL_GUARDED_BY(mu_);
  v1::WatchFactsResponse response_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sent_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // The reader's next commit, when the next heartbeat is due and writing_,
  // for OnRound to read without mu_ (a turn holds it while it reads).
  std::atomic<uint64_t> next_commit_hint_{0};
  std::atomic<int64_t> heartbeat_due_micros_{0};
  std::atomic<bool> writing_hint_{false};

  // The scheduling of turns, under a lock of its own that is never held
  // while reading. Order: mu_ before schedule_mu_.
  Mutex schedule_mu_ ABSL_ACQUIRED_AFTER(mu_);
  // A turn is queued on the executor or running.
  bool pump_scheduled_ ABSL_GUARDED_BY(schedule_mu_) = false;
  // Asked for while a turn was queued or running: run one more.
  bool run_again_ ABSL_GUARDED_BY(schedule_mu_) = false;
  // The call was finished (finished_): no more turns.
  bool ended_ ABSL_GUARDED_BY(schedule_mu_) = false;
  // gRPC is done with the call (OnDone ran).
  bool done_ ABSL_GUARDED_BY(schedule_mu_) = false;
};

ChangeFeeds::ChangeFeeds(StoreFollower* follower, int max_watches)
    : follower_(follower), max_watches_(max_watches), executor_(1) {
  // The feeds' reading is background work: at a lower scheduling priority
  // than the follower's catch-up and the reads it releases, a watch replaying
  // a long history takes the CPU they leave, not the CPU they need. (Linux
  // sets the nice value per thread; a thread may always lower its own
  // priority.)
  executor_.Run([] {
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  });
}

bool ChangeFeeds::TryOpen() {
  if (open_.fetch_add(1) < max_watches_) return true;
  open_.fetch_sub(1);
  return false;
}

grpc::ServerWriteReactor<v1::WatchFactsResponse>* ChangeFeeds::Start(
    const v1::WatchFactsRequest& request, const grpc::Status& allowed) {
  return new WatchReactor(this, request, allowed);
}

}  // namespace factstore::query
