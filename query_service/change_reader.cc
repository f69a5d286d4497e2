#include "query_service/change_reader.h"

#include <utility>

#include "absl/strings/match.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "query_service/mention_documents.h"
#include "storage/commit_token.h"
#include "storage/record_views.h"

namespace factstore::query {
namespace {

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
    case storage::CHANGE_KIND_ENTITY_UPSERTED:
      return v1::CHANGE_KIND_ENTITY_UPSERTED;
    case storage::CHANGE_KIND_PREDICATE_REGISTERED:
      return v1::CHANGE_KIND_PREDICATE_REGISTERED;
    case storage::CHANGE_KIND_FACT_MOVED:
      return v1::CHANGE_KIND_MOVED;
    case storage::CHANGE_KIND_ENTITY_MERGED:
      return v1::CHANGE_KIND_ENTITY_MERGED;
    default:
      return v1::CHANGE_KIND_UNSPECIFIED;
  }
}

constexpr uint32_t Bit(v1::ChangeKind kind) { return 1u << kind; }

// What a watch that names no kinds delivers: the changes to facts and the
// erasures, as the feed did before it carried entity upserts, merges and
// predicate registrations.
constexpr uint32_t kDefaultKinds =
    Bit(v1::CHANGE_KIND_ASSERTED) | Bit(v1::CHANGE_KIND_MENTION_ADDED) |
    Bit(v1::CHANGE_KIND_UPDATED) | Bit(v1::CHANGE_KIND_RETRACTED) |
    Bit(v1::CHANGE_KIND_ERASED) | Bit(v1::CHANGE_KIND_MOVED);

}  // namespace

ChangeReader::ChangeReader(const storage::Store* store, std::string subject,
                           std::string predicate_prefix,
                           const std::vector<v1::ChangeKind>& kinds)
    : store_(store),
      subject_(std::move(subject)),
      predicate_prefix_(std::move(predicate_prefix)) {
  for (v1::ChangeKind kind : kinds) kinds_ |= Bit(kind);
  if (kinds_ == 0) kinds_ = kDefaultKinds;
}

absl::Status ChangeReader::Seek(const std::string& after, uint64_t latest) {
  partial_.reset();
  if (after.empty()) {
    next_commit_ = latest + 1;
    next_offset_ = 0;
    return absl::OkStatus();
  }
  auto position =
      storage::DecodeResumeToken(after, store_->store_id(), "after");
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

std::string ChangeReader::ResumeToken() const {
  storage::CommitPosition position;
  if (next_offset_ == 0) {
    position.commit = next_commit_ - 1;
  } else {
    position.commit = next_commit_;
    position.offset = next_offset_;
  }
  return storage::EncodeResumeToken(store_->store_id(), position);
}

bool ChangeReader::Matches(const storage::Change& change) const {
  const v1::ChangeKind kind = ToPublicKind(change.kind());
  if (kind == v1::CHANGE_KIND_UNSPECIFIED || (kinds_ & Bit(kind)) == 0) {
    return false;
  }
  switch (change.kind()) {
    case storage::CHANGE_KIND_FACT_ASSERTED:
    case storage::CHANGE_KIND_MENTION_ADDED:
    case storage::CHANGE_KIND_FACT_UPDATED:
    case storage::CHANGE_KIND_FACT_RETRACTED:
    case storage::CHANGE_KIND_FACT_MOVED:
      return (subject_.empty() || change.subject() == subject_) &&
             absl::StartsWith(change.predicate(), predicate_prefix_);
    case storage::CHANGE_KIND_ENTITY_ERASED:
    case storage::CHANGE_KIND_ENTITY_UPSERTED:
      // An erasure may remove facts of any predicate, and an entity has
      // none, so predicate filters let them through.
      return subject_.empty() || change.entity_id() == subject_;
    case storage::CHANGE_KIND_ENTITY_MERGED:
      return subject_.empty() || change.entity_id() == subject_ ||
             change.target_id() == subject_;
    case storage::CHANGE_KIND_PREDICATE_REGISTERED:
      // A predicate is about no entity.
      return subject_.empty() &&
             absl::StartsWith(change.predicate(), predicate_prefix_);
    default:
      return false;
  }
}

absl::StatusOr<std::optional<v1::ChangeEvent>> ChangeReader::EventOf(
    const storage::CommitRecord& record, const storage::Change& change,
    MentionDocuments& documents) const {
  v1::ChangeEvent event;
  event.set_kind(ToPublicKind(change.kind()));
  event.set_commit_token(
      storage::EncodeCommitToken(store_->store_id(), record.commit()));
  *event.mutable_commit_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          record.time_micros());
  // What the change changed may have been erased after this commit (an
  // entity, or every fact about it): it is gone, and its change is not
  // replayed. Erasure also scrubs such changes from the log.
  switch (change.kind()) {
    case storage::CHANGE_KIND_ENTITY_ERASED:
      event.set_erased_entity_id(change.entity_id());
      return event;
    case storage::CHANGE_KIND_ENTITY_UPSERTED: {
      auto entity = store_->ReadEntity(change.entity_id());
      if (absl::IsNotFound(entity.status())) return std::nullopt;
      if (!entity.ok()) return entity.status();
      if (!storage::EntityAsOf(*std::move(entity), record.commit(),
                               store_->store_id(), event.mutable_entity())) {
        return std::nullopt;
      }
      return event;
    }
    case storage::CHANGE_KIND_ENTITY_MERGED: {
      event.set_merged_entity_id(change.entity_id());
      auto entity = store_->ReadEntity(change.target_id());
      if (absl::IsNotFound(entity.status())) return std::nullopt;
      if (!entity.ok()) return entity.status();
      if (!storage::EntityAsOf(*std::move(entity), record.commit(),
                               store_->store_id(), event.mutable_entity())) {
        return std::nullopt;
      }
      return event;
    }
    case storage::CHANGE_KIND_FACT_MOVED: {
      // The fact as it was just before the merge moved it.
      auto fact = store_->ReadFact(change.fact_id());
      if (absl::IsNotFound(fact.status())) return std::nullopt;
      if (!fact.ok()) return fact.status();
      if (!storage::FactAsOf(*fact, record.commit() - 1, store_->store_id(),
                             event.mutable_fact())) {
        return std::nullopt;
      }
      MentionDocuments before(store_, record.commit() - 1);
      FS_RETURN_IF_ERROR(before.Fill(event.mutable_fact()));
      event.set_moved_to_fact_id(change.target_id());
      return event;
    }
    case storage::CHANGE_KIND_PREDICATE_REGISTERED: {
      auto predicate = store_->ReadPredicate(change.predicate());
      if (absl::IsNotFound(predicate.status())) return std::nullopt;
      if (!predicate.ok()) return predicate.status();
      if (!storage::PredicateAsOf(*predicate, record.commit(),
                                  store_->store_id(),
                                  event.mutable_predicate())) {
        return std::nullopt;
      }
      return event;
    }
    default: {
      auto fact = store_->ReadFact(change.fact_id());
      if (absl::IsNotFound(fact.status())) return std::nullopt;
      if (!fact.ok()) return fact.status();
      if (!storage::FactAsOf(*fact, record.commit(), store_->store_id(),
                             event.mutable_fact())) {
        return std::nullopt;
      }
      FS_RETURN_IF_ERROR(documents.Fill(event.mutable_fact()));
      return event;
    }
  }
}

