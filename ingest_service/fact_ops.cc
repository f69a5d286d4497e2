#include "ingest_service/fact_ops.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/enum_names.h"
#include "common/iso_date.h"
#include "common/limits.h"
#include "common/status_macros.h"
#include "ingest_service/entity_ops.h"
#include "ingest_service/request_validator.h"
#include "protos/api_dates.h"
#include "storage/commit_token.h"
#include "storage/key_codec.h"
#include "storage/record_views.h"
#include "storage/source_weighing.h"
#include "storage/store.h"

namespace factstore::ingest {
namespace {

v1::ItemError MakeError(absl::StatusCode code, const std::string& field,
                        const std::string& description) {
  Violations violations;
  violations.Add(field, description);
  return violations.ToItemError(code);
}

// True if every mention of `b` is one of `a`'s and vice versa.
bool SameMentions(const v1::Fact& a, const v1::Fact& b) {
  auto contained = [](const v1::Fact& x, const v1::Fact& y) {
    for (const v1::Mention& m : x.mentions()) {
      bool found = false;
      for (const v1::Mention& n : y.mentions())
        found = found || SameMention(m, n);
      if (!found) return false;
    }
    return true;
  };
  return contained(a, b) && contained(b, a);
}

}  // namespace

bool SameMention(const v1::Mention& a, const v1::Mention& b) {
  return a.document_id() == b.document_id() && a.quote() == b.quote() &&
         a.quote_start() == b.quote_start() && a.quote_end() == b.quote_end();
}

v1::Modality DerivedModality(const storage::FactRecord& record,
                             v1::Modality without_mentions) {
  std::vector<const v1::Mention*> live = storage::LiveMentions(record);
  return live.empty() ? without_mentions : storage::ModalityOfSources(live);
}

bool SetFactAttributes(uint64_t commit, v1::Modality modality, v1::Rank rank,
                       storage::FactRecord* record) {
  const storage::FactRevision& latest = *record->revisions().rbegin();
  if (latest.modality() == modality && latest.rank() == rank) return false;
  storage::FactRevision revision = latest;
  revision.set_commit(commit);
  revision.set_modality(modality);
  revision.set_rank(rank);
  *record->add_revisions() = std::move(revision);
  return true;
}

storage::Change FactChange(storage::ChangeKind kind, const v1::Fact& content) {
  storage::Change change;
  change.set_kind(kind);
  change.set_fact_id(content.id());
  change.set_subject(content.subject());
  change.set_predicate(content.predicate());
  return change;
}

namespace {

// Reads the stored versions of the valid facts of `facts` and of the
// entities they name into the group's tables, with one MultiGet for each
// table instead of a point read each as the facts are applied.
void PrefetchStoredRecords(CommitContext& ctx,
                           const std::vector<PreparedFact>& facts) {
  std::vector<std::string> fact_ids;
  std::vector<std::string> entity_ids;
  for (const PreparedFact& prepared : facts) {
    if (prepared.error.has_value()) continue;
    fact_ids.push_back(prepared.fact->id());
    for (const EntityReference& ref : prepared.references) {
      entity_ids.push_back(ref.id);
    }
    for (const EntityToCreate& create : prepared.creates) {
      entity_ids.push_back(create.id);
    }
    for (const v1::Mention& m : prepared.fact->mentions()) {
      entity_ids.push_back(m.document_id());
    }
  }
  ctx.facts().Prefetch(std::move(fact_ids));
  ctx.entities().Prefetch(std::move(entity_ids));
}

}  // namespace

IngestFactsOp::IngestFactsOp(PreparedFacts facts, Options options,
                             Callback callback)
    : prepared_(std::move(facts)),
      options_(options),
      callback_(std::move(callback)) {}

absl::Status IngestFactsOp::Apply(CommitContext& ctx) {
  response_.Clear();
  PrefetchStoredRecords(ctx, prepared_.facts);
  int accepted = 0, rejected = 0;
  Violations batch_violations;
  for (int i = 0; i < static_cast<int>(prepared_.facts.size()); ++i) {
    v1::FactResult* result = response_.add_results();
    std::optional<v1::ItemError> error = prepared_.facts[i].error;
    if (!error.has_value()) {
      ctx.SetSavePoint();
      error = ApplyFact(ctx, i, result);
      if (error.has_value()) {
        ctx.RollbackToSavePoint();
      } else {
        ctx.ReleaseSavePoint();
      }
    }
    if (error.has_value()) {
      result->Clear();
      result->set_outcome(v1::OUTCOME_REJECTED);
      for (const v1::FieldViolation& v : error->violations()) {
        batch_violations.Add(v.field(), v.description());
      }
      *result->mutable_error() = *std::move(error);
      ++rejected;
    } else {
      ++accepted;
      if (validate_only()) result->set_outcome(v1::OUTCOME_VALID);
    }
  }
  response_.set_accepted_count(accepted);
  response_.set_rejected_count(rejected);
  if (options_.all_or_nothing && rejected > 0) {
    return batch_violations.ToStatus(absl::StrCat(
        rejected, " of ", prepared_.facts.size(),
        " facts rejected and all_or_nothing is set, so nothing was written: "));
  }
  return absl::OkStatus();
}

namespace {

// The subject-index prefix of a fact's subject, predicate and valid time.
std::string SubjectTimePrefix(const v1::Fact& fact) {
  absl::StatusOr<std::optional<DayRange>> range =
      ValidTimeRange(fact.valid_time());
  uint32_t first = storage::kNoValidTimeDay, end = storage::kNoValidTimeDay;
  if (range.ok() && range->has_value()) {
    first = static_cast<uint32_t>((*range)->first);
    end = static_cast<uint32_t>((*range)->end);
  }
  return storage::SubjectPredicateTimePrefix(fact.subject(), fact.predicate(),
                                             first, end);
}

// Whether the stored fact `fact_id` may have a mention from one of
// `documents`, answered from the reference index, which has a key for every
// document that ever mentioned a stored fact (written with the fact record,
// storage/commit_batch.cc); false is certain, true (or an unreadable key) is
// for the caller to confirm in the record. Reading the index is the cheap
// way: its bloom filters answer the usual "no" without a table read, where
// reading each competing record cost a tenth of the committer's time.
// REQUIRES: this commit group has not changed the fact (its references in
// the store are then current).
bool MentionedByAny(const storage::Store& store, const std::string& fact_id,
                    const absl::flat_hash_set<std::string>& documents) {
  for (const std::string& document : documents) {
    absl::StatusOr<bool> has =
        store.HasKey(storage::ColumnFamily::kReferenceIndex,
                     storage::ReferenceIndexKey(
                         document, storage::ReferenceRole::kDocument, fact_id));
    if (!has.ok() || *has) return true;
  }
  return false;
}

}  // namespace

std::optional<v1::ItemError> IngestFactsOp::CheckCardinality(
    CommitContext& ctx, const PreparedFact& prepared) {
  const v1::Fact& fact = *prepared.fact;
  absl::flat_hash_set<std::string> documents;
  for (const v1::Mention& m : fact.mentions())
    documents.insert(m.document_id());
  // A document that already gives this very claim gives nothing new: a claim
  // a merge left beside another value of the same document is not refused
  // when it comes again.
  auto self = ctx.facts().Get(fact.id());
  if (self.ok() && *self != nullptr) {
    for (const storage::MentionRecord& m : (*self)->mentions()) {
      if (m.replaced_commit() == 0) documents.erase(m.mention().document_id());
    }
  }
  if (documents.empty()) return std::nullopt;
  // The other facts of the same subject, predicate and valid time: stored
  // ones from the subject index (which orders by valid time), and those this
  // group asserted. There are few: one per competing value.
  std::string prefix = SubjectTimePrefix(fact);
  std::vector<std::string> ids = ctx.NewFactIds(prefix);
  storage::KeyScan& scan = ctx.SubjectIndexScan();
  for (scan.Seek(prefix); scan.Valid() && absl::StartsWith(scan.key(), prefix);
       scan.Next()) {
    storage::SubjectIndexParts parts;
    if (storage::DecodeSubjectIndexKey(scan.key(), &parts)) {
      ids.push_back(std::move(parts.fact_id));
    }
  }
  if (absl::Status status = scan.status(); !status.ok()) {
    return MakeError(absl::StatusCode::kUnavailable, "value",
                     absl::StrCat("cannot read the facts that compete with "
                                  "this one: ",
                                  status.ToString()));
  }
  for (const std::string& id : ids) {
    if (id == fact.id()) continue;
    if (!ctx.facts().Holds(id) && !MentionedByAny(ctx.store(), id, documents)) {
      continue;
    }
    auto other = ctx.facts().Get(id);
    if (!other.ok() || *other == nullptr) continue;
    const storage::FactRecord& record = **other;
    const storage::FactRevision& latest = *record.revisions().rbegin();
    if (latest.retracted() || !latest.moved_to().empty()) continue;
    for (const storage::MentionRecord& m : record.mentions()) {
      if (m.replaced_commit() == 0 &&
          documents.contains(m.mention().document_id())) {
        return MakeError(
            absl::StatusCode::kFailedPrecondition, "value",
            absl::StrCat("document \"", m.mention().document_id(),
                         "\" already gives another value for this subject "
                         "and valid time (fact ",
                         id, "), and predicate \"", fact.predicate(),
                         "\" has cardinality ONE"));
      }
    }
  }
  return std::nullopt;
}

namespace {

// Creates the entities `prepared` asks for that do not exist yet and lists
// them in `result`; returns the error if one of them cannot be read.
std::optional<v1::ItemError> CreateRequestedEntities(
    CommitContext& ctx, const PreparedFact& prepared, v1::FactResult* result) {
  for (const EntityToCreate& create : prepared.creates) {
    auto existing = ctx.entities().Get(create.id);
    if (!existing.ok()) {
      return MakeError(absl::StatusCode::kUnavailable, create.field,
                       existing.status().ToString());
    }
    if (*existing != nullptr) continue;
    v1::Entity entity;
    entity.set_id(create.id);
    entity.set_type(create.type);
    entity.set_name(create.name);
    storage::EntityRecord* record = ctx.entities().New();
    *record->add_revisions() = MakeEntityRevision(entity, ctx.commit());
    ctx.entities().Put(create.id, record);
    ctx.head().set_entity_count(ctx.head().entity_count() + 1);
    storage::Change change;
    change.set_kind(storage::CHANGE_KIND_ENTITY_UPSERTED);
    change.set_entity_id(create.id);
    ctx.AddChange(std::move(change));
    result->add_created_entity_ids(create.id);
  }
  return std::nullopt;
}

// Checks that every entity `prepared` refers to exists with a type allowed
// where it is used; returns the error of the first one that does not.
std::optional<v1::ItemError> CheckReferencedEntities(
    CommitContext& ctx, const PreparedFact& prepared) {
  for (const EntityReference& ref : prepared.references) {
    auto entity = ctx.entities().Get(ref.id);
    if (!entity.ok()) {
      return MakeError(absl::StatusCode::kUnavailable, ref.field,
                       entity.status().ToString());
    }
    if (*entity == nullptr) {
      return MakeError(absl::StatusCode::kNotFound, ref.field,
                       absl::StrCat("entity \"", ref.id,
                                    "\" does not exist; upsert it first"));
    }
    const storage::EntityRevision& newest = *(*entity)->revisions().rbegin();
    if (!newest.merged_into().empty()) {
      return MakeError(
          absl::StatusCode::kFailedPrecondition, ref.field,
          absl::StrCat("entity \"", ref.id, "\" was merged into \"",
                       newest.merged_into(), "\"; use that id"));
    }
    int type = newest.entity().type();
    if (!ref.allowed_types.empty() &&
        std::find(ref.allowed_types.begin(), ref.allowed_types.end(), type) ==
            ref.allowed_types.end()) {
      std::string allowed;
      for (v1::EntityType t : ref.allowed_types) {
        absl::StrAppend(&allowed, allowed.empty() ? "" : " or ",
                        ShortEnumName(t));
      }
      return MakeError(
          absl::StatusCode::kInvalidArgument, ref.field,
          absl::StrCat("entity \"", ref.id, "\" is a ",
                       ShortEnumName(static_cast<v1::EntityType>(type)), "; ",
                       allowed, " expected here"));
    }
  }
  return std::nullopt;
}

// One field of DocumentMetadata, as a mention gives it and as the document
// keeps it.
struct DocumentField {
  const char* name;
  const std::string& (v1::Mention::*in_mention)() const;
  const std::string& (v1::DocumentMetadata::*in_document)() const;
  void (v1::DocumentMetadata::*set)(const std::string&);
};

constexpr DocumentField kDocumentFields[] = {
    {"url", &v1::Mention::url, &v1::DocumentMetadata::url,
     &v1::DocumentMetadata::set_url},
    {"title", &v1::Mention::title, &v1::DocumentMetadata::title,
     &v1::DocumentMetadata::set_title},
    {"publisher", &v1::Mention::publisher, &v1::DocumentMetadata::publisher,
     &v1::DocumentMetadata::set_publisher},
    {"publication_date", &v1::Mention::publication_date,
     &v1::DocumentMetadata::publication_date,
     &v1::DocumentMetadata::set_publication_date},
    {"language", &v1::Mention::language, &v1::DocumentMetadata::language,
     &v1::DocumentMetadata::set_language},
};

// Keeps on each mentioned document what the mentions of `prepared` say about
// it (url, title, ...) that it does not have yet, in a new revision of the
// document (or the one this commit already made). Returns the error of a
// mention that gives a field the document has with another value: that is
// changed with UpsertEntities, not by a mention.
std::optional<v1::ItemError> RecordDocumentFields(CommitContext& ctx,
                                                  const PreparedFact& prepared,
                                                  const std::string& path) {
  const v1::Fact& fact = *prepared.fact;
  for (int i = 0; i < fact.mentions_size(); ++i) {
    const v1::Mention& m = fact.mentions(i);
    auto stored = ctx.entities().Get(m.document_id());
    if (!stored.ok()) {
      return MakeError(absl::StatusCode::kUnavailable,
                       absl::StrCat(path, ".mentions[", i, "].document_id"),
                       stored.status().ToString());
    }
    // CheckReferencedEntities made sure it exists.
    if (*stored == nullptr) continue;
    const v1::DocumentMetadata& kept =
        (*stored)->revisions().rbegin()->entity().document();
    // Most mentions repeat what their document has: it is copied only when
    // one gives a field it lacks.
    std::optional<v1::DocumentMetadata> updated;
    for (const DocumentField& field : kDocumentFields) {
      const std::string& given = (m.*field.in_mention)();
      const std::string& has = (kept.*field.in_document)();
      if (given.empty() || given == has) continue;
      if (!has.empty()) {
        return MakeError(
            absl::StatusCode::kFailedPrecondition,
            absl::StrCat(path, ".mentions[", i, "].", field.name),
            absl::StrCat("document \"", m.document_id(), "\" has ", field.name,
                         " \"", has, "\", not \"", given,
                         "\"; leave it out, or change the document with "
                         "UpsertEntities"));
      }
      if (!updated.has_value()) updated = kept;
      ((*updated).*field.set)(given);
    }
    if (!updated.has_value()) continue;
    storage::EntityRecord* record = ctx.entities().New();
    *record = **stored;
    storage::EntityRevision* newest =
        record->mutable_revisions(record->revisions_size() - 1);
    if (newest->commit() != ctx.commit()) {
      storage::EntityRevision next = *newest;
      next.set_commit(ctx.commit());
      newest = record->add_revisions();
      *newest = std::move(next);
      storage::Change change;
      change.set_kind(storage::CHANGE_KIND_ENTITY_UPSERTED);
      change.set_entity_id(m.document_id());
      ctx.AddChange(std::move(change));
    }
    *newest->mutable_entity()->mutable_document() = *std::move(updated);
    ctx.entities().Put(m.document_id(), record);
  }
  return std::nullopt;
}

// Fills the document fields of the mentions of `fact` from their documents
// as of `as_of` (the ingest response's facts, like the query service's).
void FillMentionDocuments(CommitContext& ctx, uint64_t as_of, v1::Fact* fact) {
  for (v1::Mention& m : *fact->mutable_mentions()) {
    auto document = ctx.entities().Get(m.document_id());
    if (!document.ok() || *document == nullptr) continue;
    const storage::EntityRevision* revision =
        storage::EntityRevisionAsOf(**document, as_of);
    if (revision != nullptr) {
      storage::FillMentionDocument(revision->entity().document(), &m);
    }
  }
}

// What AddMentions did to a stored fact's mentions.
struct MentionChanges {
  // New sources.
  int added = 0;
  // Sources it had, given again with another modality or rank.
  int reweighed = 0;
};

// Appends to `record` each mention of `fact` it does not hold yet (see
// SameMention), stamped with `commit`, and gives a live one it holds the
// modality and rank `fact` gives it: a copy stamped with `commit` replaces
// it (in place if it was added at `commit`). REQUIRES: the mentions of
// `fact` have their modality and rank (FactPreparer sets them).
MentionChanges AddMentions(const v1::Fact& fact, uint64_t commit,
                           storage::FactRecord* record) {
  MentionChanges changes;
  for (const v1::Mention& m : fact.mentions()) {
    storage::MentionRecord* seen = nullptr;
    for (storage::MentionRecord& r : *record->mutable_mentions()) {
      if (r.replaced_commit() == 0 && SameMention(r.mention(), m)) seen = &r;
    }
    if (seen != nullptr) {
      if (seen->mention().modality() == m.modality() &&
          seen->mention().rank() == m.rank()) {
        continue;
      }
      ++changes.reweighed;
      if (seen->commit() != commit) {
        seen->set_replaced_commit(commit);
        storage::MentionRecord copy = *seen;
        copy.set_commit(commit);
        copy.set_replaced_commit(0);
        seen = record->add_mentions();
        *seen = std::move(copy);
      }
      seen->mutable_mention()->set_modality(m.modality());
      seen->mutable_mention()->set_rank(m.rank());
      continue;
    }
    storage::MentionRecord* mr = record->add_mentions();
    mr->set_commit(commit);
    v1::Mention* stored = mr->mutable_mention();
    *stored = m;
    // Kept on the document (RecordDocumentFields), not in each mention.
    stored->clear_url();
    stored->clear_title();
    stored->clear_publisher();
    stored->clear_publication_date();
    stored->clear_language();
    ++changes.added;
  }
  return changes;
}

// Raises head.max_valid_span_days to the length in days of `valid_time` when
// that is a closed range (no open end) and longer.
void RaiseMaxValidSpan(const v1::ValidTime& valid_time,
                       storage::StoreHead& head) {
  absl::StatusOr<std::optional<DayRange>> range = ValidTimeRange(valid_time);
  if (range.ok() && range->has_value() && (*range)->first != kOpenFirstDay &&
      (*range)->end != kOpenEndDay) {
    int64_t span = (*range)->end - (*range)->first;
    if (span > head.max_valid_span_days()) {
      head.set_max_valid_span_days(span);
    }
  }
}

// Copies every field of `fact` but its mentions into `*to`. The mentions are
// set aside while the rest is copied, and given back: a swap with a repeated
// field on the same arena (or both on the heap) moves pointers, where
// copying the mentions only to clear them cost a copy of every quote. `fact`
// is whole again on return; nothing else may read it meanwhile.
void CopyAllButMentions(v1::Fact& fact, v1::Fact* to) {
  google::protobuf::RepeatedPtrField<v1::Mention> aside(fact.GetArena());
  fact.mutable_mentions()->Swap(&aside);
  *to = fact;
  fact.mutable_mentions()->Swap(&aside);
}

// Builds in `*record` the stored form of the new fact `prepared` and records
// its assertion in `ctx` (head counts, change, new fact ids); the caller
// stores `*record`. Sets the prepared fact's mentions aside while it copies
// the fact (CopyAllButMentions): the committer's thread is the only one
// that touches a prepared fact while it is applied.
// REQUIRES: `*record` is empty; no fact has its id.
void AssertNewFact(CommitContext& ctx, const PreparedFact& prepared,
                   storage::FactRecord* record) {
  const v1::Fact& fact = *prepared.fact;
  v1::Fact* content = record->mutable_content();
  CopyAllButMentions(*prepared.fact, content);
  content->clear_modality();
  content->clear_rank();
  AddMentions(fact, ctx.commit(), record);
  storage::FactRevision* revision = record->add_revisions();
  revision->set_commit(ctx.commit());
  revision->set_modality(DerivedModality(*record, fact.modality()));
  revision->set_rank(fact.rank());
  ctx.head().set_fact_count(ctx.head().fact_count() + 1);
  RaiseMaxValidSpan(content->valid_time(), ctx.head());
  ctx.head().set_mention_count(ctx.head().mention_count() +
                               record->mentions_size());
  ctx.AddChange(
      FactChange(storage::CHANGE_KIND_FACT_ASSERTED, record->content()));
  if (prepared.predicate->cardinality() == v1::CARDINALITY_ONE) {
    ctx.NewFactIds(SubjectTimePrefix(fact)).push_back(fact.id());
  }
}

}  // namespace

std::optional<v1::ItemError> IngestFactsOp::ApplyFact(CommitContext& ctx,
                                                      int index,
                                                      v1::FactResult* result) {
  const PreparedFact& prepared = prepared_.facts[index];
  const v1::Fact& fact = *prepared.fact;
  std::string path = absl::StrCat("facts[", index, "]");
  if (auto error = CreateRequestedEntities(ctx, prepared, result);
      error.has_value()) {
    return error;
  }
  if (auto error = CheckReferencedEntities(ctx, prepared); error.has_value()) {
    return error;
  }
  if (auto error = RecordDocumentFields(ctx, prepared, path);
      error.has_value()) {
    return error;
  }
  if (prepared.predicate->cardinality() == v1::CARDINALITY_ONE) {
    if (auto error = CheckCardinality(ctx, prepared); error.has_value()) {
      error->mutable_violations(0)->set_field(absl::StrCat(path, ".value"));
      error->set_message(
          absl::StrCat(path, ".value: ", error->violations(0).description()));
      return error;
    }
  }

  auto existing = ctx.facts().Get(fact.id());
  if (!existing.ok()) {
    return MakeError(absl::StatusCode::kUnavailable, path,
                     existing.status().ToString());
  }
  // The new version is built on the group's arena (see RecordTable).
  storage::FactRecord* record = ctx.facts().New();
  v1::Outcome outcome;
  if (*existing == nullptr) {
    AssertNewFact(ctx, prepared, record);
    outcome = v1::OUTCOME_CREATED;
  } else {
    *record = **existing;
    if (auto error = MergeIntoStoredFact(ctx, index, path, record, &outcome);
        error.has_value()) {
      return error;
    }
  }
  result->set_outcome(outcome);
  result->set_fact_id(fact.id());
  if (!options_.compact_results) {
    storage::FactAsOf(*record, ctx.commit(), ctx.store_id(),
                      result->mutable_fact());
    FillMentionDocuments(ctx, ctx.commit(), result->mutable_fact());
  }
  if (outcome != v1::OUTCOME_UNCHANGED) {
    ctx.facts().Put(fact.id(), record);
    for (const storage::CutText& cut : prepared.cut_texts) {
      ctx.cut_texts().try_emplace(cut.text, &cut.word_hashes);
    }
  }
  return std::nullopt;
}

std::optional<v1::ItemError> IngestFactsOp::MergeIntoStoredFact(
    CommitContext& ctx, int index, const std::string& path,
    storage::FactRecord* record, v1::Outcome* outcome) {
  const v1::Fact& fact = *prepared_.facts[index].fact;
  storage::SetLegacyMentionWeights(ctx.commit(), record);
  const MentionChanges changes = AddMentions(fact, ctx.commit(), record);
  const int added = changes.added;
  int live_mentions = 0;
  for (const storage::MentionRecord& m : record->mentions()) {
    if (m.replaced_commit() == 0) ++live_mentions;
  }
  // Checked only when the request adds one: a merge may have combined the
  // mentions of two facts beyond the limit.
  if (added > 0 && live_mentions > kMaxMentionsPerStoredFact) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, absl::StrCat(path, ".mentions"),
        absl::StrCat("fact ", fact.id(), " already has the maximum of ",
                     kMaxMentionsPerStoredFact, " mentions"));
  }
  // Each reweighing keeps the mention it replaces for time travel: a record
  // may hold twice as many mentions as are live, and no more.
  if (changes.reweighed > 0 &&
      record->mentions_size() > 2 * kMaxMentionsPerStoredFact) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, absl::StrCat(path, ".mentions"),
        absl::StrCat("fact ", fact.id(), " keeps ", record->mentions_size(),
                     " mentions with those its sources' modality or rank "
                     "replaced; it takes no more changes of them"));
  }
  const bool attributes_changed =
      SetFactAttributes(ctx.commit(), DerivedModality(*record, fact.modality()),
                        fact.rank(), record);
  const bool updated = attributes_changed || changes.reweighed > 0;
  if (updated) {
    ctx.AddChange(
        FactChange(storage::CHANGE_KIND_FACT_UPDATED, record->content()));
  }
  if (added > 0) {
    ctx.head().set_mention_count(ctx.head().mention_count() + added);
    ctx.AddChange(
        FactChange(storage::CHANGE_KIND_MENTION_ADDED, record->content()));
  }
  *outcome = updated     ? v1::OUTCOME_UPDATED
             : added > 0 ? v1::OUTCOME_MENTION_ADDED
                         : v1::OUTCOME_UNCHANGED;
  if (*outcome == v1::OUTCOME_UNCHANGED) return CheckNotRepeated(index, path);
  return std::nullopt;
}

