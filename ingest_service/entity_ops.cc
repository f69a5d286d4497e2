#include "ingest_service/entity_ops.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/limits.h"
#include "common/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "ingest_service/fact_identity.h"
#include "ingest_service/fact_ops.h"
#include "ingest_service/request_validator.h"
#include "normalizer/name_folding.h"
#include "storage/commit_token.h"
#include "storage/key_codec.h"
#include "storage/record_views.h"
#include "storage/source_weighing.h"

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
  stored->clear_redirected_from();
  stored->clear_merged_entity_ids();
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
    // A copy: a group applied again (replicated mode, after a conflict)
    // starts from the request, not from what this attempt added.
    storage::EntityRevision revision = revisions_[i];
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
    absl::StatusOr<const storage::EntityRecord*> existing = nullptr;
    if (!error.has_value()) {
      existing = ctx.entities().Get(id);
      if (!existing.ok()) return existing.status();
      if (*existing != nullptr &&
          !(*existing)->revisions().rbegin()->merged_into().empty()) {
        error =
            Error(absl::StatusCode::kFailedPrecondition,
                  absl::StrCat("entities[", i, "].id"),
                  absl::StrCat("entity \"", id, "\" was merged into \"",
                               (*existing)->revisions().rbegin()->merged_into(),
                               "\" and is a redirect; upsert that one"));
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
    storage::EntityRecord record;
    v1::Outcome outcome;
    if (*existing == nullptr) {
      *record.add_revisions() = revision;
      ctx.head().set_entity_count(ctx.head().entity_count() + 1);
      outcome = v1::OUTCOME_CREATED;
    } else {
      record = **existing;
      // What describes a document stays unless the upsert gives it: it is
      // usually set by the document's mentions.
      const v1::Entity& stored = record.revisions().rbegin()->entity();
      if (!revision.entity().has_document() && stored.has_document() &&
          revision.entity().type() == v1::ENTITY_TYPE_DOCUMENT) {
        *revision.mutable_entity()->mutable_document() = stored.document();
      }
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

// A set of entity ids: an entity and those merged with it.
using IdSet = std::set<std::string>;

// The entities erasing `id` erases: the entity it is, or is a redirect to
// (following merges), and every entity merged into that one, transitively.
// Merged entities are one entity, known by several ids: erasing any of them
// erases all, also the duplicate's names that the merge made aliases.
absl::StatusOr<IdSet> MergedGroupOf(CommitContext& ctx, const std::string& id) {
  std::string root = id;
  for (int hop = 0;; ++hop) {
    auto record = ctx.entities().Get(root);
    if (!record.ok()) return record.status();
    if (*record == nullptr) break;
    const std::string& into = (*record)->revisions().rbegin()->merged_into();
    if (into.empty()) break;
    if (hop == kMaxRedirectHops) {
      return absl::DataLossError(absl::StrCat("entity \"", id,
                                              "\" redirects through more than ",
                                              kMaxRedirectHops, " merges"));
    }
    root = into;
  }
  IdSet group = {root};
  std::vector<std::string> pending = {root};
  while (!pending.empty()) {
    std::string next = std::move(pending.back());
    pending.pop_back();
    auto record = ctx.entities().Get(next);
    if (!record.ok()) return record.status();
    if (*record == nullptr) continue;
    for (const storage::EntityRevision& revision : (*record)->revisions()) {
      for (const std::string& merged : revision.merged_from()) {
        if (group.insert(merged).second) pending.push_back(merged);
      }
    }
  }
  return group;
}

// Adds to `doomed` the facts about entity `id` (its subject), stopping once
// it holds more than `limit`; returns the error of the scan.
absl::Status CollectFactsAbout(CommitContext& ctx, const std::string& id,
                               size_t limit, std::set<std::string>* doomed) {
  auto scan = ctx.store().ScanPrefix(storage::ColumnFamily::kSubjectIndex,
                                     storage::SubjectPrefix(id));
  for (; scan->Valid(); scan->Next()) {
    storage::SubjectIndexParts parts;
    if (!storage::DecodeSubjectIndexKey(scan->key(), &parts)) {
      return absl::DataLossError("malformed subject index key");
    }
    doomed->insert(std::move(parts.fact_id));
    if (doomed->size() > limit) break;
  }
  return scan->status();
}

// Adds the facts referring to entity `id` to `named` (as value or qualifier)
// or `sourced` (in a mention), stopping once the two hold more than `limit`
// together; returns the error of the scan.
absl::Status CollectFactsReferringTo(CommitContext& ctx, const std::string& id,
                                     size_t limit, std::set<std::string>* named,
                                     std::set<std::string>* sourced) {
  auto scan = ctx.store().ScanPrefix(storage::ColumnFamily::kReferenceIndex,
                                     storage::ReferenceEntityPrefix(id));
  for (; scan->Valid(); scan->Next()) {
    storage::ReferenceIndexParts parts;
    if (!storage::DecodeReferenceIndexKey(scan->key(), &parts)) {
      return absl::DataLossError("malformed reference index key");
    }
    if (parts.role == storage::ReferenceRole::kObject ||
        parts.role == storage::ReferenceRole::kQualifier) {
      named->insert(std::move(parts.fact_id));
    } else {
      sourced->insert(std::move(parts.fact_id));
    }
    if (named->size() + sourced->size() > limit) break;
  }
  return scan->status();
}

// Collects into `named` the facts that name an entity of `ids` (as subject,
// value or qualifier) and into `sourced` the others with a mention from or
// by one; returns a scan error. Stops once the two hold more than `limit`
// together.
absl::Status CollectFactsOf(CommitContext& ctx, const IdSet& ids, size_t limit,
                            std::set<std::string>* named,
                            std::set<std::string>* sourced) {
  for (const std::string& id : ids) {
    FS_RETURN_IF_ERROR(CollectFactsAbout(ctx, id, limit, named));
    FS_RETURN_IF_ERROR(CollectFactsReferringTo(ctx, id, limit, named, sourced));
    if (named->size() + sourced->size() > limit) break;
  }
  for (const std::string& id : *named) sourced->erase(id);
  return absl::OkStatus();
}

// True if the mention names an entity of `ids` as document or speaker.
bool MentionFrom(const v1::Mention& m, const IdSet& ids) {
  return ids.count(m.document_id()) > 0 || ids.count(m.attributed_to()) > 0;
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

// Returns the NOT_FOUND error for entity `id`, given as `field`, which does
// not exist (saying whether it was erased), or the error of reading its
// tombstone.
absl::Status MissingEntityError(CommitContext& ctx, absl::string_view field,
                                const std::string& id) {
  auto tombstone = ctx.tombstones().Get(id);
  if (!tombstone.ok()) return tombstone.status();
  if (*tombstone != nullptr) {
    return WithReason(absl::NotFoundError(absl::StrCat(field, ": entity \"", id,
                                                       "\" was erased")),
                      reason::kEntityErased);
  }
  return WithReason(absl::NotFoundError(absl::StrCat(field, ": entity \"", id,
                                                     "\" does not exist")),
                    reason::kEntityNotFound);
}

// Moves from `trimmed` to `doomed` the facts whose every live mention is from
// or by an entity of `ids`, and drops from `trimmed` those already in
// `doomed`; returns the error of reading a fact.
absl::Status DoomFactsLeftWithoutSource(CommitContext& ctx, const IdSet& ids,
                                        std::set<std::string>* doomed,
                                        std::set<std::string>* trimmed) {
  for (auto it = trimmed->begin(); it != trimmed->end();) {
    if (doomed->count(*it) > 0) {
      it = trimmed->erase(it);
      continue;
    }
    auto fact = ctx.facts().Get(*it);
    if (!fact.ok()) return fact.status();
    // A fact a merge moved is history, kept as the redirect to its successor
    // (which is judged on its own mentions): only trimmed.
    bool keeps_a_source =
        *fact != nullptr && !(**fact).revisions().rbegin()->moved_to().empty();
    if (*fact != nullptr && !keeps_a_source) {
      for (const auto& stored : (**fact).mentions()) {
        if (stored.replaced_commit() == 0 &&
            !MentionFrom(stored.mention(), ids)) {
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

// The number of mentions of `record` no merge has replaced.
int LiveMentionCount(const storage::FactRecord& record) {
  int live = 0;
  for (const auto& mention : record.mentions()) {
    if (mention.replaced_commit() == 0) ++live;
  }
  return live;
}

// Deletes the facts `doomed` (those that exist) and their counts in the head,
// adding to `commits` the commits that wrote them; returns how many were
// live (not moved to another id by a merge), or a read error.
absl::StatusOr<int> DeleteFacts(CommitContext& ctx,
                                const std::set<std::string>& doomed,
                                std::set<uint64_t>* commits) {
  storage::StoreHead& head = ctx.head();
  int live = 0;
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
    // A fact a merge moved was counted out then.
    const storage::FactRevision& latest = *record.revisions().rbegin();
    if (latest.moved_to().empty()) {
      ++live;
      head.set_fact_count(head.fact_count() - 1);
      head.set_mention_count(head.mention_count() - LiveMentionCount(record));
      if (latest.retracted()) {
        head.set_retracted_fact_count(head.retracted_fact_count() - 1);
      }
    }
    ctx.facts().Delete(fact_id);
  }
  return live;
}

// Removes from the facts `trimmed` their mentions from or by an entity of
// `ids` (also those a merge replaced, and those of facts it moved), and the
// live ones' count from the head, and gives a live fact the modality its
// remaining sources give it; returns how many live mentions it removed, or a
// read error.
absl::StatusOr<int> TrimMentions(CommitContext& ctx, const IdSet& ids,
                                 const std::set<std::string>& trimmed) {
  storage::StoreHead& head = ctx.head();
  int erased_mentions = 0;
  for (const std::string& fact_id : trimmed) {
    auto fact = ctx.facts().Get(fact_id);
    if (!fact.ok()) return fact.status();
    if (*fact == nullptr) continue;
    storage::FactRecord record = **fact;
    // A fact a merge moved was counted out then, with its mentions.
    const bool live = record.revisions().rbegin()->moved_to().empty();
    auto* mentions = record.mutable_mentions();
    int removed = 0;
    for (int i = mentions->size() - 1; i >= 0; --i) {
      if (MentionFrom(mentions->Get(i).mention(), ids)) {
        if (live && mentions->Get(i).replaced_commit() == 0) ++removed;
        mentions->DeleteSubrange(i, 1);
      }
    }
    erased_mentions += removed;
    head.set_mention_count(head.mention_count() - removed);
    // The sources left decide the fact's modality from now on.
    const storage::FactRevision latest = *record.revisions().rbegin();
    if (live && removed > 0 &&
        SetFactAttributes(ctx.commit(),
                          DerivedModality(record, latest.modality()),
                          latest.rank(), &record)) {
      ctx.AddChange(
          FactChange(storage::CHANGE_KIND_FACT_UPDATED, record.content()));
    }
    ctx.facts().Put(fact_id, std::move(record));
  }
  return erased_mentions;
}

// Clears, in the commit-log records of `commits`, the changes of the facts
// `doomed` and of the entities `ids`; returns the error of reading a record.
absl::Status ScrubCommitLog(CommitContext& ctx, const IdSet& ids,
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
      if (doomed.count(c.fact_id()) > 0 || ids.count(c.entity_id()) > 0) {
        c.Clear();
      }
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
  FS_ASSIGN_OR_RETURN(IdSet ids, MergedGroupOf(ctx, id));

  // Facts to delete: about an entity of the group, or with one as value or
  // qualifier. Facts to trim: with a mention from one (document) or by one
  // (speaker).
  std::set<std::string> doomed;
  std::set<std::string> trimmed;
  FS_RETURN_IF_ERROR(
      CollectFactsOf(ctx, ids, kMaxFactsPerErasure, &doomed, &trimmed));
  if (doomed.size() + trimmed.size() >
      static_cast<size_t>(kMaxFactsPerErasure)) {
    return ErasureTooLargeError(id);
  }
  std::vector<std::pair<std::string, const storage::EntityRecord*>> entities;
  for (const std::string& member : ids) {
    auto entity = ctx.entities().Get(member);
    if (!entity.ok()) return entity.status();
    if (*entity != nullptr) entities.emplace_back(member, *entity);
  }
  if (entities.empty() && doomed.empty() && trimmed.empty()) {
    return MissingEntityError(ctx, "entity_id", id);
  }
  // A fact whose every mention comes from the entity (as document) or from
  // what it said (as speaker) would be left without any source: it is
  // erased with them.
  FS_RETURN_IF_ERROR(DoomFactsLeftWithoutSource(ctx, ids, &doomed, &trimmed));

  // Commits whose log records name what is erased, to scrub afterwards.
  std::set<uint64_t> commits_to_scrub;
  FS_ASSIGN_OR_RETURN(int erased_facts,
                      DeleteFacts(ctx, doomed, &commits_to_scrub));
  FS_ASSIGN_OR_RETURN(int erased_mentions, TrimMentions(ctx, ids, trimmed));
  for (const auto& [member, record] : entities) {
    for (const auto& revision : record->revisions()) {
      commits_to_scrub.insert(revision.commit());
    }
    // A merged entity was counted out when it was merged.
    if (record->revisions().rbegin()->merged_into().empty()) {
      ctx.head().set_entity_count(ctx.head().entity_count() - 1);
    }
    ctx.entities().Delete(member);
  }
  FS_RETURN_IF_ERROR(ScrubCommitLog(ctx, ids, doomed, commits_to_scrub));
  for (const std::string& member : ids) {
    FS_RETURN_IF_ERROR(AddTombstone(ctx, member, request_.reason()));
    storage::Change change;
    change.set_kind(storage::CHANGE_KIND_ENTITY_ERASED);
    change.set_entity_id(member);
    ctx.AddChange(std::move(change));
  }

  FillTombstone(ctx.commit(), ctx.time_micros(),
                storage::EncodeCommitToken(ctx.store_id(), ctx.commit()));
  response_.set_erased_fact_count(erased_facts);
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

MergeEntitiesOp::MergeEntitiesOp(v1::MergeEntitiesRequest request,
                                 Callback callback)
    : request_(std::move(request)), callback_(std::move(callback)) {}

namespace {

// Adds `name` to `aliases` unless it is `primary` or already there.
void AddAlias(const std::string& name, const std::string& primary,
              google::protobuf::RepeatedPtrField<std::string>* aliases) {
  if (name == primary ||
      std::find(aliases->begin(), aliases->end(), name) != aliases->end()) {
    return;
  }
  *aliases->Add() = name;
}

// The surviving entity `into` after `from` is merged into it: from's name
// and aliases become aliases, and from's description, document description,
// labels and external ids fill what `into` lacks (a label in a language both
// have gains from's label name and aliases as aliases).
v1::Entity MergedEntity(const v1::Entity& into, const v1::Entity& from) {
  v1::Entity merged = into;
  AddAlias(from.name(), merged.name(), merged.mutable_aliases());
  for (const std::string& alias : from.aliases()) {
    AddAlias(alias, merged.name(), merged.mutable_aliases());
  }
  if (merged.description().empty()) merged.set_description(from.description());
  if (from.has_document()) {
    // Two copies of one document: what the survivor does not say of itself
    // comes from the duplicate.
    v1::DocumentMetadata* document = merged.mutable_document();
    const v1::DocumentMetadata& other = from.document();
    if (document->url().empty()) document->set_url(other.url());
    if (document->title().empty()) document->set_title(other.title());
    if (document->publisher().empty()) {
      document->set_publisher(other.publisher());
    }
    if (document->publication_date().empty()) {
      document->set_publication_date(other.publication_date());
    }
    if (document->language().empty()) document->set_language(other.language());
  }
  for (const auto& [system, value] : from.external_ids()) {
    merged.mutable_external_ids()->insert({system, value});
  }
  for (const auto& [language, label] : from.labels()) {
    auto [it, inserted] = merged.mutable_labels()->insert({language, label});
    if (inserted) continue;
    v1::EntityLabel& kept = it->second;
    AddAlias(label.name(), kept.name(), kept.mutable_aliases());
    for (const std::string& alias : label.aliases()) {
      AddAlias(alias, kept.name(), kept.mutable_aliases());
    }
    if (kept.description().empty()) kept.set_description(label.description());
  }
  return merged;
}

// Replaces entity id `from` by `into` in `id`; true if it did.
bool Redirect(const std::string& from, const std::string& into,
              std::string* id) {
  if (*id != from) return false;
  *id = into;
  return true;
}

// Replaces `from` by `into` where the fact content names it: subject, value
// and qualifier values.
void RedirectContent(const std::string& from, const std::string& into,
                     v1::Fact* content) {
  Redirect(from, into, content->mutable_subject());
  if (content->value().kind_case() == v1::Value::kEntityId) {
    Redirect(from, into, content->mutable_value()->mutable_entity_id());
  }
  for (auto& [name, value] : *content->mutable_qualifiers()) {
    if (value.kind_case() == v1::Value::kEntityId) {
      Redirect(from, into, value.mutable_entity_id());
    }
  }
}

// Replaces `from` by `into` as the mention's document and speaker; true if
// it named `from`.
bool RedirectMention(const std::string& from, const std::string& into,
                     v1::Mention* mention) {
  bool document = Redirect(from, into, mention->mutable_document_id());
  bool speaker = Redirect(from, into, mention->mutable_attributed_to());
  return document || speaker;
}

// True if `record` has a live mention that is the same source as `mention`.
bool HasLiveMention(const storage::FactRecord& record,
                    const v1::Mention& mention) {
  for (const storage::MentionRecord& m : record.mentions()) {
    if (m.replaced_commit() == 0 && SameMention(m.mention(), mention)) {
      return true;
    }
  }
  return false;
}

// The NOT_FOUND or FAILED_PRECONDITION error for merging with entity `id`
// (given as `field`) when it is missing or a redirect, or OK.
absl::Status CheckMergeable(CommitContext& ctx, absl::string_view field,
                            const std::string& id,
                            const storage::EntityRecord* record) {
  if (record == nullptr) return MissingEntityError(ctx, field, id);
  const std::string& into = record->revisions().rbegin()->merged_into();
  if (!into.empty()) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          field, ": entity \"", id,
                          "\" was already merged into \"", into, "\"")),
                      reason::kEntityMerged);
  }
  return absl::OkStatus();
}

// What one merge did, for its response.
struct MergeCounts {
  int moved_facts = 0;
  int combined_facts = 0;
  int moved_mentions = 0;
};

// Gives fact `old_id` (which names `from` in its content) its new content,
// naming `into`: asserts the new fact or adds the old one's live mentions to
// it if it exists, and moves the old id there. Returns a read error.
absl::Status MoveFact(CommitContext& ctx, const std::string& from,
                      const std::string& into, const std::string& old_id,
                      MergeCounts* counts) {
  auto stored = ctx.facts().Get(old_id);
  if (!stored.ok()) return stored.status();
  // Gone, or an earlier merge moved it (its index entries stay for time
  // travel).
  if (*stored == nullptr ||
      !(*stored)->revisions().rbegin()->moved_to().empty()) {
    return absl::OkStatus();
  }
  storage::FactRecord old = **stored;
  // The mentions carried over keep presenting the claim as they did here.
  storage::SetLegacyMentionWeights(ctx.commit(), &old);
  const storage::FactRevision latest = *old.revisions().rbegin();
  v1::Fact content = old.content();
  RedirectContent(from, into, &content);
  content.clear_id();
  const std::string new_id = DeriveFactId(content);
  content.set_id(new_id);

  std::vector<v1::Mention> carried;
  for (const storage::MentionRecord& m : old.mentions()) {
    if (m.replaced_commit() != 0) continue;
    carried.push_back(m.mention());
    if (RedirectMention(from, into, &carried.back())) ++counts->moved_mentions;
  }

  auto target = ctx.facts().Get(new_id);
  if (!target.ok()) return target.status();
  storage::StoreHead& head = ctx.head();
  if (*target == nullptr) {
    // One live fact (and its mentions) replaces another: counts stay.
    storage::FactRecord moved;
    *moved.mutable_content() = content;
    storage::FactRevision* revision = moved.add_revisions();
    *revision = latest;
    revision->set_commit(ctx.commit());
    for (v1::Mention& m : carried) {
      // Two mentions that differed only in naming the two entities are one
      // now.
      if (HasLiveMention(moved, m)) {
        head.set_mention_count(head.mention_count() - 1);
        continue;
      }
      storage::MentionRecord* added = moved.add_mentions();
      added->set_commit(ctx.commit());
      *added->mutable_mention() = std::move(m);
    }
    // Mentions that became one may have presented the claim differently.
    revision->set_modality(DerivedModality(moved, latest.modality()));
    ctx.facts().Put(new_id, std::move(moved));
    ctx.AddChange(FactChange(storage::CHANGE_KIND_FACT_ASSERTED, content));
  } else {
    if (!(*target)->revisions().rbegin()->moved_to().empty()) {
      return absl::DataLossError(absl::StrCat(
          "fact ", new_id, " names only live entities but was moved"));
    }
    // The surviving fact keeps its own state and gains the old one's
    // sources.
    storage::FactRecord combined = **target;
    storage::SetLegacyMentionWeights(ctx.commit(), &combined);
    int added = 0;
    for (v1::Mention& m : carried) {
      if (HasLiveMention(combined, m)) continue;
      storage::MentionRecord* record = combined.add_mentions();
      record->set_commit(ctx.commit());
      *record->mutable_mention() = std::move(m);
      ++added;
    }
    head.set_fact_count(head.fact_count() - 1);
    head.set_mention_count(head.mention_count() -
                           static_cast<int64_t>(carried.size()) + added);
    if (latest.retracted()) {
      head.set_retracted_fact_count(head.retracted_fact_count() - 1);
    }
    if (added > 0) {
      ctx.AddChange(
          FactChange(storage::CHANGE_KIND_MENTION_ADDED, combined.content()));
      const storage::FactRevision& kept = *combined.revisions().rbegin();
      if (SetFactAttributes(ctx.commit(),
                            DerivedModality(combined, kept.modality()),
                            kept.rank(), &combined)) {
        ctx.AddChange(
            FactChange(storage::CHANGE_KIND_FACT_UPDATED, combined.content()));
      }
    }
    ctx.facts().Put(new_id, std::move(combined));
    ++counts->combined_facts;
  }

  storage::Change change =
      FactChange(storage::CHANGE_KIND_FACT_MOVED, old.content());
  change.set_target_id(new_id);
  storage::FactRevision* moved_away = old.add_revisions();
  *moved_away = latest;
  moved_away->set_commit(ctx.commit());
  moved_away->set_moved_to(new_id);
  ctx.facts().Put(old_id, std::move(old));
  ctx.AddChange(std::move(change));
  ++counts->moved_facts;
  return absl::OkStatus();
}

// Replaces the live mentions of fact `id` that name `from` as document or
// speaker by copies naming `into` (dropping a copy the fact already has).
// Returns a read error.
absl::Status MoveMentions(CommitContext& ctx, const std::string& from,
                          const std::string& into, const std::string& id,
                          MergeCounts* counts) {
  auto stored = ctx.facts().Get(id);
  if (!stored.ok()) return stored.status();
  if (*stored == nullptr ||
      !(*stored)->revisions().rbegin()->moved_to().empty()) {
    return absl::OkStatus();
  }
  storage::FactRecord record = **stored;
  storage::SetLegacyMentionWeights(ctx.commit(), &record);
  const int before = record.mentions_size();
  int replaced = 0;
  int dropped = 0;
  for (int i = 0; i < before; ++i) {
    if (record.mentions(i).replaced_commit() != 0) continue;
    v1::Mention copy = record.mentions(i).mention();
    if (!RedirectMention(from, into, &copy)) continue;
    record.mutable_mentions(i)->set_replaced_commit(ctx.commit());
    ++replaced;
    if (HasLiveMention(record, copy)) {
      ++dropped;
      continue;
    }
    storage::MentionRecord* added = record.add_mentions();
    added->set_commit(ctx.commit());
    *added->mutable_mention() = std::move(copy);
  }
  if (replaced == 0) return absl::OkStatus();
  ctx.head().set_mention_count(ctx.head().mention_count() - dropped);
  ctx.AddChange(
      FactChange(storage::CHANGE_KIND_MENTION_ADDED, record.content()));
  // A dropped copy may have presented the claim unlike the mention kept.
  const storage::FactRevision& kept = *record.revisions().rbegin();
  if (dropped > 0 &&
      SetFactAttributes(ctx.commit(), DerivedModality(record, kept.modality()),
                        kept.rank(), &record)) {
    ctx.AddChange(
        FactChange(storage::CHANGE_KIND_FACT_UPDATED, record.content()));
  }
  ctx.facts().Put(id, std::move(record));
  counts->moved_mentions += replaced;
  return absl::OkStatus();
}

}  // namespace

absl::Status MergeEntitiesOp::Apply(CommitContext& ctx) {
  response_.Clear();
  const std::string& from = request_.from_entity_id();
  const std::string& into = request_.into_entity_id();
  auto from_stored = ctx.entities().Get(from);
  if (!from_stored.ok()) return from_stored.status();
  FS_RETURN_IF_ERROR(CheckMergeable(ctx, "from_entity_id", from, *from_stored));
  storage::EntityRecord from_record = **from_stored;
  auto into_stored = ctx.entities().Get(into);
  if (!into_stored.ok()) return into_stored.status();
  FS_RETURN_IF_ERROR(CheckMergeable(ctx, "into_entity_id", into, *into_stored));
  storage::EntityRecord into_record = **into_stored;
  const v1::Entity& from_entity = from_record.revisions().rbegin()->entity();
  const v1::Entity& into_entity = into_record.revisions().rbegin()->entity();
  if (from_entity.type() != into_entity.type()) {
    return absl::FailedPreconditionError(
        absl::StrCat("into_entity_id: entity \"", into, "\" is a ",
                     ShortEnumName(into_entity.type()), " and \"", from,
                     "\" a ", ShortEnumName(from_entity.type()),
                     "; only entities of the same type merge"));
  }
  v1::Entity merged = MergedEntity(into_entity, from_entity);
  Violations violations;
  ValidateEntity(merged, "into_entity_id", &violations);
  if (!violations.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the merged entity would not be valid: ", violations.Summary()));
  }

  std::set<std::string> named;
  std::set<std::string> sourced;
  FS_RETURN_IF_ERROR(
      CollectFactsOf(ctx, {from}, kMaxFactsPerMerge, &named, &sourced));
  if (named.size() + sourced.size() > static_cast<size_t>(kMaxFactsPerMerge)) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "from_entity_id: \"", from, "\" is referenced by more than ",
            kMaxFactsPerMerge, " facts, more than one merge may touch")),
        reason::kMergeTooLarge);
  }

  // The survivor's new revision, and the duplicate's last: a redirect that
  // keeps the duplicate's entity and name forms, so that the keys its
  // earlier revisions wrote stay those of its newest.
  storage::EntityRevision survivor = MakeEntityRevision(merged, ctx.commit());
  survivor.add_merged_from(from);
  *into_record.add_revisions() = std::move(survivor);
  storage::EntityRevision redirect = *from_record.revisions().rbegin();
  redirect.set_commit(ctx.commit());
  redirect.clear_merged_from();
  redirect.set_merged_into(into);
  *from_record.add_revisions() = std::move(redirect);
  ctx.entities().Put(into, into_record);
  ctx.entities().Put(from, std::move(from_record));
  ctx.head().set_entity_count(ctx.head().entity_count() - 1);
  storage::Change merged_change;
  merged_change.set_kind(storage::CHANGE_KIND_ENTITY_MERGED);
  merged_change.set_entity_id(from);
  merged_change.set_target_id(into);
  ctx.AddChange(std::move(merged_change));

  MergeCounts counts;
  for (const std::string& id : named) {
    FS_RETURN_IF_ERROR(MoveFact(ctx, from, into, id, &counts));
  }
  for (const std::string& id : sourced) {
    FS_RETURN_IF_ERROR(MoveMentions(ctx, from, into, id, &counts));
  }

  storage::EntityAsOf(into_record, ctx.commit(), ctx.store_id(),
                      response_.mutable_entity());
  response_.set_moved_fact_count(counts.moved_facts);
  response_.set_combined_fact_count(counts.combined_facts);
  response_.set_moved_mention_count(counts.moved_mentions);
  return absl::OkStatus();
}

absl::Status MergeEntitiesOp::Replay(const storage::RequestRecord& record,
                                     CommitContext& ctx) {
  response_.Clear();
  auto into = ctx.entities().Get(request_.into_entity_id());
  if (!into.ok()) return into.status();
  if (*into == nullptr ||
      !storage::EntityAsOf(**into, record.commit(), ctx.store_id(),
                           response_.mutable_entity())) {
    // Erased (or merged again) since: only the id is left to report.
    response_.mutable_entity()->set_id(request_.into_entity_id());
  }
  response_.set_moved_fact_count(record.moved_fact_count());
  response_.set_combined_fact_count(record.combined_fact_count());
  response_.set_moved_mention_count(record.moved_mention_count());
  return absl::OkStatus();
}

void MergeEntitiesOp::RecordItems(storage::RequestRecord* record) const {
  record->set_moved_fact_count(response_.moved_fact_count());
  record->set_combined_fact_count(response_.combined_fact_count());
  record->set_moved_mention_count(response_.moved_mention_count());
}

void MergeEntitiesOp::Done(const absl::Status& status,
                           const std::string& commit_token) {
  response_.set_commit_token(commit_token);
  callback_(status, std::move(response_));
}

}  // namespace factstore::ingest
