#include "ingest_service/committer.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "server/log.h"
#include "storage/commit_batch.h"
#include "storage/commit_token.h"

namespace factstore::ingest {

absl::StatusOr<std::unique_ptr<Committer>> Committer::Start(
    storage::Store* store, CommitterOptions options,
    std::unique_ptr<storage::CommitProgressWriter> progress,
    std::unique_ptr<CommitSink> sink) {
  absl::StatusOr<storage::StoreHead> head = store->ReadHead();
  if (!head.ok()) return head.status();
  if (progress != nullptr) progress->Publish(head->last_commit());
  if (sink == nullptr)
    sink = std::make_unique<StoreCommitSink>(store, options.sync);
  std::unique_ptr<Committer> committer(new Committer(
      store, options, *std::move(head), std::move(progress), std::move(sink)));
  committer->thread_ = std::thread([c = committer.get()] { c->Run(); });
  return committer;
}

Committer::Committer(storage::Store* store, CommitterOptions options,
                     storage::StoreHead head,
                     std::unique_ptr<storage::CommitProgressWriter> progress,
                     std::unique_ptr<CommitSink> sink)
    : store_(store),
      options_(options),
      progress_(std::move(progress)),
      sink_(std::move(sink)),
      head_(std::move(head)) {}

Committer::~Committer() {
  Shutdown();
  if (thread_.joinable()) thread_.join();
  // Only if the thread never ran: nothing may be left unanswered.
  std::deque<std::unique_ptr<WriteOp>> left;
  {
    MutexLock lock(&mu_);
    left.swap(queue_);
    for (HeldBack& held : held_back_) left.push_back(std::move(held.op));
    held_back_.clear();
  }
  for (auto& op : left) RefuseStopping(*op);
}

void Committer::Submit(std::unique_ptr<WriteOp> op) {
  {
    MutexLock lock(&mu_);
    if (!stopping_) {
      if (held_back_.empty()) {
        PushLocked(std::move(op));
      } else {
        // Behind what is held back, as SubmitWhenRoom promises.
        held_back_.push_back({std::move(op), nullptr});
      }
      return;
    }
  }
  RefuseStopping(*op);
}

void Committer::PushLocked(std::unique_ptr<WriteOp> op) {
  queued_items_ += op->weight();
  queue_.push_back(std::move(op));
}

void Committer::RefuseStopping(WriteOp& op) {
  op.Done(
      WithReason(absl::UnavailableError("the ingest service is shutting down"),
                 reason::kNotServing),
      "");
}

bool Committer::HasRoomLocked(int weight) const {
  // Operations held back wait for room first; an empty queue takes any one
  // operation, however large.
  return held_back_.empty() &&
         (queued_items_ == 0 ||
          queued_items_ + weight <= options_.max_queued_items);
}

// The room check and the push happen under one lock, so that concurrent
// callers cannot together overshoot max_queued_items.
std::unique_ptr<WriteOp> Committer::TrySubmit(std::unique_ptr<WriteOp> op) {
  {
    MutexLock lock(&mu_);
    if (!stopping_) {
      if (!HasRoomLocked(op->weight())) return op;
      PushLocked(std::move(op));
      return nullptr;
    }
  }
  RefuseStopping(*op);
  return nullptr;
}

bool Committer::SubmitWhenRoom(std::unique_ptr<WriteOp> op,
                               std::function<void()> queued) {
  {
    MutexLock lock(&mu_);
    if (!stopping_) {
      if (!HasRoomLocked(op->weight())) {
        held_back_.push_back({std::move(op), std::move(queued)});
        return false;
      }
      PushLocked(std::move(op));
      return true;
    }
  }
  RefuseStopping(*op);
  return true;
}

std::vector<std::function<void()>> Committer::QueueHeldBackLocked() {
  std::vector<std::function<void()>> queued;
  while (!held_back_.empty()) {
    HeldBack& next = held_back_.front();
    int weight = next.op->weight();
    if (!stopping_ && queued_items_ > 0 &&
        queued_items_ + weight > options_.max_queued_items) {
      break;
    }
    queued_items_ += weight;
    queue_.push_back(std::move(next.op));
    queued.push_back(std::move(next.queued));
    held_back_.pop_front();
  }
  return queued;
}

void Committer::Shutdown() {
  // What was held back was accepted: the committer thread queues it and
  // commits it with the rest, calling its `queued` callbacks before it
  // commits, as always (calling them here could race with that commit).
  MutexLock lock(&mu_);
  stopping_ = true;
}

storage::StoreHead Committer::head() const {
  MutexLock lock(&mu_);
  return head_;
}

void Committer::set_observer(CommitObserver observer) {
  MutexLock lock(&mu_);
  observer_ = std::move(observer);
}

void Committer::Run() {
  while (true) {
    std::vector<std::unique_ptr<WriteOp>> group;
    std::vector<std::function<void()>> queued;
    {
      MutexLock lock(&mu_);
      mu_.Await([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      });
      // When stopping, this queues everything held back.
      queued = QueueHeldBackLocked();
      if (queue_.empty()) return;  // stopping and drained
      int items = 0;
      while (!queue_.empty()) {
        WriteOp* next = queue_.front().get();
        bool alone = next->exclusive();
        if (!group.empty() &&
            (alone || group.back()->exclusive() ||
             items + next->weight() > options_.max_group_items)) {
          break;
        }
        items += next->weight();
        queued_items_ -= next->weight();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
        if (alone) break;
      }
      for (auto& callback : QueueHeldBackLocked()) {
        queued.push_back(std::move(callback));
      }
    }
    for (auto& callback : queued) {
      if (callback) callback();
    }
    std::unique_ptr<CommitContext> context = CommitGroup(group);
    // With kMaxGroupsToRelease groups waiting to be freed already, this one
    // is freed here, so that what answered groups hold stays bounded.
    if (groups_to_release_.load() >= kMaxGroupsToRelease) continue;
    ++groups_to_release_;
    // std::function needs a copyable callable: the lambda shares ownership.
    auto done =
        std::make_shared<std::pair<std::vector<std::unique_ptr<WriteOp>>,
                                   std::unique_ptr<CommitContext>>>(
            std::move(group), std::move(context));
    releases_.Run([this, done] {
      done->second.reset();
      done->first.clear();
      --groups_to_release_;
    });
  }
}

void Committer::ApplyGroup(std::vector<std::unique_ptr<WriteOp>>& group,
                           CommitContext& ctx,
                           std::vector<absl::Status>& statuses) {
  for (size_t i = 0; i < group.size(); ++i) {
    WriteOp& op = *group[i];
    ctx.SetSavePoint();
    absl::Status status;
    const std::string& request_id = op.request_id();
    if (!request_id.empty() && !op.validate_only()) {
      auto earlier = ctx.requests().Get(request_id);
      if (!earlier.ok()) {
        status = earlier.status();
      } else if (*earlier != nullptr) {
        const storage::RequestRecord& record = **earlier;
        if (record.fingerprint() != op.fingerprint() ||
            record.method() != op.method()) {
          status =
              WithReason(absl::AlreadyExistsError(absl::StrCat(
                             "request_id: \"", request_id,
                             "\" was already used for a different request")),
                         reason::kRequestIdReused);
        } else {
          status = op.Replay(record, ctx);
        }
        ctx.RollbackToSavePoint();
        statuses[i] = status;
        continue;
      }
    }
    status = op.Apply(ctx);
    if (!status.ok() || op.validate_only()) {
      ctx.RollbackToSavePoint();
    } else {
      if (!request_id.empty()) {
        storage::RequestRecord record;
        record.set_fingerprint(op.fingerprint());
        record.set_method(op.method());
        record.set_commit(ctx.commit());
        record.set_time_micros(ctx.time_micros());
        op.RecordItems(&record);
        ctx.requests().Put(request_id, std::move(record));
      }
      ctx.ReleaseSavePoint();
    }
    statuses[i] = status;
  }
}

namespace {

// Logs the failed write of `commit` and turns every OK status of the group
// into the failure its caller gets. REQUIRES: `written` is not OK.
void FailGroup(const absl::Status& written, uint64_t commit,
               std::vector<absl::Status>& statuses) {
  server::Log(server::LogLevel::kError, "commit failed",
              {{"error", written.ToString()}, {"commit", commit}});
  // The sink's message says whether the commit may have been written
  // (replicated mode, an append without an answer).
  // A full disk keeps its code: retrying soon will not help.
  std::string message = absl::StrCat("the commit failed: ", written.message());
  absl::Status failure = WithReason(absl::IsResourceExhausted(written)
                                        ? absl::ResourceExhaustedError(message)
                                        : absl::UnavailableError(message),
                                    reason::kCommitFailed);
  for (absl::Status& s : statuses) {
    if (s.ok()) s = failure;
  }
}

// Sets in `stats` what writing `batch`, built by `ctx` on `before`, did; its
// commit is 0 unless `written`.
void RecordWriteStats(CommitContext& ctx, const storage::StoreHead& before,
                      const storage::CommitBatch& batch, bool written,
                      CommitStats* stats) {
  stats->commit = written ? ctx.commit() : 0;
  stats->batch_operations = batch.operation_count();
  stats->batch_bytes = batch.byte_size();
  stats->facts_added =
      std::max<int64_t>(0, ctx.head().fact_count() - before.fact_count());
  stats->mentions_added =
      std::max<int64_t>(0, ctx.head().mention_count() - before.mention_count());
}

}  // namespace

storage::StoreHead Committer::HeadForGroup(CommitObserver* observer,
                                           CommitStats* stats) {
  std::optional<storage::StoreHead> foreign = sink_->ForeignHead();
  MutexLock lock(&mu_);
  if (foreign.has_value()) head_ = *std::move(foreign);
  *observer = observer_;
  stats->queued_items = queued_items_;
  stats->held_back = static_cast<int>(held_back_.size());
  return head_;
}

absl::Status Committer::CatchUpAfterConflict(int attempt,
                                             storage::StoreHead* head) {
  absl::SleepFor(absl::Microseconds(
      absl::Uniform(bitgen_, 0, 1000 * std::min(attempt, 20))));
  absl::StatusOr<storage::StoreHead> caught_up = sink_->CatchUp();
  if (!caught_up.ok()) return caught_up.status();
  *head = *std::move(caught_up);
  MutexLock lock(&mu_);
  head_ = *head;
  return absl::OkStatus();
}

std::string Committer::PublishCommit(const storage::StoreHead& head) {
  if (progress_ != nullptr) progress_->Publish(head.last_commit());
  MutexLock lock(&mu_);
  head_ = head;
  return storage::EncodeCommitToken(store_->store_id(), head_.last_commit());
}

std::unique_ptr<CommitContext> Committer::CommitGroup(
    std::vector<std::unique_ptr<WriteOp>>& group) {
  absl::Time start = absl::Now();
  CommitObserver observer;
  CommitStats stats;
  storage::StoreHead head = HeadForGroup(&observer, &stats);
  int items = 0;
  bool erasure = false;
  for (const auto& op : group) {
    items += op->weight();
    erasure = erasure || op->erases();
  }
  std::vector<absl::Status> statuses(group.size());
  std::string token;
  // In replicated mode another writer may have moved the log since `head`:
  // the group is then built again on the new head, for up to
  // kConflictTimeout, after a random pause that grows with each conflict
  // (two writers that keep colliding would otherwise collide again).
  constexpr absl::Duration kConflictTimeout = absl::Seconds(10);
  absl::Time give_up = absl::InfiniteFuture();
  std::unique_ptr<CommitContext> context;
  for (int attempt = 1;; ++attempt) {
    context = std::make_unique<CommitContext>(*store_, head,
                                              absl::ToUnixMicros(absl::Now()));
    CommitContext& ctx = *context;
    ApplyGroup(group, ctx, statuses);
    if (!ctx.HasWrites()) {
      token =
          storage::EncodeCommitToken(store_->store_id(), head.last_commit());
      // Freed now: it may hold a scan that pins the store's files.
      context.reset();
      break;
    }
    storage::CommitBatch batch(*store_, ctx.commit());
    absl::Status written = ctx.Finalize(&batch);
    if (written.ok()) written = sink_->Write(batch, ctx.commit(), erasure);
    if (absl::IsAborted(written) && absl::Now() < give_up) {
      ++stats.conflicts;
      if (give_up == absl::InfiniteFuture())
        give_up = absl::Now() + kConflictTimeout;
      written = CatchUpAfterConflict(attempt, &head);
      if (written.ok()) continue;
    }
    if (written.ok()) {
      token = PublishCommit(ctx.head());
    } else {
      FailGroup(written, ctx.commit(), statuses);
    }
    RecordWriteStats(ctx, head, batch, written.ok(), &stats);
    break;
  }
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->Done(statuses[i], token);
  }
  stats.operations = static_cast<int>(group.size());
  stats.items = items;
  stats.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (observer && stats.commit != 0) observer(stats);
  return context;
}

}  // namespace factstore::ingest
