#include "ingest_service/entity_ops.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/limits.h"
#include "common/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "ingest_service/request_validator.h"
#include "normalizer/name_folding.h"
#include "storage/commit_token.h"
#include "storage/key_codec.h"
#include "storage/record_views.h"

namespace factstore::ingest {
namespace {

// Adds `text`, a name or alias of the entity (`language` empty) or of its
// label in `language`, to the revision's searchable forms: one form per
// folded text, which records every language it was given in.
void AddNameForm(const std::string& text, const std::string& language,
                 storage::EntityRevision* revision) {
  normalizer::NameFormParts parts = normalizer::FoldNameWithWords(text);
  if (parts.folded.empty()) return;
  storage::NameForm* form = nullptr;
  for (storage::NameForm& existing : *revision->mutable_name_forms()) {
    if (existing.folded() == parts.folded) form = &existing;
  }
  if (form == nullptr) {
    form = revision->add_name_forms();
    form->set_text(text);
    form->set_folded(parts.folded);
    for (std::string& suffix : parts.word_suffixes) {
      form->add_word_suffixes(std::move(suffix));
    }
  }
  if (!language.empty() &&
      std::find(form->languages().begin(), form->languages().end(), language) ==
          form->languages().end()) {
    form->add_languages(language);
  }
}

v1::ItemError Error(absl::StatusCode code, const std::string& field,
                    const std::string& description) {
  Violations violations;
  violations.Add(field, description);
  return violations.ToItemError(code);
}

}  // namespace

storage::EntityRevision MakeEntityRevision(const v1::Entity& entity,
                                           uint64_t commit) {
  storage::EntityRevision revision;
  revision.set_commit(commit);
  v1::Entity* stored = revision.mutable_entity();
  *stored = entity;
  // Output only: what a client read and sends back is not stored.
  stored->clear_created_commit();
  stored->clear_updated_commit();
  stored->clear_preferred_label();
  for (auto& [language, label] : *stored->mutable_labels()) {
    label.clear_language();
  }
  AddNameForm(entity.name(), "", &revision);
  for (const std::string& alias : entity.aliases()) {
    AddNameForm(alias, "", &revision);
  }
  // Labels in language order, so that equal entities get equal forms.
  std::map<std::string, const v1::EntityLabel*> labels;
  for (const auto& [language, label] : entity.labels()) {
    labels[language] = &label;
  }
  for (const auto& [language, label] : labels) {
    AddNameForm(label->name(), language, &revision);
    for (const std::string& alias : label->aliases()) {
      AddNameForm(alias, language, &revision);
    }
  }
  return revision;
}

UpsertEntitiesOp::UpsertEntitiesOp(const v1::UpsertEntitiesRequest& request,
                                   Callback callback)
    : all_or_nothing_(request.all_or_nothing()),
      callback_(std::move(callback)) {
  set_validate_only(request.validate_only());
  for (int i = 0; i < request.entities_size(); ++i) {
    const v1::Entity& entity = request.entities(i);
    Violations violations;
    ValidateEntity(entity, absl::StrCat("entities[", i, "]"), &violations);
    if (!violations.empty()) {
      errors_.push_back(violations.ToItemError());
      revisions_.emplace_back();
      continue;
    }
    errors_.push_back(std::nullopt);
    revisions_.push_back(MakeEntityRevision(entity, 0));
  }
}

absl::Status UpsertEntitiesOp::Apply(CommitContext& ctx) {
  response_.Clear();
  int rejected = 0;
  Violations all;
  absl::flat_hash_map<std::string, int> seen;
  for (size_t i = 0; i < revisions_.size(); ++i) {
    v1::EntityResult* result = response_.add_results();
    std::optional<v1::ItemError> error = errors_[i];
    storage::EntityRevision& revision = revisions_[i];
    const std::string& id = revision.entity().id();
    if (!error.has_value()) {
      auto [it, inserted] = seen.emplace(id, static_cast<int>(i));
      if (!inserted) {
        error = Error(
            absl::StatusCode::kInvalidArgument,
            absl::StrCat("entities[", i, "].id"),
            absl::StrCat("repeats entities[", it->second, "].id \"", id, "\""));
      }
    }
    if (error.has_value()) {
      result->set_outcome(v1::OUTCOME_REJECTED);
      for (const v1::FieldViolation& v : error->violations()) {
        all.Add(v.field(), v.description());
      }
      *result->mutable_error() = *std::move(error);
      ++rejected;
      continue;
    }
    revision.set_commit(ctx.commit());
    auto existing = ctx.entities().Get(id);
    if (!existing.ok()) return existing.status();
    storage::EntityRecord record;
    v1::Outcome outcome;
    if (*existing == nullptr) {
      *record.add_revisions() = revision;
      ctx.head().set_entity_count(ctx.head().entity_count() + 1);
      outcome = v1::OUTCOME_CREATED;
    } else {
      record = **existing;
      if (google::protobuf::util::MessageDifferencer::Equals(
              record.revisions().rbegin()->entity(), revision.entity())) {
        outcome = v1::OUTCOME_UNCHANGED;
      } else {
        *record.add_revisions() = revision;
        outcome = v1::OUTCOME_UPDATED;
      }
    }
    if (outcome != v1::OUTCOME_UNCHANGED) {
      storage::Change change;
      change.set_kind(storage::CHANGE_KIND_ENTITY_UPSERTED);
      change.set_entity_id(id);
      ctx.AddChange(std::move(change));
      ctx.entities().Put(id, record);
    }
    result->set_outcome(validate_only() ? v1::OUTCOME_VALID : outcome);
    storage::EntityAsOf(record, ctx.commit(), ctx.store_id(),
                        result->mutable_entity());
  }
  if (all_or_nothing_ && rejected > 0) {
    return all.ToStatus(absl::StrCat(
        rejected, " of ", revisions_.size(),
        " entities rejected and all_or_nothing is set, so nothing was "
        "written: "));
  }
  return absl::OkStatus();
}

absl::Status UpsertEntitiesOp::Replay(const storage::RequestRecord& record,
                                      CommitContext& ctx) {
  response_.Clear();
  for (const storage::RequestItem& item : record.items()) {
    v1::EntityResult* result = response_.add_results();
    result->set_outcome(static_cast<v1::Outcome>(item.outcome()));
    if (item.has_error()) *result->mutable_error() = item.error();
    if (item.outcome() == v1::OUTCOME_REJECTED) continue;
    auto stored = ctx.entities().Get(item.id());
    if (stored.ok() && *stored != nullptr) {
      storage::EntityAsOf(**stored, record.commit(), ctx.store_id(),
                          result->mutable_entity());
    } else {
      result->mutable_entity()->set_id(item.id());
    }
  }
  return absl::OkStatus();
}

void UpsertEntitiesOp::RecordItems(storage::RequestRecord* record) const {
  for (const v1::EntityResult& result : response_.results()) {
    storage::RequestItem* item = record->add_items();
    item->set_outcome(result.outcome());
    item->set_id(result.entity().id());
    if (result.has_error()) *item->mutable_error() = result.error();
  }
}

void UpsertEntitiesOp::Done(const absl::Status& status,
                            const std::string& commit_token) {
  response_.set_commit_token(commit_token);
  callback_(status, std::move(response_));
}

EraseEntityOp::EraseEntityOp(v1::EraseEntityRequest request, Callback callback)
    : request_(std::move(request)), callback_(std::move(callback)) {}

namespace {

// Adds to `doomed` the facts about entity `id` (its subject), stopping once
// it holds more than kMaxFactsPerErasure; returns the error of the scan.
absl::Status CollectFactsAbout(CommitContext& ctx, const std::string& id,
                               std::set<std::string>* doomed) {
  auto scan = ctx.store().ScanPrefix(storage::ColumnFamily::kSubjectIndex,
                                     storage::SubjectPrefix(id));
  for (; scan->Valid(); scan->Next()) {
    storage::SubjectIndexParts parts;
    if (!storage::DecodeSubjectIndexKey(scan->key(), &parts)) {
      return absl::DataLossError("malformed subject index key");
    }
    doomed->insert(std::move(parts.fact_id));
    if (doomed->size() > static_cast<size_t>(kMaxFactsPerErasure)) break;
  }
  return scan->status();
}

// Adds the facts referring to entity `id` to `doomed` (as value or qualifier)
// or `trimmed` (in a mention), stopping once the two hold more than
// kMaxFactsPerErasure together; returns the error of the scan.
absl::Status CollectFactsReferringTo(CommitContext& ctx, const std::string& id,
                                     std::set<std::string>* doomed,
                                     std::set<std::string>* trimmed) {
  auto scan = ctx.store().ScanPrefix(storage::ColumnFamily::kReferenceIndex,
                                     storage::ReferenceEntityPrefix(id));
  for (; scan->Valid(); scan->Next()) {
    storage::ReferenceIndexParts parts;
    if (!storage::DecodeReferenceIndexKey(scan->key(), &parts)) {
      return absl::DataLossError("malformed reference index key");
    }
    if (parts.role == storage::ReferenceRole::kObject ||
        parts.role == storage::ReferenceRole::kQualifier) {
      doomed->insert(std::move(parts.fact_id));
    } else {
      trimmed->insert(std::move(parts.fact_id));
    }
    if (doomed->size() + trimmed->size() >
        static_cast<size_t>(kMaxFactsPerErasure)) {
      break;
    }
  }
  return scan->status();
}

// Returns the FAILED_PRECONDITION error for erasing entity `id`, which more
// than kMaxFactsPerErasure facts refer to.
absl::Status ErasureTooLargeError(const std::string& id) {
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "entity_id: \"", id, "\" is referenced by more than ",
          kMaxFactsPerErasure, " facts, more than one erasure may touch")),
      reason::kErasureTooLarge);
}

