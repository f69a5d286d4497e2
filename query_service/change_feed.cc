#include "query_service/change_feed.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/mutex.h"
#include "server/status_conversion.h"
#include "storage/commit_token.h"
#include "storage/record_views.h"

namespace factstore::query {
namespace {

// Commits one pump may scan without finding anything, so that one stream
// cannot hold the follower's thread for long.
constexpr int kMaxCommitsPerPump = 1000;

v1::ChangeKind ToPublicKind(storage::ChangeKind kind) {
  switch (kind) {
    case storage::CHANGE_KIND_FACT_ASSERTED:
      return v1::CHANGE_KIND_ASSERTED;
    case storage::CHANGE_KIND_MENTION_ADDED:
      return v1::CHANGE_KIND_MENTION_ADDED;
    case storage::CHANGE_KIND_FACT_UPDATED:
      return v1::CHANGE_KIND_UPDATED;
    case storage::CHANGE_KIND_FACT_RETRACTED:
      return v1::CHANGE_KIND_RETRACTED;
    case storage::CHANGE_KIND_ENTITY_ERASED:
      return v1::CHANGE_KIND_ERASED;
    default:
      return v1::CHANGE_KIND_UNSPECIFIED;
  }
}

class WatchReactor final
    : public grpc::ServerWriteReactor<v1::WatchFactsResponse> {
 public:
  WatchReactor(StoreFollower* follower, const v1::WatchFactsRequest& request,
               const grpc::Status& allowed)
      : follower_(follower),
        subject_(request.subject()),
        predicate_prefix_(request.predicate_prefix()) {
    if (!allowed.ok()) {
      Finish(allowed);
      finished_ = true;
      return;
    }
    int heartbeat = request.heartbeat_ms() == 0 ? 10000 : request.heartbeat_ms();
    heartbeat_ = absl::Milliseconds(std::clamp(heartbeat, 100, 3600000));
    absl::Status valid = Position(request.after());
    if (!valid.ok()) {
      Finish(server::ToGrpcStatus(valid));
      finished_ = true;
      return;
    }
    // The first response goes out at once, empty if need be, so that the
    // client learns its starting position.
    last_sent_ = absl::InfinitePast();
    listener_ = follower_->AddListener([this] { Pump(); });
    Pump();
  }

  void OnWriteDone(bool ok) override {
    {
      MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        FinishLocked(server::ToGrpcStatus(
            absl::CancelledError("the client stopped reading")));
        return;
      }
    }
    Pump();
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
    if (listener_ >= 0) follower_->RemoveListener(listener_);
    delete this;
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
    store_ = store;
    // Only the constructor calls this, before the listener can; the lock
    // keeps the rule "next_* under mu_" without exceptions.
    MutexLock lock(&mu_);
    if (after.empty()) {
      next_commit_ = view.commit + 1;
      next_offset_ = 0;
      return absl::OkStatus();
    }
    auto position =
        storage::DecodeResumeToken(after, store->store_id(), "after");
    if (!position.ok()) return position.status();
    if (position->offset == storage::CommitPosition::kWholeCommit) {
      next_commit_ = position->commit + 1;
      next_offset_ = 0;
    } else {
      next_commit_ = position->commit;
      next_offset_ = position->offset;
    }
    return absl::OkStatus();
  }

  bool Matches(const storage::Change& change) const {
    switch (change.kind()) {
      case storage::CHANGE_KIND_FACT_ASSERTED:
      case storage::CHANGE_KIND_MENTION_ADDED:
      case storage::CHANGE_KIND_FACT_UPDATED:
      case storage::CHANGE_KIND_FACT_RETRACTED:
        return (subject_.empty() || change.subject() == subject_) &&
               absl::StartsWith(change.predicate(), predicate_prefix_);
      case storage::CHANGE_KIND_ENTITY_ERASED:
        // An erasure may remove facts of any predicate, so predicate
        // filters let it through.
        return subject_.empty() || change.entity_id() == subject_;
      default:
        return false;
    }
  }