std::optional<v1::ItemError> IngestFactsOp::CheckNotRepeated(
    int index, const std::string& path) const {
  // The same claim with the same sources twice in one request is a
  // caller's mistake; the same claim from another source is not.
  const v1::Fact& fact = *prepared_.facts[index].fact;
  for (int j = 0; j < index; ++j) {
    if (!prepared_.facts[j].error.has_value() &&
        prepared_.facts[j].fact->id() == fact.id() &&
        SameMentions(*prepared_.facts[j].fact, fact)) {
      return MakeError(
          absl::StatusCode::kInvalidArgument, path,
          absl::StrCat("repeats facts[", j,
                       "]: the same claim with the same mentions"));
    }
  }
  return std::nullopt;
}

void IngestFactsOp::FillResultFact(CommitContext& ctx,
                                   const std::string& fact_id, uint64_t as_of,
                                   v1::FactResult* result) {
  result->set_fact_id(fact_id);
  if (options_.compact_results) return;
  auto record = ctx.facts().Get(fact_id);
  if (record.ok() && *record != nullptr) {
    storage::FactAsOf(**record, as_of, ctx.store_id(), result->mutable_fact());
    FillMentionDocuments(ctx, as_of, result->mutable_fact());
  }
}

absl::Status IngestFactsOp::Replay(const storage::RequestRecord& record,
                                   CommitContext& ctx) {
  response_.Clear();
  int accepted = 0, rejected = 0;
  for (const storage::RequestItem& item : record.items()) {
    v1::FactResult* result = response_.add_results();
    result->set_outcome(static_cast<v1::Outcome>(item.outcome()));
    if (item.has_error()) *result->mutable_error() = item.error();
    for (const std::string& id : item.created_entity_ids()) {
      result->add_created_entity_ids(id);
    }
    if (item.outcome() == v1::OUTCOME_REJECTED) {
      ++rejected;
    } else {
      ++accepted;
      // Erased facts are gone; their results keep outcome and id only.
      FillResultFact(ctx, item.id(), record.commit(), result);
    }
  }
  response_.set_accepted_count(accepted);
  response_.set_rejected_count(rejected);
  return absl::OkStatus();
}