// Returns the NOT_FOUND error for erasing entity `id`, which neither exists
// nor is referred to (saying whether it was erased), or the error of reading
// its tombstone.
absl::Status NothingToEraseError(CommitContext& ctx, const std::string& id) {
  auto tombstone = ctx.tombstones().Get(id);
  if (!tombstone.ok()) return tombstone.status();
  if (*tombstone != nullptr) {
    return WithReason(absl::NotFoundError(absl::StrCat("entity_id: entity \"",
                                                       id, "\" was erased")),
                      reason::kEntityErased);
  }
  return WithReason(absl::NotFoundError(absl::StrCat("entity_id: entity \"", id,
                                                     "\" does not exist")),
                    reason::kEntityNotFound);
}

// Moves from `trimmed` to `doomed` the facts whose every mention is from or
// by entity `id`, and drops from `trimmed` those already in `doomed`;
// returns the error of reading a fact.
absl::Status DoomFactsLeftWithoutSource(CommitContext& ctx,
                                        const std::string& id,
                                        std::set<std::string>* doomed,
                                        std::set<std::string>* trimmed) {
  for (auto it = trimmed->begin(); it != trimmed->end();) {
    if (doomed->count(*it) > 0) {
      it = trimmed->erase(it);
      continue;
    }
    auto fact = ctx.facts().Get(*it);
    if (!fact.ok()) return fact.status();
    bool keeps_a_source = false;
    if (*fact != nullptr) {
      for (const auto& stored : (**fact).mentions()) {
        const v1::Mention& m = stored.mention();
        if (m.document_id() != id && m.attributed_to() != id) {
          keeps_a_source = true;
          break;
        }
      }
    }
    if (*fact != nullptr && !keeps_a_source) {
      doomed->insert(*it);
      it = trimmed->erase(it);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

// Deletes the facts `doomed` (those that exist) and their counts in the head,
// adding to `commits` the commits that wrote them; returns a read error.
absl::Status DeleteFacts(CommitContext& ctx,
                         const std::set<std::string>& doomed,
                         std::set<uint64_t>* commits) {
  storage::StoreHead& head = ctx.head();
  for (const std::string& fact_id : doomed) {
    auto fact = ctx.facts().Get(fact_id);
    if (!fact.ok()) return fact.status();
    if (*fact == nullptr) continue;
    const storage::FactRecord& record = **fact;
    for (const auto& revision : record.revisions()) {
      commits->insert(revision.commit());
    }
    for (const auto& mention : record.mentions()) {
      commits->insert(mention.commit());
    }
    head.set_fact_count(head.fact_count() - 1);
    head.set_mention_count(head.mention_count() - record.mentions_size());
    if (record.revisions().rbegin()->retracted()) {
      head.set_retracted_fact_count(head.retracted_fact_count() - 1);
    }
    ctx.facts().Delete(fact_id);
  }
  return absl::OkStatus();
}

// Removes from the facts `trimmed` their mentions from or by entity `id`, and
// their count from the head; returns how many it removed, or a read error.
absl::StatusOr<int> TrimMentions(CommitContext& ctx, const std::string& id,
                                 const std::set<std::string>& trimmed) {
  storage::StoreHead& head = ctx.head();
  int erased_mentions = 0;
  for (const std::string& fact_id : trimmed) {
    auto fact = ctx.facts().Get(fact_id);
    if (!fact.ok()) return fact.status();
    if (*fact == nullptr) continue;
    storage::FactRecord record = **fact;
    auto* mentions = record.mutable_mentions();
    int before = mentions->size();
    for (int i = mentions->size() - 1; i >= 0; --i) {
      const v1::Mention& m = mentions->Get(i).mention();
      if (m.document_id() == id || m.attributed_to() == id) {
        mentions->DeleteSubrange(i, 1);
      }
    }
    int removed = before - mentions->size();
    erased_mentions += removed;
    head.set_mention_count(head.mention_count() - removed);
    ctx.facts().Put(fact_id, std::move(record));
  }
  return erased_mentions;
}

// Clears, in the commit-log records of `commits`, the changes of the facts
// `doomed` and of entity `id`; returns the error of reading a record.
absl::Status ScrubCommitLog(CommitContext& ctx, const std::string& id,
                            const std::set<std::string>& doomed,
                            const std::set<uint64_t>& commits) {
  for (uint64_t commit : commits) {
    std::string key = storage::CommitKey(commit);
    auto log = ctx.commit_log().Get(key);
    if (!log.ok()) return log.status();
    if (*log == nullptr) continue;
    storage::CommitRecord scrubbed = **log;
    // Scrubbed changes stay as empty entries, so that the positions of the
    // others (which watch resume tokens count in) do not move.
    for (storage::Change& c : *scrubbed.mutable_changes()) {
      if (doomed.count(c.fact_id()) > 0 || c.entity_id() == id) c.Clear();
    }
    ctx.commit_log().Put(key, std::move(scrubbed));
  }
  return absl::OkStatus();
}

// Adds this commit's erasure, for `reason`, to entity `id`'s tombstone record
// and counts it in the head; returns the error of reading the record.
absl::Status AddTombstone(CommitContext& ctx, const std::string& id,
                          const std::string& reason) {
  auto tombstone = ctx.tombstones().Get(id);
  if (!tombstone.ok()) return tombstone.status();
  storage::TombstoneRecord record =
      *tombstone != nullptr ? **tombstone : storage::TombstoneRecord();
  storage::TombstoneEntry* entry = record.add_erasures();
  entry->set_commit(ctx.commit());
  entry->set_time_micros(ctx.time_micros());
  entry->set_reason(reason);
  ctx.tombstones().Put(id, std::move(record));
  ctx.head().set_tombstone_count(ctx.head().tombstone_count() + 1);
  return absl::OkStatus();
}

}  // namespace

absl::Status EraseEntityOp::Apply(CommitContext& ctx) {
  response_.Clear();
  const std::string& id = request_.entity_id();
  auto entity = ctx.entities().Get(id);
  if (!entity.ok()) return entity.status();

  // Facts to delete: about the entity, or with it as value or qualifier.
  // Facts to trim: with a mention from it (document) or by it (speaker).
  std::set<std::string> doomed;
  std::set<std::string> trimmed;
  FS_RETURN_IF_ERROR(CollectFactsAbout(ctx, id, &doomed));
  FS_RETURN_IF_ERROR(CollectFactsReferringTo(ctx, id, &doomed, &trimmed));
  if (doomed.size() + trimmed.size() >
      static_cast<size_t>(kMaxFactsPerErasure)) {
    return ErasureTooLargeError(id);
  }
  if (*entity == nullptr && doomed.empty() && trimmed.empty()) {
    return NothingToEraseError(ctx, id);
  }
  // A fact whose every mention comes from the entity (as document) or from
  // what it said (as speaker) would be left without any source: it is
  // erased with them.
  FS_RETURN_IF_ERROR(DoomFactsLeftWithoutSource(ctx, id, &doomed, &trimmed));

  // Commits whose log records name what is erased, to scrub afterwards.
  std::set<uint64_t> commits_to_scrub;
  FS_RETURN_IF_ERROR(DeleteFacts(ctx, doomed, &commits_to_scrub));
  FS_ASSIGN_OR_RETURN(int erased_mentions, TrimMentions(ctx, id, trimmed));
  if (*entity != nullptr) {
    for (const auto& revision : (*entity)->revisions()) {
      commits_to_scrub.insert(revision.commit());
    }
    ctx.entities().Delete(id);
    ctx.head().set_entity_count(ctx.head().entity_count() - 1);
  }
  FS_RETURN_IF_ERROR(ScrubCommitLog(ctx, id, doomed, commits_to_scrub));
  FS_RETURN_IF_ERROR(AddTombstone(ctx, id, request_.reason()));

  storage::Change change;
  change.set_kind(storage::CHANGE_KIND_ENTITY_ERASED);
  change.set_entity_id(id);
  ctx.AddChange(std::move(change));

  FillTombstone(ctx.commit(), ctx.time_micros(),
                storage::EncodeCommitToken(ctx.store_id(), ctx.commit()));
  response_.set_erased_fact_count(static_cast<int32_t>(doomed.size()));
  response_.set_erased_mention_count(erased_mentions);
  return absl::OkStatus();
}

absl::Status EraseEntityOp::Replay(const storage::RequestRecord& record,
                                   CommitContext& ctx) {
  response_.Clear();
  FillTombstone(record.commit(), record.time_micros(),
                storage::EncodeCommitToken(ctx.store_id(), record.commit()));
  response_.set_erased_fact_count(record.erased_fact_count());
  response_.set_erased_mention_count(record.erased_mention_count());
  return absl::OkStatus();
}

void EraseEntityOp::FillTombstone(uint64_t commit, int64_t time_micros,
                                  const std::string& commit_token) {
  v1::Tombstone* out = response_.mutable_tombstone();
  out->set_entity_id(request_.entity_id());
  out->set_reason(request_.reason());
  *out->mutable_erase_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(time_micros);
  out->set_erase_commit(commit_token);
}

void EraseEntityOp::RecordItems(storage::RequestRecord* record) const {
  record->set_erased_fact_count(response_.erased_fact_count());
  record->set_erased_mention_count(response_.erased_mention_count());
}

void EraseEntityOp::Done(const absl::Status& status,
                         const std::string& commit_token) {
  response_.set_commit_token(commit_token);
  callback_(status, std::move(response_));
}

}  // namespace factstore::ingest