  // The resume token for the current position.
  std::string ResumeToken() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    storage::CommitPosition position;
    if (next_offset_ == 0) {
      position.commit = next_commit_ - 1;
    } else {
      position.commit = next_commit_;
      position.offset = next_offset_;
    }
    return storage::EncodeResumeToken(store_->store_id(), position);
  }

  // Builds and starts the next write if there is something to send and no
  // write in flight. Called by the follower after each catch-up and after
  // each write.
  void Pump() {
    MutexLock lock(&mu_);
    if (finished_ || writing_) return;
    if (cancelled_) {
      FinishLocked(server::ToGrpcStatus(absl::CancelledError("cancelled")));
      return;
    }
    if (follower_->feeds_ended()) {
      FinishLocked(server::ToGrpcStatus(WithReason(
          absl::UnavailableError(
              absl::StrCat("the query service is shutting down; resume with "
                           "after=\"",
                           ResumeToken(), "\"")),
          reason::kNotServing)));
      return;
    }
    uint64_t visible = follower_->view().commit;
    response_.Clear();
    int scanned = 0;
    while (next_commit_ <= visible &&
           response_.events_size() < kMaxEventsPerResponse &&
           scanned < kMaxCommitsPerPump) {
      auto record = store_->ReadCommit(next_commit_);
      if (!record.ok()) {
        if (!absl::IsNotFound(record.status())) {
          FinishLocked(server::ToGrpcStatus(record.status()));
          return;
        }
        ++next_commit_;  // nothing recorded for this commit
        next_offset_ = 0;
        continue;
      }
      ++scanned;
      while (next_offset_ < static_cast<uint32_t>(record->changes_size()) &&
             response_.events_size() < kMaxEventsPerResponse) {
        const storage::Change& change = record->changes(next_offset_);
        ++next_offset_;
        if (!Matches(change)) continue;
        AddEvent(*record, change);
      }
      if (next_offset_ >= static_cast<uint32_t>(record->changes_size())) {
        ++next_commit_;
        next_offset_ = 0;
      }
    }
    absl::Time now = absl::Now();
    if (response_.events_size() == 0 && now - last_sent_ < heartbeat_) return;
    response_.set_resume_token(ResumeToken());
    last_sent_ = now;
    writing_ = true;
    StartWrite(&response_);
  }

  void AddEvent(const storage::CommitRecord& record,
                const storage::Change& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    v1::ChangeEvent event;
    event.set_kind(ToPublicKind(change.kind()));
    event.set_commit_token(
        storage::EncodeCommitToken(store_->store_id(), record.commit()));
    event.mutable_commit_time()->set_seconds(record.time_micros() / 1000000);
    event.mutable_commit_time()->set_nanos(
        static_cast<int32_t>(record.time_micros() % 1000000) * 1000);
    if (change.kind() == storage::CHANGE_KIND_ENTITY_ERASED) {
      event.set_erased_entity_id(change.entity_id());
    } else {
      auto fact = store_->ReadFact(change.fact_id());
      // A fact erased after this commit is gone: its change is not replayed.
      if (!fact.ok() || !storage::FactAsOf(*fact, record.commit(),
                                           store_->store_id(),
                                           event.mutable_fact())) {
        return;
      }
    }
    *response_.add_events() = std::move(event);
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  StoreFollower* const follower_;
  const std::string subject_;
  const std::string predicate_prefix_;
  absl::Duration heartbeat_;
  const storage::Store* store_ = nullptr;
  int listener_ = -1;

  Mutex mu_;
  uint64_t next_commit_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t next_offset_ ABSL_GUARDED_BY(mu_) = 0;
  v1::WatchFactsResponse response_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sent_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerWriteReactor<v1::WatchFactsResponse>* StartWatch(
    StoreFollower* follower, const v1::WatchFactsRequest& request,
    const grpc::Status& allowed) {
  return new WatchReactor(follower, request, allowed);
}

}  // namespace factstore::query