void IngestFactsOp::RecordItems(storage::RequestRecord* record) const {
  for (const v1::FactResult& result : response_.results()) {
    storage::RequestItem* item = record->add_items();
    item->set_outcome(result.outcome());
    item->set_id(result.fact_id());
    if (result.has_error()) *item->mutable_error() = result.error();
    for (const std::string& id : result.created_entity_ids()) {
      item->add_created_entity_ids(id);
    }
  }
}

void IngestFactsOp::Done(const absl::Status& status,
                         const std::string& commit_token) {
  response_.set_commit_token(commit_token);
  callback_(status, std::move(response_));
}

RetractFactsOp::RetractFactsOp(v1::RetractFactsRequest request,
                               Callback callback)
    : request_(std::move(request)), callback_(std::move(callback)) {}

absl::Status RetractFactsOp::Apply(CommitContext& ctx) {
  response_.Clear();
  for (int i = 0; i < request_.fact_ids_size(); ++i) {
    const std::string& id = request_.fact_ids(i);
    v1::RetractResult* result = response_.add_results();
    result->set_fact_id(id);
    std::string field = absl::StrCat("fact_ids[", i, "]");
    auto record = ctx.facts().Get(id);
    if (!record.ok()) return record.status();
    if (*record == nullptr) {
      result->set_outcome(v1::OUTCOME_REJECTED);
      *result->mutable_error() = MakeError(
          absl::StatusCode::kNotFound, field,
          absl::StrCat("fact \"", absl::CHexEscape(id), "\" does not exist"));
      continue;
    }
    const storage::FactRevision& latest = *(*record)->revisions().rbegin();
    if (!latest.moved_to().empty()) {
      result->set_outcome(v1::OUTCOME_REJECTED);
      *result->mutable_error() = MakeError(
          absl::StatusCode::kFailedPrecondition, field,
          absl::StrCat("fact \"", id, "\" was replaced by fact \"",
                       latest.moved_to(),
                       "\" when an entity it names was merged; retract that "
                       "one"));
      continue;
    }
    if (latest.retracted()) {
      result->set_outcome(validate_only() ? v1::OUTCOME_VALID
                                          : v1::OUTCOME_UNCHANGED);
      continue;
    }
    storage::FactRecord updated = **record;
    storage::FactRevision revision = latest;
    revision.set_commit(ctx.commit());
    revision.set_retracted(true);
    revision.set_retraction_reason(request_.reason());
    *updated.add_revisions() = std::move(revision);
    ctx.AddChange(
        FactChange(storage::CHANGE_KIND_FACT_RETRACTED, updated.content()));
    ctx.facts().Put(id, std::move(updated));
    ctx.head().set_retracted_fact_count(ctx.head().retracted_fact_count() + 1);
    result->set_outcome(v1::OUTCOME_UPDATED);
  }
  return absl::OkStatus();
}

absl::Status RetractFactsOp::Replay(const storage::RequestRecord& record,
                                    CommitContext& ctx) {
  response_.Clear();
  for (const storage::RequestItem& item : record.items()) {
    v1::RetractResult* result = response_.add_results();
    result->set_outcome(static_cast<v1::Outcome>(item.outcome()));
    result->set_fact_id(item.id());
    if (item.has_error()) *result->mutable_error() = item.error();
  }
  return absl::OkStatus();
}

void RetractFactsOp::RecordItems(storage::RequestRecord* record) const {
  for (const v1::RetractResult& result : response_.results()) {
    storage::RequestItem* item = record->add_items();
    item->set_outcome(result.outcome());
    item->set_id(result.fact_id());
    if (result.has_error()) *item->mutable_error() = result.error();
  }
}

void RetractFactsOp::Done(const absl::Status& status,
                          const std::string& commit_token) {
  response_.set_commit_token(commit_token);
  callback_(status, std::move(response_));
}

}  // namespace factstore::ingest