absl::StatusOr<bool> ChangeReader::Deliver(const storage::CommitRecord& record,
                                           v1::WatchFactsResponse* response) {
  const uint32_t size = static_cast<uint32_t>(record.changes_size());
  // The commit's facts name few documents: each is read once.
  MentionDocuments documents(store_, record.commit());
  while (next_offset_ < size &&
         response->events_size() < kMaxEventsPerResponse) {
    const storage::Change& change = record.changes(next_offset_);
    if (Matches(change)) {
      FS_ASSIGN_OR_RETURN(std::optional<v1::ChangeEvent> event,
                          EventOf(record, change, documents));
      if (event.has_value()) *response->add_events() = *std::move(event);
    }
    ++next_offset_;
  }
  if (next_offset_ < size) return false;
  ++next_commit_;
  next_offset_ = 0;
  return true;
}

absl::StatusOr<bool> ChangeReader::Read(uint64_t visible, int max_commits,
                                        v1::WatchFactsResponse* response) {
  if (next_commit_ > visible) return false;
  // The rest of the commit a full response left off in.
  if (partial_.has_value() && partial_->commit() == next_commit_) {
    FS_ASSIGN_OR_RETURN(bool done, Deliver(*partial_, response));
    if (!done) return true;
  }
  partial_.reset();
  int commits = 0;
  bool stopped = false;
  absl::Status delivered;
  absl::Status scanned = store_->ScanCommits(
      next_commit_, visible,
      [this, response, max_commits, &commits, &stopped,
       &delivered](const storage::CommitRecord& record) {
        if (record.commit() != next_commit_) {
          // The commits in between recorded nothing.
          next_commit_ = record.commit();
          next_offset_ = 0;
        }
        absl::StatusOr<bool> done = Deliver(record, response);
        if (!done.ok() || !*done) {
          // A read error, or a full response: the rest of the commit is
          // read again from next_offset_.
          delivered = done.status();
          partial_ = record;
          stopped = true;
          return false;
        }
        stopped = ++commits >= max_commits ||
                  response->events_size() >= kMaxEventsPerResponse;
        return !stopped;
      });
  if (!scanned.ok()) return scanned;
  if (!delivered.ok()) return delivered;
  // next_commit_ is now past the last record read, not necessarily past
  // `visible`: every commit records itself in the batch that makes it the
  // head, yet a RocksDB secondary catching up while the primary flushes can
  // show the head before the commit log family has the record. Such a commit
  // is read on a later read, never skipped.
  return stopped;
}

}  // namespace factstore::query
