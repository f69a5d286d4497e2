#include "query_service/store_queries.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/decimal.h"
#include "common/errors.h"
#include "common/iso_date.h"
#include "common/language_tag.h"
#include "common/limits.h"
#include "common/remembered_words.h"
#include "common/status_macros.h"
#include "google/protobuf/arena.h"
#include "normalizer/name_folding.h"
#include "normalizer/search_terms.h"
#include "normalizer/units.h"
#include "protos/api_dates.h"
#include "query_service/mention_documents.h"
#include "query_service/read_checks.h"
#include "query_service/value_resolution.h"
#include "storage/commit_token.h"
#include "storage/key_codec.h"
#include "storage/record_views.h"
#include "storage/word_postings.h"

namespace factstore::query {
namespace {

using storage::ColumnFamily;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return InvalidField(field, why);
}

absl::StatusOr<int> PageSize(int requested, int default_size,
                             absl::string_view field) {
  if (requested < 0) return Invalid(field, "must not be negative");
  if (requested == 0) return default_size;
  return std::min(requested, kMaxPageSize);
}

std::string Quoted(absl::string_view s) {
  return absl::StrCat("\"", absl::CHexEscape(s.substr(0, 64)), "\"");
}

// Every entry of a `types` filter is an entity type.
absl::Status CheckEntityTypes(
    const google::protobuf::RepeatedField<int>& types) {
  for (int i = 0; i < types.size(); ++i) {
    if (types[i] == v1::ENTITY_TYPE_UNSPECIFIED ||
        !v1::EntityType_IsValid(types[i])) {
      return Invalid(absl::StrCat("types[", i, "]"), "is not an entity type");
    }
  }
  return absl::OkStatus();
}

// Sets entity->preferred_label to its label in the first of `languages`
// (ReadOptions.languages) it has one in: the exact tag first, then the
// smallest related one (common/language_tag.h).
void PreferLabel(
    const google::protobuf::RepeatedPtrField<std::string>& languages,
    v1::Entity* entity) {
  entity->clear_preferred_label();  // output only, whatever was stored
  if (entity->labels().empty()) return;
  for (const std::string& wanted : languages) {
    const std::string* chosen = nullptr;
    for (const auto& [tag, label] : entity->labels()) {
      if (absl::EqualsIgnoreCase(tag, wanted)) {
        chosen = &tag;
        break;
      }
      if (InLanguage(tag, wanted) && (chosen == nullptr || tag < *chosen)) {
        chosen = &tag;
      }
    }
    if (chosen == nullptr) continue;
    v1::EntityLabel preferred = entity->labels().at(*chosen);
    preferred.set_language(*chosen);
    *entity->mutable_preferred_label() = std::move(preferred);
    return;
  }
}

// Whether a name form was given as a label in `language` (SearchEntities'
// language filter).
bool FormInLanguage(const storage::NameForm& form, absl::string_view language) {
  for (const std::string& tag : form.languages()) {
    if (InLanguage(tag, language)) return true;
  }
  return false;
}

absl::Status CheckExternalId(const v1::ExternalId& id,
                             absl::string_view field) {
  for (const auto& [part, text] :
       {std::pair<const char*, const std::string*>{"system", &id.system()},
        {"value", &id.value()}}) {
    if (text->empty()) {
      return Invalid(absl::StrCat(field, ".", part), "is required");
    }
    if (text->size() > kMaxExternalIdBytes) {
      return Invalid(
          absl::StrCat(field, ".", part),
          absl::StrCat("is longer than ", kMaxExternalIdBytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

// Converts a DateInterval bound ("2024", "2024-08", "2024-08-02") to the
// day number of its first day.
absl::StatusOr<int32_t> FirstDayOf(absl::string_view date,
                                   absl::string_view field) {
  auto parsed = ParseIsoDate(date);
  if (!parsed.ok()) return Invalid(field, parsed.status().message());
  return DayNumber(parsed->first_day);
}

// OK if `unit` is a unit spelled canonically ("USD", "MW", "person");
// INVALID_ARGUMENT naming `field` otherwise, with the right spelling when
// there is one ("usd" is "USD", "mw" is no unit: "MW"?), so that a filter
// never silently matches nothing for a misspelling.
absl::Status CheckCanonicalUnit(const std::string& unit,
                                absl::string_view field) {
  if (unit.empty()) return Invalid(field, "is required");
  absl::StatusOr<std::string> canonical = normalizer::CanonicalizeUnit(unit);
  if (!canonical.ok()) return Invalid(field, canonical.status().message());
  if (*canonical != unit) {
    return Invalid(field, absl::StrCat("is spelled \"", *canonical, "\""));
  }
  return absl::OkStatus();
}

// A ListFacts filter with its values parsed.
struct ParsedFilter {
  const v1::FactFilter* filter;
  std::string min_amount, max_amount;  // canonical, empty when open
  int32_t time_start = kOpenFirstDay;
  int32_t time_end = kOpenEndDay;
  bool has_time = false;
};

// Checks conditions on entity qualifiers (name -> entity id), given as
// `field`: at most kMaxQualifierFilters, names of 1 to
// kMaxPredicateNameBytes bytes, entity ids required.
absl::Status CheckQualifierConditions(
    const google::protobuf::Map<std::string, std::string>& conditions,
    absl::string_view field) {
  if (conditions.size() > static_cast<size_t>(kMaxQualifierFilters)) {
    return Invalid(field,
                   absl::StrCat(conditions.size(), " qualifiers, at most ",
                                kMaxQualifierFilters));
  }
  for (const auto& [name, entity_id] : conditions) {
    std::string entry =
        absl::StrCat(field, "[\"", absl::CHexEscape(name), "\"]");
    if (name.empty() || name.size() > kMaxPredicateNameBytes) {
      return Invalid(entry, absl::StrCat("qualifier names are 1 to ",
                                         kMaxPredicateNameBytes, " bytes"));
    }
    FS_RETURN_IF_ERROR(CheckReadId(entity_id, entry, true));
  }
  return absl::OkStatus();
}

// True if `fact` has every qualifier of `conditions` with that entity value.
bool HasQualifiers(
    const v1::Fact& fact,
    const google::protobuf::Map<std::string, std::string>& conditions) {
  for (const auto& [name, entity_id] : conditions) {
    auto it = fact.qualifiers().find(name);
    if (it == fact.qualifiers().end() ||
        it->second.kind_case() != v1::Value::kEntityId ||
        it->second.entity_id() != entity_id) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<ParsedFilter> ParseFilter(const v1::FactFilter& filter) {
  ParsedFilter parsed{&filter};
  FS_RETURN_IF_ERROR(CheckReadId(filter.subject(), "filter.subject", false));
  FS_RETURN_IF_ERROR(CheckReadId(filter.object(), "filter.object", false));
  FS_RETURN_IF_ERROR(
      CheckReadId(filter.source_document(), "filter.source_document", false));
  FS_RETURN_IF_ERROR(
      CheckReadId(filter.attributed_to(), "filter.attributed_to", false));
  FS_RETURN_IF_ERROR(CheckReadId(filter.involves(), "filter.involves", false));
  FS_RETURN_IF_ERROR(
      CheckQualifierConditions(filter.qualifiers(), "filter.qualifiers"));
  FS_RETURN_IF_ERROR(
      CheckReadPredicate(filter.predicate(), "filter.predicate"));
  FS_RETURN_IF_ERROR(
      CheckReadPredicate(filter.predicate_prefix(), "filter.predicate_prefix"));
  if (!filter.predicate().empty() && !filter.predicate_prefix().empty()) {
    return Invalid("filter.predicate_prefix",
                   "give either predicate or predicate_prefix, not both");
  }
  if (filter.has_quantity_range()) {
    const v1::QuantityRange& range = filter.quantity_range();
    if (filter.predicate().empty()) {
      return Invalid("filter.quantity_range",
                     "needs filter.predicate (ranges are read from the "
                     "predicate's value index)");
    }
    FS_RETURN_IF_ERROR(
        CheckCanonicalUnit(range.unit(), "filter.quantity_range.unit"));
    for (auto [bound, field, out] :
         {std::tuple(&range.min(), "filter.quantity_range.min",
                     &parsed.min_amount),
          std::tuple(&range.max(), "filter.quantity_range.max",
                     &parsed.max_amount)}) {
      if (bound->empty()) continue;
      auto amount = CanonicalizeDecimal(*bound);
      if (!amount.ok()) return Invalid(field, amount.status().message());
      // Bounds compare in the index's base unit, where they must fit too.
      if (!IsCanonicalDecimal(
              normalizer::IndexForm(range.unit(), *amount).amount)) {
        return Invalid(
            field, absl::StrCat("has too many digits in ",
                                normalizer::IndexForm(range.unit(), "1").unit));
      }
      *out = *std::move(amount);
    }
    if (!parsed.min_amount.empty() && !parsed.max_amount.empty() &&
        CompareDecimals(parsed.min_amount, parsed.max_amount) > 0) {
      return Invalid("filter.quantity_range", "min is greater than max");
    }
  }
  if (filter.has_valid_time()) {
    parsed.has_time = true;
    if (!filter.valid_time().start().empty()) {
      FS_ASSIGN_OR_RETURN(
          parsed.time_start,
          FirstDayOf(filter.valid_time().start(), "filter.valid_time.start"));
    }
    if (!filter.valid_time().end().empty()) {
      FS_ASSIGN_OR_RETURN(parsed.time_end, FirstDayOf(filter.valid_time().end(),
                                                      "filter.valid_time.end"));
    }
    if (parsed.time_end <= parsed.time_start) {
      return Invalid("filter.valid_time", "end must be after start");
    }
  }
  for (int i = 0; i < filter.modalities_size(); ++i) {
    int m = filter.modalities(i);
    if (m == v1::MODALITY_UNSPECIFIED || !v1::Modality_IsValid(m)) {
      return Invalid(absl::StrCat("filter.modalities[", i, "]"),
                     "is not a modality");
    }
  }
  return parsed;
}

// Where a fact can name an entity, in the order an "involves" listing meets
// them: subject (the subject index), then the reference roles in the order
// of their key bytes (storage::ReferenceRole).
constexpr int kSubjectRole = 0;

// The first role, in that order, in which `fact` names `entity_id`, or -1 if
// it names it in none.
int FirstRoleOf(const v1::Fact& fact, const std::string& entity_id) {
  if (fact.subject() == entity_id) return kSubjectRole;
  if (fact.value().kind_case() == v1::Value::kEntityId &&
      fact.value().entity_id() == entity_id) {
    return static_cast<int>(storage::ReferenceRole::kObject);
  }
  for (const auto& [name, value] : fact.qualifiers()) {
    if (value.kind_case() == v1::Value::kEntityId &&
        value.entity_id() == entity_id) {
      return static_cast<int>(storage::ReferenceRole::kQualifier);
    }
  }
  int role = -1;
  for (const v1::Mention& m : fact.mentions()) {
    if (m.document_id() == entity_id) {
      return static_cast<int>(storage::ReferenceRole::kDocument);
    }
    if (m.attributed_to() == entity_id) {
      role = static_cast<int>(storage::ReferenceRole::kAttribution);
    }
  }
  return role;
}

// True if `fact` (as of the read commit) passes every filter condition.
bool Matches(const v1::Fact& fact, const ParsedFilter& parsed) {
  const v1::FactFilter& f = *parsed.filter;
  if (!f.include_retracted() && fact.retracted()) return false;
  if (!f.subject().empty() && fact.subject() != f.subject()) return false;
  if (!f.predicate().empty() && fact.predicate() != f.predicate()) return false;
  if (!f.predicate_prefix().empty() &&
      !absl::StartsWith(fact.predicate(), f.predicate_prefix())) {
    return false;
  }
  if (!f.object().empty() &&
      (fact.value().kind_case() != v1::Value::kEntityId ||
       fact.value().entity_id() != f.object())) {
    return false;
  }
  if (f.has_quantity_range()) {
    if (fact.value().kind_case() != v1::Value::kQuantity) return false;
    const v1::Quantity& q = fact.value().quantity();
    // In the filter's unit: 2.5 GW is 2500 MW; USD is never KRW.
    const std::optional<std::string> amount = normalizer::ConvertAmount(
        q.amount(), q.unit(), f.quantity_range().unit());
    if (!amount.has_value()) return false;
    if (!parsed.min_amount.empty()) {
      int c = CompareDecimals(*amount, parsed.min_amount);
      if (c < 0 || (c == 0 && f.quantity_range().min_exclusive())) return false;
    }
    if (!parsed.max_amount.empty()) {
      int c = CompareDecimals(*amount, parsed.max_amount);
      if (c > 0 || (c == 0 && f.quantity_range().max_exclusive())) return false;
    }
  }
  if (parsed.has_time) {
    auto range = ValidTimeRange(fact.valid_time());
    if (!range.ok() || !range->has_value()) return false;
    if ((*range)->end <= parsed.time_start ||
        (*range)->first >= parsed.time_end) {
      return false;
    }
  }
  if (!f.source_document().empty()) {
    bool found = false;
    for (const v1::Mention& m : fact.mentions()) {
      found = found || m.document_id() == f.source_document();
    }
    if (!found) return false;
  }
  if (f.modalities_size() > 0 &&
      std::find(f.modalities().begin(), f.modalities().end(),
                fact.modality()) == f.modalities().end()) {
    return false;
  }
  if (!HasQualifiers(fact, f.qualifiers())) return false;
  if (!f.attributed_to().empty()) {
    bool found = false;
    for (const v1::Mention& m : fact.mentions()) {
      found = found || m.attributed_to() == f.attributed_to();
    }
    if (!found) return false;
  }
  if (!f.involves().empty() && FirstRoleOf(fact, f.involves()) < 0) {
    return false;
  }
  return true;
}

// One range of one index that a ListFacts plan reads.
struct IndexRange {
  ColumnFamily family;
  std::string lower;
  std::string upper;  // empty: to the end of the family
};

struct Plan {
  std::string index;
  std::vector<IndexRange> ranges;
};

Plan MakePlan(const ParsedFilter& parsed, const storage::StoreHead& head) {
  const v1::FactFilter& f = *parsed.filter;
  auto prefix_range = [](ColumnFamily cf, std::string prefix) {
    std::string upper = storage::PrefixSuccessor(prefix);
    return IndexRange{cf, std::move(prefix), std::move(upper)};
  };
  if (!f.subject().empty()) {
    std::string prefix =
        !f.predicate().empty()
            ? storage::SubjectPredicatePrefix(f.subject(), f.predicate())
        : !f.predicate_prefix().empty() ? storage::SubjectPredicateStemPrefix(
                                              f.subject(), f.predicate_prefix())
                                        : storage::SubjectPrefix(f.subject());
    return {"subject_predicate",
            {prefix_range(ColumnFamily::kSubjectIndex, std::move(prefix))}};
  }
  if (!f.object().empty()) {
    return {"object",
            {prefix_range(ColumnFamily::kReferenceIndex,
                          storage::ReferencePrefix(
                              f.object(), storage::ReferenceRole::kObject))}};
  }
  if (!f.source_document().empty()) {
    return {"source",
            {prefix_range(
                ColumnFamily::kReferenceIndex,
                storage::ReferencePrefix(f.source_document(),
                                         storage::ReferenceRole::kDocument))}};
  }
  if (!f.qualifiers().empty()) {
    // The first qualifier by name, so that a page token's plan is the same
    // whatever order the map came in.
    std::string name = f.qualifiers().begin()->first;
    for (const auto& [other, unused] : f.qualifiers())
      name = std::min(name, other);
    return {"qualifier",
            {prefix_range(
                ColumnFamily::kReferenceIndex,
                storage::ReferencePrefix(f.qualifiers().at(name),
                                         storage::ReferenceRole::kQualifier))}};
  }
  if (!f.attributed_to().empty()) {
    return {"attribution",
            {prefix_range(
                ColumnFamily::kReferenceIndex,
                storage::ReferencePrefix(
                    f.attributed_to(), storage::ReferenceRole::kAttribution))}};
  }
  if (!f.involves().empty()) {
    // Facts about it, then those referring to it in any role; a fact that
    // names it in several roles is delivered at the first (FirstRoleOf).
    return {"involves",
            {prefix_range(ColumnFamily::kSubjectIndex,
                          storage::SubjectPrefix(f.involves())),
             prefix_range(ColumnFamily::kReferenceIndex,
                          storage::ReferenceEntityPrefix(f.involves()))}};
  }
  if (f.has_quantity_range()) {
    const std::string& unit = f.quantity_range().unit();
    std::string prefix = storage::PredicateQuantityPrefix(f.predicate(), unit);
    std::string lower = parsed.min_amount.empty()
                            ? prefix
                            : storage::PredicateQuantityBound(
                                  f.predicate(), unit, parsed.min_amount);
    std::string upper =
        parsed.max_amount.empty()
            ? storage::PrefixSuccessor(prefix)
            : storage::PrefixSuccessor(storage::PredicateQuantityBound(
                  f.predicate(), unit, parsed.max_amount));
    return {"predicate_value",
            {IndexRange{ColumnFamily::kPredicateIndex, lower, upper}}};
  }
  if (!f.predicate().empty()) {
    return {"predicate_value",
            {prefix_range(ColumnFamily::kPredicateIndex,
                          storage::PredicatePrefix(f.predicate()))}};
  }
  if (!f.predicate_prefix().empty()) {
    return {"predicate_value",
            {prefix_range(ColumnFamily::kPredicateIndex,
                          storage::PredicateStemPrefix(f.predicate_prefix()))}};
  }
  if (parsed.has_time) {
    // Bounded intervals overlapping [start, end) start at or after
    // start - (the longest bounded span) and before end; open ones are few
    // and read whole up to end.
    int64_t earliest =
        static_cast<int64_t>(parsed.time_start) - head.max_valid_span_days();
    uint32_t from = static_cast<uint32_t>(std::max<int64_t>(earliest, 0));
    uint32_t to = static_cast<uint32_t>(parsed.time_end);
    return {
        "valid_time",
        {IndexRange{ColumnFamily::kValidTimeIndex,
                    storage::ValidTimeStartBound(
                        storage::IntervalClass::kBounded, from),
                    storage::ValidTimeStartBound(
                        storage::IntervalClass::kBounded, to)},
         IndexRange{
             ColumnFamily::kValidTimeIndex,
             storage::ValidTimeStartBound(storage::IntervalClass::kOpen, 0),
             storage::ValidTimeStartBound(storage::IntervalClass::kOpen, to)}}};
  }
  return {"all_facts", {IndexRange{ColumnFamily::kFacts, "", ""}}};
}

// The fact id an index key of `family` points to, and for the subject and
// reference indexes the role it names its entity in (FirstRoleOf's numbers;
// -1 for the other indexes).
bool FactIdOfKey(ColumnFamily family, absl::string_view key, std::string* id,
                 int* role) {
  *role = -1;
  switch (family) {
    case ColumnFamily::kSubjectIndex: {
      storage::SubjectIndexParts parts;
      if (!storage::DecodeSubjectIndexKey(key, &parts)) return false;
      *id = std::move(parts.fact_id);
      *role = kSubjectRole;
      return true;
    }
    case ColumnFamily::kReferenceIndex: {
      storage::ReferenceIndexParts parts;
      if (!storage::DecodeReferenceIndexKey(key, &parts)) return false;
      *id = std::move(parts.fact_id);
      *role = static_cast<int>(parts.role);
      return true;
    }
    case ColumnFamily::kPredicateIndex: {
      storage::PredicateIndexParts parts;
      if (!storage::DecodePredicateIndexKey(key, &parts)) return false;
      *id = std::move(parts.fact_id);
      return true;
    }
    case ColumnFamily::kValidTimeIndex: {
      storage::ValidTimeIndexParts parts;
      if (!storage::DecodeValidTimeIndexKey(key, &parts)) return false;
      *id = std::move(parts.fact_id);
      return true;
    }
    case ColumnFamily::kFacts:
      return storage::DecodeStringKey(key, id);
    default:
      return false;
  }
}

std::string ErasedMessage(const storage::TombstoneRecord& tombstone,
                          absl::string_view id) {
  const storage::TombstoneEntry& last = *tombstone.erasures().rbegin();
  return absl::StrCat("entity ", Quoted(id), " was erased at ",
                      absl::FormatTime(absl::RFC3339_sec,
                                       absl::FromUnixMicros(last.time_micros()),
                                       absl::UTCTimeZone()),
                      " (", last.reason(), ")");
}

}  // namespace

StoreQueries::StoreQueries(const storage::Store* store,
                           int64_t max_keys_per_read,
                           DocumentCache* document_cache)
    : store_(store),
      max_keys_per_read_(max_keys_per_read),
      document_cache_(document_cache),
      tokens_(store->identity().token_secret()) {}

std::string StoreQueries::CommitToken(uint64_t commit) const {
  return storage::EncodeCommitToken(store_->store_id(), commit);
}

absl::StatusOr<std::optional<PageCursor>> StoreQueries::DecodeCursor(
    const std::string& token, const google::protobuf::Message& query) const {
  if (token.empty()) return std::optional<PageCursor>();
  FS_ASSIGN_OR_RETURN(
      PageCursor cursor,
      tokens_.Decode(token, QueryFingerprint(query), absl::Now()));
  return std::optional<PageCursor>(std::move(cursor));
}

PageCursor StoreQueries::NewCursor(
    const google::protobuf::Message& query, uint64_t commit,
    const std::optional<PageCursor>& previous) const {
  PageCursor cursor;
  cursor.set_query_fingerprint(QueryFingerprint(query));
  cursor.set_commit(commit);
  cursor.set_issue_time_micros(previous.has_value()
                                   ? previous->issue_time_micros()
                                   : absl::ToUnixMicros(absl::Now()));
  return cursor;
}

namespace {

template <typename Request>
Request QueryPart(const Request& request) {
  Request query = request;
  query.clear_page_token();
  query.clear_page_size();
  query.clear_read_options();
  return query;
}

}  // namespace

absl::StatusOr<std::optional<PageCursor>> StoreQueries::ListFactsCursor(
    const v1::ListFactsRequest& request) const {
  return DecodeCursor(request.page_token(), QueryPart(request));
}

absl::StatusOr<std::optional<PageCursor>> StoreQueries::ListEntitiesCursor(
    const v1::ListEntitiesRequest& request) const {
  return DecodeCursor(request.page_token(), QueryPart(request));
}

absl::StatusOr<std::optional<PageCursor>> StoreQueries::SearchEntitiesCursor(
    const v1::SearchEntitiesRequest& request) const {
  return DecodeCursor(request.page_token(), QueryPart(request));
}

absl::StatusOr<std::optional<PageCursor>> StoreQueries::ListPredicatesCursor(
    const v1::ListPredicatesRequest& request) const {
  return DecodeCursor(request.page_token(), QueryPart(request));
}

absl::StatusOr<std::optional<PageCursor>> StoreQueries::SearchFactsCursor(
    const v1::SearchFactsRequest& request) const {
  return DecodeCursor(request.page_token(), QueryPart(request));
}

namespace {

absl::Status TooManyRedirectsError(const std::string& id) {
  return absl::DataLossError(absl::StrCat("id ", Quoted(id),
                                          " redirects through more than ",
                                          kMaxRedirectHops, " merges"));
}

}  // namespace

namespace {

// The arena to parse the stored records of an answer on: the answer's own
// (the query service makes a point read's messages on one, gRPC's
// MessageAllocator), so that FactAsOf moves the records' parts into it, or
// `*local` for an answer on the heap, which then gets copies.
google::protobuf::Arena* RecordArenaFor(
    const google::protobuf::MessageLite& answer,
    std::optional<google::protobuf::Arena>* local) {
  if (google::protobuf::Arena* arena = answer.GetArena()) return arena;
  return &local->emplace();
}

// The options of an arena for one batch of records a scan reads and mostly
// drops, freed when the batch is done: a scan through many records that do
// not match then holds one batch of them at a time. A batch of 256 facts
// takes a few hundred KiB.
google::protobuf::ArenaOptions ScanBatchArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 64 * 1024;
  options.max_block_size = 256 * 1024;
  return options;
}

// The arena to parse the next batch of a scan's records on, once `examined`
// index entries have been read: `answer_arena` (when the answer has one)
// within its first `answer_arena_entries`, so that what moves into the answer
// moves its parts instead of copying them; after that `*batch_arena`, made
// here for this batch and freed with it, so that what the scan drops does not
// pile up (and what it keeps is copied into the answer).
google::protobuf::Arena* BatchArena(
    google::protobuf::Arena* answer_arena, int64_t examined,
    int64_t answer_arena_entries,
    std::optional<google::protobuf::Arena>* batch_arena) {
  if (answer_arena != nullptr && examined < answer_arena_entries) {
    return answer_arena;
  }
  return &batch_arena->emplace(ScanBatchArenaOptions());
}

// Reads record `id` as of `commit` into `out`, following the redirects of
// merges: `read(id)` reads a record, `next(record, commit)` is the id it had
// moved to by then (or null), `view(record&&, commit, out)` fills `out` and
// is false if the record did not exist then. Sets out->redirected_from when
// it followed a redirect; false if there is no such record then.
template <typename Read, typename Next, typename View, typename Message>
absl::StatusOr<bool> ReadFollowingRedirects(const std::string& id,
                                            uint64_t commit, Read read,
                                            Next next, View view,
                                            Message* out) {
  std::string current = id;
  for (int hop = 0; hop <= kMaxRedirectHops; ++hop) {
    auto record = read(current);
    if (absl::IsNotFound(record.status())) return false;
    if (!record.ok()) return record.status();
    if (const std::string* moved = next(*record, commit)) {
      current = *moved;
      continue;
    }
    if (!view(*std::move(record), commit, out)) return false;
    if (current != id) out->set_redirected_from(id);
    return true;
  }
  return TooManyRedirectsError(id);
}

}  // namespace

absl::StatusOr<bool> StoreQueries::EntityAt(const std::string& id,
                                            uint64_t commit,
                                            v1::Entity* out) const {
  return ReadFollowingRedirects(
      id, commit,
      [this](const std::string& key) { return store_->ReadEntity(key); },
      storage::EntityMergedIntoAsOf,
      [this](storage::EntityRecord&& record, uint64_t at, v1::Entity* entity) {
        return storage::EntityAsOf(std::move(record), at, store_->store_id(),
                                   entity);
      },
      out);
}

absl::StatusOr<bool> StoreQueries::FactAt(const std::string& id,
                                          uint64_t commit,
                                          v1::Fact* out) const {
  std::optional<google::protobuf::Arena> local;
  google::protobuf::Arena* arena = RecordArenaFor(*out, &local);
  return ReadFollowingRedirects(
      id, commit,
      [this, arena](const std::string& key) {
        return store_->ReadFact(key, arena);
      },
      [](const storage::FactRecord* record, uint64_t at) {
        return storage::FactMovedToAsOf(*record, at);
      },
      [this](storage::FactRecord* record, uint64_t at, v1::Fact* fact) {
        return storage::FactAsOf(std::move(*record), at, store_->store_id(),
                                 fact);
      },
      out);
}

absl::Status StoreQueries::FollowEntityRedirect(
    std::string* id, uint64_t commit,
    google::protobuf::RepeatedPtrField<v1::Redirect>* redirects) const {
  if (id->empty()) return absl::OkStatus();
  std::string current = *id;
  for (int hop = 0; hop <= kMaxRedirectHops; ++hop) {
    auto record = store_->ReadEntity(current);
    if (absl::IsNotFound(record.status())) break;
    if (!record.ok()) return record.status();
    const std::string* into = storage::EntityMergedIntoAsOf(*record, commit);
    if (into == nullptr) break;
    current = *into;
    if (hop == kMaxRedirectHops) return TooManyRedirectsError(*id);
  }
  if (current == *id) return absl::OkStatus();
  v1::Redirect* redirect = redirects->Add();
  redirect->set_from_id(*id);
  redirect->set_to_id(current);
  *id = std::move(current);
  return absl::OkStatus();
}

absl::Status StoreQueries::GetEntity(const v1::GetEntityRequest& request,
                                     uint64_t commit,
                                     v1::GetEntityResponse* response) const {
  FS_RETURN_IF_ERROR(CheckReadId(request.id(), "id", true));
  response->set_commit_token(CommitToken(commit));
  FS_ASSIGN_OR_RETURN(
      bool found, EntityAt(request.id(), commit, response->mutable_entity()));
  if (found) {
    PreferLabel(request.read_options().languages(), response->mutable_entity());
    return absl::OkStatus();
  }
  response->clear_entity();
  auto tombstone = store_->ReadTombstone(request.id());
  if (tombstone.ok() && !tombstone->erasures().empty()) {
    return WithReason(
        absl::NotFoundError(ErasedMessage(*tombstone, request.id())),
        reason::kEntityErased);
  }
  return WithReason(absl::NotFoundError(absl::StrCat(
                        "entity ", Quoted(request.id()), " does not exist")),
                    reason::kEntityNotFound);
}

absl::Status StoreQueries::BatchGetEntities(
    const v1::BatchGetEntitiesRequest& request, uint64_t commit,
    v1::BatchGetEntitiesResponse* response) const {
  if (request.ids_size() > kMaxBatchGet) {
    return Invalid("ids", absl::StrCat(request.ids_size(), " ids, at most ",
                                       kMaxBatchGet));
  }
  for (int i = 0; i < request.ids_size(); ++i) {
    FS_RETURN_IF_ERROR(
        CheckReadId(request.ids(i), absl::StrCat("ids[", i, "]"), true));
  }
  response->set_commit_token(CommitToken(commit));
  for (const std::string& id : request.ids()) {
    v1::Entity entity;
    FS_ASSIGN_OR_RETURN(bool found, EntityAt(id, commit, &entity));
    if (found) {
      PreferLabel(request.read_options().languages(), &entity);
      *response->add_entities() = std::move(entity);
    } else {
      response->add_missing_ids(id);
    }
  }
  return absl::OkStatus();
}

absl::Status StoreQueries::ListEntities(
    const v1::ListEntitiesRequest& request, uint64_t commit,
    const std::optional<PageCursor>& cursor, const StopCheck& stop,
    v1::ListEntitiesResponse* response) const {
  FS_RETURN_IF_ERROR(CheckEntityTypes(request.types()));
  FS_ASSIGN_OR_RETURN(
      int page_size,
      PageSize(request.page_size(), kDefaultEntityPageSize, "page_size"));
  response->set_commit_token(CommitToken(commit));

  // One scan per requested type, by type number, of its type index entries;
  // without types, one scan of the entities themselves.
  std::vector<int> types(request.types().begin(), request.types().end());
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  const bool by_type = !types.empty();
  const int scans = by_type ? static_cast<int>(types.size()) : 1;
  int phase = cursor.has_value() ? static_cast<int>(cursor->phase()) : 0;
  // The last entry examined in this scan: where a next page goes on.
  std::string after = cursor.has_value() ? cursor->after_key() : "";
  int64_t examined = 0;
  auto next_page = [&](int at_phase) {
    PageCursor next = NewCursor(QueryPart(request), commit, cursor);
    next.set_phase(static_cast<uint32_t>(at_phase));
    next.set_after_key(after);
    response->set_next_page_token(tokens_.Encode(next));
  };
  for (; phase < scans; ++phase, after.clear()) {
    auto scan =
        by_type ? store_->ScanPrefix(ColumnFamily::kNames,
                                     storage::EntityTypePrefix(types[phase]))
                : store_->ScanPrefix(ColumnFamily::kEntities, "");
    if (!after.empty()) scan->SeekPast(after);
    for (; scan->Valid(); scan->Next()) {
      if (examined == max_keys_per_read_) {
        // The budget is spent before this entry: the next page starts at it.
        next_page(phase);
        return absl::OkStatus();
      }
      after.assign(scan->key().data(), scan->key().size());
      if (++examined % 256 == 0 && stop && stop()) {
        return absl::CancelledError("the call was cancelled or timed out");
      }
      storage::EntityRecord record;
      if (by_type) {
        int type;
        std::string id;
        if (!storage::DecodeEntityTypeKey(scan->key(), &type, &id)) {
          return absl::DataLossError("malformed entity type index key");
        }
        auto read = store_->ReadEntity(id);
        if (absl::IsNotFound(read.status())) continue;
        if (!read.ok()) return read.status();
        record = *std::move(read);
      } else if (!record.ParseFromArray(
                     scan->value().data(),
                     static_cast<int>(scan->value().size()))) {
        return absl::DataLossError("entity record does not parse");
      }
      const storage::EntityRevision* revision =
          storage::EntityRevisionAsOf(record, commit);
      // Not created yet at `commit`, or of another type then.
      if (revision == nullptr ||
          (by_type && revision->entity().type() != types[phase])) {
        continue;
      }
      v1::Entity* entity = response->add_entities();
      storage::EntityAsOf(std::move(record), commit, store_->store_id(),
                          entity);
      PreferLabel(request.read_options().languages(), entity);
      if (response->entities_size() == page_size) {
        scan->Next();
        if (scan->Valid() || phase + 1 < scans) next_page(phase);
        return scan->status();
      }
    }
    FS_RETURN_IF_ERROR(scan->status());
  }
  return absl::OkStatus();
}

absl::Status StoreQueries::AddEntitiesWithExternalId(
    const v1::ExternalId& id, uint64_t commit,
    const google::protobuf::RepeatedPtrField<std::string>& languages,
    const StopCheck& stop, int64_t* examined,
    google::protobuf::RepeatedPtrField<v1::Entity>* out) const {
  auto scan = store_->ScanPrefix(
      ColumnFamily::kNames, storage::ExternalIdPrefix(id.system(), id.value()));
  absl::flat_hash_set<std::string> listed;  // entity ids added to `out`
  for (; scan->Valid(); scan->Next()) {
    if (*examined == max_keys_per_read_) {
      return WithReason(
          absl::ResourceExhaustedError(absl::StrCat(
              "the identifiers are carried by more than ", max_keys_per_read_,
              " entities (--max_keys_per_read), the most one lookup reads; "
              "the last one read was ",
              Quoted(id.system()), ": ", Quoted(id.value()))),
          reason::kReadTooLarge);
    }
    if (++*examined % 256 == 0 && stop && stop()) {
      return absl::CancelledError("the call was cancelled or timed out");
    }
    std::string system, value, entity_id;
    if (!storage::DecodeExternalIdKey(scan->key(), &system, &value,
                                      &entity_id)) {
      return absl::DataLossError("malformed external id index key");
    }
    auto record = store_->ReadEntity(entity_id);
    if (absl::IsNotFound(record.status())) continue;
    if (!record.ok()) return record.status();
    // The entry stays when the entity drops the identifier later; a read
    // before that finds it, a read after does not. A merged entity's last
    // revision keeps its identifiers, and leads to the survivor.
    const storage::EntityRevision* revision = nullptr;
    for (const storage::EntityRevision& r : record->revisions()) {
      if (r.commit() > commit) break;
      revision = &r;
    }
    if (revision == nullptr) continue;
    auto carried = revision->entity().external_ids().find(id.system());
    if (carried == revision->entity().external_ids().end() ||
        carried->second != id.value()) {
      continue;
    }
    v1::Entity entity;
    if (revision->merged_into().empty()) {
      storage::EntityAsOf(*std::move(record), commit, store_->store_id(),
                          &entity);
    } else {
      FS_ASSIGN_OR_RETURN(bool found, EntityAt(entity_id, commit, &entity));
      if (!found) continue;
    }
    // A survivor once, however many of its ids carry the identifier.
    if (!listed.insert(entity.id()).second) continue;
    PreferLabel(languages, &entity);
    *out->Add() = std::move(entity);
  }
  return scan->status();
}

absl::Status StoreQueries::LookupEntity(
    const v1::LookupEntityRequest& request, uint64_t commit,
    const StopCheck& stop, v1::LookupEntityResponse* response) const {
  FS_RETURN_IF_ERROR(CheckExternalId(request.external_id(), "external_id"));
  response->set_commit_token(CommitToken(commit));
  int64_t examined = 0;
  FS_RETURN_IF_ERROR(AddEntitiesWithExternalId(
      request.external_id(), commit, request.read_options().languages(), stop,
      &examined, response->mutable_entities()));
  if (response->entities_size() == 0) {
    return WithReason(absl::NotFoundError(absl::StrCat(
                          "no entity has external id ",
                          Quoted(request.external_id().system()), ": ",
                          Quoted(request.external_id().value()), " at commit ",
                          CommitToken(commit))),
                      reason::kEntityNotFound);
  }
  return absl::OkStatus();
}

absl::Status StoreQueries::BatchLookupEntities(
    const v1::BatchLookupEntitiesRequest& request, uint64_t commit,
    const StopCheck& stop, v1::BatchLookupEntitiesResponse* response) const {
  if (request.external_ids_size() > kMaxBatchGet) {
    return Invalid("external_ids",
                   absl::StrCat(request.external_ids_size(),
                                " identifiers, at most ", kMaxBatchGet));
  }
  for (int i = 0; i < request.external_ids_size(); ++i) {
    FS_RETURN_IF_ERROR(CheckExternalId(request.external_ids(i),
                                       absl::StrCat("external_ids[", i, "]")));
  }
  response->set_commit_token(CommitToken(commit));
  int64_t examined = 0;
  for (const v1::ExternalId& id : request.external_ids()) {
    v1::ExternalIdMatch match;
    FS_RETURN_IF_ERROR(AddEntitiesWithExternalId(
        id, commit, request.read_options().languages(), stop, &examined,
        match.mutable_entities()));
    if (match.entities().empty()) {
      *response->add_missing() = id;
    } else {
      *match.mutable_external_id() = id;
      *response->add_matches() = std::move(match);
    }
  }
  return absl::OkStatus();
}

absl::Status StoreQueries::SearchEntities(
    const v1::SearchEntitiesRequest& request, uint64_t commit,
    const std::optional<PageCursor>& cursor, const StopCheck& stop,
    v1::SearchEntitiesResponse* response) const {
  if (request.query().empty()) return Invalid("query", "is required");
  if (request.query().size() > kMaxSearchQueryBytes) {
    return Invalid("query", absl::StrCat("is longer than ",
                                         kMaxSearchQueryBytes, " bytes"));
  }
  FS_RETURN_IF_ERROR(CheckEntityTypes(request.types()));
  if (!request.language().empty() && !IsLanguageTag(request.language())) {
    return Invalid("language",
                   "is not a BCP-47 language tag like \"vi\", \"ko\" or "
                   "\"en\"");
  }
  FS_ASSIGN_OR_RETURN(
      int page_size,
      PageSize(request.page_size(), kDefaultSearchPageSize, "page_size"));
  std::string q = normalizer::FoldName(request.query());
  if (q.empty()) {
    return Invalid("query",
                   absl::StrCat(Quoted(request.query()),
                                " has no letters or digits to search for"));
  }
  response->set_commit_token(CommitToken(commit));

  // Phase 0: names equal to q; 1: names starting with q; 2: later words
  // starting with q. An entity is listed once, in the first phase it
  // qualifies for, at its smallest qualifying name.
  int last_phase = request.exact_only() ? 0 : 2;
  int phase = cursor.has_value() ? static_cast<int>(cursor->phase()) : 0;
  // The last entry examined in this phase: where a next page goes on.
  std::string after = cursor.has_value() ? cursor->after_key() : "";
  int64_t examined = 0;
  // Whether a batch was read: `stop` is asked before every later one, so
  // that a search given little time stops after its first batch at most.
  bool read_a_batch = false;
  std::unique_ptr<storage::KeyScan> scan;
  for (; phase <= last_phase; ++phase, after.clear()) {
    storage::NameKind kind = phase == 2 ? storage::NameKind::kWordSuffix
                                        : storage::NameKind::kFullName;
    // The keys of this phase; phase 0 scans the range of phase 1, as its
    // names come first in it (storage::NameExactPrefix), and phase 1 goes on
    // with the same scan where phase 0 left it: one iterator and one seek
    // fewer per call.
    const std::string prefix = phase == 0 ? storage::NameExactPrefix(kind, q)
                                          : storage::NamePrefix(kind, q);
    if (phase != 1 || scan == nullptr || !after.empty()) {
      scan = store_->ScanPrefix(ColumnFamily::kNames,
                                storage::NamePrefix(kind, q));
      if (!after.empty()) scan->SeekPast(after);
    }
    auto in_phase = [&] {
      return scan->Valid() && absl::StartsWith(scan->key(), prefix);
    };
    // The entries are read in batches, their entities with one MultiGet
    // each (the first batches on the answer's arena, later ones on an arena
    // per batch; see below), and then taken in index order.
    struct Entry {
      std::string key;
      storage::NameKeyParts parts;
      int read = -1;  // index into the batch's reads; -1: not read
    };
    std::vector<Entry> entries;
    std::vector<std::string> entity_ids;
    while (in_phase()) {
      if (read_a_batch && stop && stop()) {
        return absl::CancelledError("the call was cancelled");
      }
      read_a_batch = true;
      const int64_t examined_before_batch = examined;
      entries.clear();
      entity_ids.clear();
      // As many entries as the page still needs if all qualify, within
      // [16, 256].
      const size_t wanted = std::clamp<size_t>(
          static_cast<size_t>(page_size - response->matches_size()), 16, 256);
      bool budget_spent = false;
      for (; in_phase() && entries.size() < wanted; scan->Next()) {
        if (examined == max_keys_per_read_) {
          budget_spent = true;
          break;
        }
        if (++examined % 256 == 0 && stop && stop()) {
          return absl::CancelledError("the call was cancelled");
        }
        Entry& entry = entries.emplace_back();
        entry.key.assign(scan->key().data(), scan->key().size());
        if (!storage::DecodeNameKey(entry.key, &entry.parts)) {
          return absl::DataLossError("malformed name index key");
        }
        if (phase == 1 && entry.parts.folded == q) continue;
        entry.read = static_cast<int>(entity_ids.size());
        entity_ids.push_back(entry.parts.entity_id);
      }
      FS_RETURN_IF_ERROR(scan->status());
      // Two pages' worth of entries on the answer's arena, as ListFacts: the
      // entity of each match moves into the answer.
      std::optional<google::protobuf::Arena> batch_arena;
      google::protobuf::Arena* arena =
          BatchArena(response->GetArena(), examined_before_batch,
                     2 * static_cast<int64_t>(page_size), &batch_arena);
      std::vector<absl::StatusOr<storage::EntityRecord*>> records =
          store_->ReadEntities(entity_ids, arena);
      for (size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        after = entry.key;
        if (entry.read < 0) continue;
        absl::StatusOr<storage::EntityRecord*>& record = records[entry.read];
        if (absl::IsNotFound(record.status())) continue;
        if (!record.ok()) return record.status();
        const storage::EntityRevision* revision =
            storage::EntityRevisionAsOf(**record, commit);
        if (revision == nullptr) continue;
        int type = revision->entity().type();
        if (request.types_size() > 0 &&
            std::find(request.types().begin(), request.types().end(), type) ==
                request.types().end()) {
          continue;
        }
        // Where does this entity qualify first, and at which key?
        const storage::NameForm* matched = nullptr;
        bool exact = false, prefix_match = false;
        std::string smallest;  // smallest qualifying folded text of this phase
        for (const storage::NameForm& form : revision->name_forms()) {
          if (!request.language().empty() &&
              !FormInLanguage(form, request.language())) {
            continue;
          }
          if (form.folded() == q) exact = true;
          if (absl::StartsWith(form.folded(), q)) prefix_match = true;
          if (phase == 0 && form.folded() == q && matched == nullptr)
            matched = &form;
          if (phase == 1 && absl::StartsWith(form.folded(), q) &&
              (smallest.empty() || form.folded() < smallest)) {
            smallest = form.folded();
            matched = &form;
          }
          if (phase == 2) {
            for (const std::string& suffix : form.word_suffixes()) {
              if (absl::StartsWith(suffix, q) &&
                  (smallest.empty() || suffix < smallest)) {
                smallest = suffix;
                matched = &form;
              }
            }
          }
        }
        if (matched == nullptr) continue;  // a name it no longer had then
        if (phase == 1 && (exact || smallest != entry.parts.folded)) continue;
        if (phase == 2 && (prefix_match || smallest != entry.parts.folded)) {
          continue;
        }
        v1::EntityMatch* match = response->add_matches();
        match->set_matched_name(matched->text());
        storage::EntityAsOf(std::move(**record), commit, store_->store_id(),
                            match->mutable_entity());
        PreferLabel(request.read_options().languages(),
                    match->mutable_entity());
        match->set_match_kind(phase == 0   ? v1::MATCH_KIND_EXACT
                              : phase == 1 ? v1::MATCH_KIND_PREFIX
                                           : v1::MATCH_KIND_WORD_PREFIX);
        if (response->matches_size() == page_size) {
          bool more =
              i + 1 < entries.size() || in_phase() || phase < last_phase;
          if (more) {
            PageCursor next = NewCursor(QueryPart(request), commit, cursor);
            next.set_phase(static_cast<uint32_t>(phase));
            next.set_after_key(after);  // this entry's key
            response->set_next_page_token(tokens_.Encode(next));
          }
          return absl::OkStatus();
        }
      }
      if (budget_spent) {
        // The budget is spent before the next entry: the next page starts
        // after the last one examined.
        PageCursor next = NewCursor(QueryPart(request), commit, cursor);
        next.set_phase(static_cast<uint32_t>(phase));
        next.set_after_key(after);
        response->set_next_page_token(tokens_.Encode(next));
        return absl::OkStatus();
      }
    }
    FS_RETURN_IF_ERROR(scan->status());
  }
  return absl::OkStatus();
}

absl::Status StoreQueries::GetFact(const v1::GetFactRequest& request,
                                   uint64_t commit,
                                   v1::GetFactResponse* response) const {
  FS_RETURN_IF_ERROR(CheckReadId(request.id(), "id", true));
  response->set_commit_token(CommitToken(commit));
  FS_ASSIGN_OR_RETURN(bool found,
                      FactAt(request.id(), commit, response->mutable_fact()));
  if (found) {
    MentionDocuments documents(store_, commit, document_cache_);
    return documents.Fill(response->mutable_fact());
  }
  response->clear_fact();
  return WithReason(absl::NotFoundError(absl::StrCat(
                        "fact ", Quoted(request.id()),
                        " does not exist at commit ", CommitToken(commit))),
                    reason::kFactNotFound);
}

absl::Status StoreQueries::BatchGetFacts(
    const v1::BatchGetFactsRequest& request, uint64_t commit,
    v1::BatchGetFactsResponse* response) const {
  if (request.ids_size() > kMaxBatchGet) {
    return Invalid("ids", absl::StrCat(request.ids_size(), " ids, at most ",
                                       kMaxBatchGet));
  }
  std::vector<std::string> ids;
  for (int i = 0; i < request.ids_size(); ++i) {
    FS_RETURN_IF_ERROR(
        CheckReadId(request.ids(i), absl::StrCat("ids[", i, "]"), true));
    ids.push_back(request.ids(i));
  }
  response->set_commit_token(CommitToken(commit));
  std::optional<google::protobuf::Arena> local;
  std::vector<absl::StatusOr<storage::FactRecord*>> records =
      store_->ReadFacts(ids, RecordArenaFor(*response, &local));
  MentionDocuments documents(store_, commit, document_cache_);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!records[i].ok() && !absl::IsNotFound(records[i].status())) {
      return records[i].status();
    }
    v1::Fact* fact = response->add_facts();
    bool found = false;
    if (records[i].ok()) {
      // A fact a merge gave a new id is read again there (rare: one more
      // read for it alone).
      if (const std::string* moved =
              storage::FactMovedToAsOf(**records[i], commit)) {
        FS_ASSIGN_OR_RETURN(found, FactAt(*moved, commit, fact));
        if (found) fact->set_redirected_from(ids[i]);
      } else {
        found = storage::FactAsOf(std::move(**records[i]), commit,
                                  store_->store_id(), fact);
      }
    }
    if (!found) {
      response->mutable_facts()->RemoveLast();
      response->add_missing_ids(ids[i]);
    }
  }
  return documents.Fill(response->mutable_facts());
}

absl::Status StoreQueries::ValidateFilter(const v1::FactFilter& filter) {
  return ParseFilter(filter).status();
}

namespace {

// Where a scan of a plan's index ranges stopped: in which range, after which
// index entry, and whether entries are left after it.
struct ScanPosition {
  size_t range_index = 0;
  std::string after_key;  // empty: from the start of the range
  bool more = false;
};

// Visits, in index order from `from` on, the facts `plan` yields that match
// `parsed` as of `commit` (an "involves" plan: each fact once, at the entry
// of the first role it names the entity in now, FirstRoleOf), until `visit`
// returns false or `max_keys` index entries have been examined (counted in
// `*examined`). `batch()` says how many entries to read with the next
// MultiGet. Returns where it stopped; `more` is false when it ran to the
// end of the plan.
//
// Records are parsed on an arena: on `answer_arena` while fewer than
// `answer_arena_entries` entries have been examined, so that a fact `visit`
// moves into an answer on that arena moves its parts instead of copying
// them; after that on an arena per batch, freed when the batch is done, so
// that what does not match does not pile up (a fact moved into the answer
// from there is copied). The fact given to `visit` lives no longer than
// its batch. `answer_arena` may be null (every batch on its own arena).
absl::StatusOr<ScanPosition> ScanFacts(
    const storage::Store& store, const Plan& plan, const ParsedFilter& parsed,
    uint64_t commit, ScanPosition from, int64_t max_keys, const StopCheck& stop,
    int64_t* examined, google::protobuf::Arena* answer_arena,
    int64_t answer_arena_entries, absl::FunctionRef<size_t()> batch,
    absl::FunctionRef<absl::StatusOr<bool>(v1::Fact&&)> visit) {
  std::vector<std::string> keys;
  std::vector<std::string> ids;
  std::vector<int> roles;
  const std::string& involves = parsed.filter->involves();
  const bool once_per_fact = plan.index == "involves";
  size_t range_index = from.range_index;
  std::string after = std::move(from.after_key);
  for (; range_index < plan.ranges.size(); ++range_index, after.clear()) {
    const IndexRange& range = plan.ranges[range_index];
    auto scan = store.Scan(range.family, range.lower, range.upper);
    if (!after.empty()) scan->SeekPast(after);
    while (scan->Valid()) {
      const size_t wanted = batch();
      keys.clear();
      ids.clear();
      roles.clear();
      for (; scan->Valid() && keys.size() < wanted; scan->Next()) {
        keys.emplace_back(scan->key());
        ids.emplace_back();
        roles.emplace_back();
        if (!FactIdOfKey(range.family, keys.back(), &ids.back(),
                         &roles.back())) {
          return absl::DataLossError("malformed index key");
        }
      }
      FS_RETURN_IF_ERROR(scan->status());
      std::optional<google::protobuf::Arena> batch_arena;
      google::protobuf::Arena* arena = BatchArena(
          answer_arena, *examined, answer_arena_entries, &batch_arena);
      std::vector<absl::StatusOr<storage::FactRecord*>> records =
          store.ReadFacts(ids, arena);
      for (size_t i = 0; i < records.size(); ++i) {
        ++*examined;
        if (*examined % 256 == 0 && stop && stop()) {
          return absl::CancelledError("the call was cancelled or timed out");
        }
        if (!records[i].ok() && !absl::IsNotFound(records[i].status())) {
          return records[i].status();
        }
        bool go_on = true;
        if (records[i].ok()) {
          auto* fact = google::protobuf::Arena::CreateMessage<v1::Fact>(arena);
          // Index entries stay for every role a fact ever had: an
          // "involves" scan takes a fact at the entry of its first role now
          // only, and so once across pages.
          if (storage::FactAsOf(std::move(**records[i]), commit,
                                store.store_id(), fact) &&
              Matches(*fact, parsed) &&
              (!once_per_fact || FirstRoleOf(*fact, involves) == roles[i])) {
            FS_ASSIGN_OR_RETURN(go_on, visit(std::move(*fact)));
          }
        }
        if (!go_on || *examined >= max_keys) {
          return ScanPosition{range_index, keys[i],
                              i + 1 < records.size() || scan->Valid() ||
                                  range_index + 1 < plan.ranges.size()};
        }
      }
    }
    FS_RETURN_IF_ERROR(scan->status());
  }
  return ScanPosition{range_index, "", false};
}

// The plan of `parsed`, reading the store's head for a valid-time plan.
absl::StatusOr<Plan> PlanOf(const storage::Store& store,
                            const ParsedFilter& parsed) {
  storage::StoreHead head;
  if (parsed.has_time) {
    // Only the valid-time plan needs the longest span the head records.
    FS_ASSIGN_OR_RETURN(head, store.ReadHead());
  }
  return MakePlan(parsed, head);
}

}  // namespace

absl::Status StoreQueries::ResolveFilterEntities(
    v1::FactFilter* filter, uint64_t commit,
    google::protobuf::RepeatedPtrField<v1::Redirect>* redirects) const {
  FS_RETURN_IF_ERROR(
      FollowEntityRedirect(filter->mutable_subject(), commit, redirects));
  FS_RETURN_IF_ERROR(
      FollowEntityRedirect(filter->mutable_object(), commit, redirects));
  FS_RETURN_IF_ERROR(FollowEntityRedirect(filter->mutable_source_document(),
                                          commit, redirects));
  FS_RETURN_IF_ERROR(
      FollowEntityRedirect(filter->mutable_attributed_to(), commit, redirects));
  FS_RETURN_IF_ERROR(
      FollowEntityRedirect(filter->mutable_involves(), commit, redirects));
  for (auto& [name, entity_id] : *filter->mutable_qualifiers()) {
    FS_RETURN_IF_ERROR(FollowEntityRedirect(&entity_id, commit, redirects));
  }
  return absl::OkStatus();
}

absl::Status StoreQueries::ListFacts(const v1::ListFactsRequest& request,
                                     uint64_t commit,
                                     const std::optional<PageCursor>& cursor,
                                     const StopCheck& stop,
                                     v1::ListFactsResponse* response) const {
  FS_ASSIGN_OR_RETURN(ParsedFilter parsed, ParseFilter(request.filter()));
  FS_ASSIGN_OR_RETURN(
      int page_size,
      PageSize(request.page_size(), kDefaultFactPageSize, "page_size"));
  // Entities of the filter merged into others by `commit` stand for the
  // entities they were merged into.
  v1::FactFilter resolved = request.filter();
  FS_RETURN_IF_ERROR(
      ResolveFilterEntities(&resolved, commit, response->mutable_redirects()));
  if (!response->redirects().empty()) {
    FS_ASSIGN_OR_RETURN(parsed, ParseFilter(resolved));
  }
  FS_ASSIGN_OR_RETURN(Plan plan, PlanOf(*store_, parsed));
  response->set_commit_token(CommitToken(commit));
  response->mutable_plan()->set_index(plan.index);

  ScanPosition from;
  if (cursor.has_value()) {
    from.range_index = cursor->phase();
    from.after_key = cursor->after_key();
  }
  MentionDocuments documents(store_, commit, document_cache_);
  int64_t examined = 0;
  FS_ASSIGN_OR_RETURN(
      ScanPosition stopped,
      ScanFacts(
          *store_, plan, parsed, commit, std::move(from), max_keys_per_read_,
          stop, &examined,
          // The records of a page's worth of entries, twice over, go on the
          // answer's arena (when the call has one): a scan that examines
          // about as many entries as it returns facts moves them all.
          response->GetArena(), 2 * static_cast<int64_t>(page_size),
          // As many entries as the page still needs if all match, within
          // [16, 256].
          [&] {
            return std::clamp<size_t>(
                static_cast<size_t>(page_size - response->facts_size()), 16,
                256);
          },
          [&](v1::Fact&& fact) -> absl::StatusOr<bool> {
            *response->add_facts() = std::move(fact);
            return response->facts_size() < page_size;
          }));
  FS_RETURN_IF_ERROR(documents.Fill(response->mutable_facts()));
  response->mutable_plan()->set_keys_examined(examined);
  if (stopped.more) {
    PageCursor next = NewCursor(QueryPart(request), commit, cursor);
    next.set_phase(static_cast<uint32_t>(stopped.range_index));
    next.set_after_key(stopped.after_key);
    response->set_next_page_token(tokens_.Encode(next));
  }
  return absl::OkStatus();
}

namespace {

// The group keys of `fact` under `grouping` (several for documents and
// publishers, each once).
std::vector<std::string> GroupKeysOf(const v1::Fact& fact,
                                     v1::FactGrouping grouping) {
  switch (grouping) {
    case v1::FACT_GROUPING_PREDICATE:
      return {fact.predicate()};
    case v1::FACT_GROUPING_SUBJECT:
      return {fact.subject()};
    case v1::FACT_GROUPING_MODALITY:
      return {v1::Modality_Name(fact.modality())};
    case v1::FACT_GROUPING_VALID_YEAR: {
      auto range = ValidTimeRange(fact.valid_time());
      if (!range.ok() || !range->has_value() ||
          (*range)->first == kOpenFirstDay) {
        return {""};
      }
      return {
          FormatIsoDate(DayFromNumber((*range)->first), DatePrecision::kYear)};
    }
    case v1::FACT_GROUPING_DOCUMENT:
    case v1::FACT_GROUPING_PUBLISHER: {
      std::vector<std::string> keys;
      for (const v1::Mention& m : fact.mentions()) {
        std::string key = grouping == v1::FACT_GROUPING_DOCUMENT
                              ? m.document_id()
                              : m.publisher();
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
          keys.push_back(std::move(key));
        }
      }
      return keys;
    }
    default:
      return {""};
  }
}

}  // namespace

absl::Status StoreQueries::AggregateFacts(
    const v1::AggregateFactsRequest& request, uint64_t commit,
    const StopCheck& stop, v1::AggregateFactsResponse* response) const {
  FS_ASSIGN_OR_RETURN(ParsedFilter parsed, ParseFilter(request.filter()));
  const int grouping = request.group_by();
  if (!v1::FactGrouping_IsValid(grouping)) {
    return Invalid("group_by", "is not a grouping");
  }
  if (request.unit().size() > kMaxPredicateNameBytes) {
    return Invalid("unit", absl::StrCat("is longer than ",
                                        kMaxPredicateNameBytes, " bytes"));
  }
  if (!request.unit().empty()) {
    FS_RETURN_IF_ERROR(CheckCanonicalUnit(request.unit(), "unit"));
  }
  FS_ASSIGN_OR_RETURN(int max_groups, PageSize(request.max_groups(),
                                               kDefaultGroups, "max_groups"));
  v1::FactFilter resolved = request.filter();
  FS_RETURN_IF_ERROR(
      ResolveFilterEntities(&resolved, commit, response->mutable_redirects()));
  if (!response->redirects().empty()) {
    FS_ASSIGN_OR_RETURN(parsed, ParseFilter(resolved));
  }
  FS_ASSIGN_OR_RETURN(Plan plan, PlanOf(*store_, parsed));
  response->set_commit_token(CommitToken(commit));
  response->mutable_plan()->set_index(plan.index);

  const bool by_source = grouping == v1::FACT_GROUPING_PUBLISHER;
  MentionDocuments documents(store_, commit, document_cache_);
  absl::flat_hash_map<std::string, v1::FactGroup> groups;
  int64_t facts = 0;
  int64_t examined = 0;
  FS_ASSIGN_OR_RETURN(
      ScanPosition stopped,
      ScanFacts(
          *store_, plan, parsed, commit, ScanPosition{}, max_keys_per_read_,
          stop, &examined, /*answer_arena=*/nullptr,
          /*answer_arena_entries=*/0, [] { return size_t{256}; },
          [&](v1::Fact&& fact) -> absl::StatusOr<bool> {
            // Publishers are the documents'.
            if (by_source) FS_RETURN_IF_ERROR(documents.Fill(&fact));
            ++facts;
            // Quantities in the requested unit, or in another unit of its
            // physical dimension converted to it.
            std::optional<std::string> converted;
            if (!request.unit().empty() &&
                fact.value().kind_case() == v1::Value::kQuantity) {
              converted = normalizer::ConvertAmount(
                  fact.value().quantity().amount(),
                  fact.value().quantity().unit(), request.unit());
            }
            const bool summed = converted.has_value();
            const std::string amount = converted.value_or("");
            for (std::string& key :
                 GroupKeysOf(fact, static_cast<v1::FactGrouping>(grouping))) {
              v1::FactGroup& group = groups[key];
              group.set_fact_count(group.fact_count() + 1);
              if (!summed) continue;
              if (group.quantity_count() == 0) {
                group.set_sum(amount);
                group.set_min(amount);
                group.set_max(amount);
              } else {
                group.set_sum(AddDecimals(group.sum(), amount));
                if (CompareDecimals(amount, group.min()) < 0) {
                  group.set_min(amount);
                }
                if (CompareDecimals(amount, group.max()) > 0) {
                  group.set_max(amount);
                }
              }
              group.set_quantity_count(group.quantity_count() + 1);
            }
            return true;
          }));
  response->mutable_plan()->set_keys_examined(examined);
  if (stopped.more) {
    // A count cannot be cut into pages.
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "the filter reads more than ", max_keys_per_read_,
            " index entries (--max_keys_per_read), more than one count may; "
            "narrow the filter (a subject, predicate or valid time)")),
        reason::kReadTooLarge);
  }
  std::vector<v1::FactGroup> sorted;
  sorted.reserve(groups.size());
  for (auto& [key, group] : groups) {
    group.set_key(key);
    sorted.push_back(std::move(group));
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const v1::FactGroup& a, const v1::FactGroup& b) {
              if (a.fact_count() != b.fact_count()) {
                return a.fact_count() > b.fact_count();
              }
              return a.key() < b.key();
            });
  response->set_fact_count(facts);
  response->set_group_count(static_cast<int64_t>(sorted.size()));
  for (size_t i = 0; i < sorted.size() && i < static_cast<size_t>(max_groups);
       ++i) {
    *response->add_groups() = std::move(sorted[i]);
  }
  return absl::OkStatus();
}

namespace {

// One word of a SearchFacts query.
struct QueryWord {
  // normalizer::SearchStem of a term of the query: what the index keys and
  // the fact's words are compared by ("semiconductor" for
  // "semiconductors").
  std::string stem;
  // Index entries of the word: the facts that have it.
  int64_t fact_count = 0;
};

// A search term as it occurs in a text, and the stem it is searched as
// (normalizer::SearchStem).
struct TermOccurrence {
  std::string term;
  std::string stem;
};
// The terms of one word of a text, in order; shared with the per-thread
// memory of words (TermsOfWord), so that a call keeps them while it looks.
using WordTerms = std::shared_ptr<const std::vector<TermOccurrence>>;

// normalizer::WordSearchTerms(word) with their stems, remembered per
// thread: a search reads the texts of every candidate again, and their words
// repeat far more than the texts do. An erasure forgets them
// (common/remembered_words.h). A word costs a few hundred bytes here and
// there is one such memory per read thread (one per core), so it holds
// fewer words than the folding below it: 16,384, a few MiB a thread.
WordTerms TermsOfWord(absl::string_view word) {
  thread_local RememberedWords<WordTerms> remembered(/*capacity=*/1 << 14);
  return remembered.Get(word, [](absl::string_view w) {
    auto terms = std::make_shared<std::vector<TermOccurrence>>();
    for (std::string& term : normalizer::WordSearchTerms(w)) {
      std::string stem = normalizer::SearchStem(term);
      terms->push_back(TermOccurrence{std::move(term), std::move(stem)});
    }
    return WordTerms(std::move(terms));
  });
}

// The relevance of a fact for `words`: for each word, its inverse document
// frequency among `fact_total` facts (as BM25 weighs it) times a damped count
// of its occurrences in the fact's quotes and text value (`occurrences`, the
// terms of their words in order, which match a word by their stem).
// Fills `matched` with the fact's distinct terms that matched. Returns
// nullopt if some word does not occur (the fact's text changed since the
// index entry was written, or it had it only at another commit).
std::optional<double> Relevance(const std::vector<QueryWord>& words,
                                const std::vector<WordTerms>& occurrences,
                                int64_t fact_total,
                                std::vector<std::string>* matched) {
  double score = 0;
  matched->clear();
  for (const QueryWord& word : words) {
    int64_t count = 0;
    for (const WordTerms& terms : occurrences) {
      for (const TermOccurrence& occurrence : *terms) {
        if (occurrence.stem != word.stem) continue;
        ++count;
        if (std::find(matched->begin(), matched->end(), occurrence.term) ==
            matched->end()) {
          matched->push_back(occurrence.term);
        }
      }
    }
    if (count == 0) return std::nullopt;
    const double n = static_cast<double>(std::max(fact_total, word.fact_count));
    const double df = static_cast<double>(word.fact_count);
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    score += idf * (1.0 + std::log(static_cast<double>(count)));
  }
  return score;
}

// The terms of every word of a fact's text value and quotes, in order, each
// distinct text once.
std::vector<WordTerms> FactWordOccurrences(const v1::Fact& fact) {
  std::vector<absl::string_view> texts;
  if (fact.value().kind_case() == v1::Value::kText) {
    texts.push_back(fact.value().text().text());
  }
  for (const v1::Mention& m : fact.mentions()) {
    if (!m.quote().empty() &&
        std::find(texts.begin(), texts.end(), m.quote()) == texts.end()) {
      texts.push_back(m.quote());
    }
  }
  std::vector<WordTerms> occurrences;
  for (absl::string_view text : texts) {
    normalizer::ForEachSearchWord(text, [&occurrences](absl::string_view word) {
      occurrences.push_back(TermsOfWord(word));
    });
  }
  return occurrences;
}

}  // namespace

absl::Status StoreQueries::SearchFacts(
    const v1::SearchFactsRequest& request, uint64_t commit,
    const std::optional<PageCursor>& cursor, const StopCheck& stop,
    v1::SearchFactsResponse* response) const {
  if (request.query().empty()) return Invalid("query", "is required");
  if (request.query().size() > kMaxSearchQueryBytes) {
    return Invalid("query", absl::StrCat("is longer than ",
                                         kMaxSearchQueryBytes, " bytes"));
  }
  if (!store_->indexes_words()) {
    return WithReason(
        absl::FailedPreconditionError(
            "this store keeps no word index: the ingest service runs with "
            "--index_words=false (restart it with --index_words, then this "
            "service, to search)"),
        reason::kWordIndexOff);
  }
  std::vector<QueryWord> words;
  for (const std::string& term : normalizer::SearchTerms(request.query())) {
    QueryWord word;
    word.stem = normalizer::SearchStem(term);
    if (std::none_of(words.begin(), words.end(),
                     [&](const QueryWord& w) { return w.stem == word.stem; })) {
      words.push_back(std::move(word));
    }
  }
  if (words.empty()) {
    return Invalid("query",
                   absl::StrCat(Quoted(request.query()),
                                " has no words to search for (function words "
                                "such as \"the\" are not searched)"));
  }
  if (words.size() > static_cast<size_t>(kMaxSearchWords)) {
    return Invalid("query", absl::StrCat("has ", words.size(),
                                         " words, at most ", kMaxSearchWords));
  }
  FS_ASSIGN_OR_RETURN(ParsedFilter parsed, ParseFilter(request.filter()));
  FS_ASSIGN_OR_RETURN(
      int page_size,
      PageSize(request.page_size(), kDefaultSearchPageSize, "page_size"));
  v1::FactFilter resolved = request.filter();
  FS_RETURN_IF_ERROR(
      ResolveFilterEntities(&resolved, commit, response->mutable_redirects()));
  if (!response->redirects().empty()) {
    FS_ASSIGN_OR_RETURN(parsed, ParseFilter(resolved));
  }
  response->set_commit_token(CommitToken(commit));
  response->mutable_plan()->set_index("words");

  // The facts with an index entry of every word, and how many entries each
  // word has. Words are read in the order of their entries' estimated size,
  // smallest first: the first one's facts are the candidates and the others
  // only narrow them (the order changes the work, not the answer).
  std::vector<std::string> prefixes;
  std::vector<size_t> order;
  for (size_t i = 0; i < words.size(); ++i) {
    prefixes.push_back(storage::WordPostingPrefix(words[i].stem));
    order.push_back(i);
  }
  if (cursor.has_value() &&
      cursor->word_order_size() == static_cast<int>(words.size())) {
    // Later pages read in the first page's order (the estimates move with
    // flushes and compactions), so that they examine the same entries and
    // meet --max_keys_per_read where it did.
    for (size_t n = 0; n < words.size(); ++n) {
      const uint32_t i = cursor->word_order(static_cast<int>(n));
      if (i >= words.size()) {
        return Invalid("page_token", "does not belong to this query");
      }
      order[n] = i;
    }
  } else {
    std::vector<uint64_t> sizes;
    for (const std::string& prefix : prefixes) {
      sizes.push_back(
          store_->ApproximatePrefixBytes(ColumnFamily::kNames, prefix));
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return sizes[a] < sizes[b]; });
  }
  int64_t examined = 0;
  absl::flat_hash_map<std::string, uint32_t> words_of_fact;
  storage::WordPosting posting;
  uint32_t all = 0;
  for (size_t n = 0; n < order.size(); ++n) {
    QueryWord& word = words[order[n]];
    const uint32_t bit = uint32_t{1} << n;
    all |= bit;
    auto scan = store_->ScanPrefix(ColumnFamily::kNames, prefixes[order[n]]);
    // Hashes of the facts counted for this word (a collision only makes
    // the word's weight a little higher).
    absl::flat_hash_set<size_t> word_facts;
    for (; scan->Valid(); scan->Next()) {
      uint64_t word_hash;
      uint64_t posting_commit;
      if (!storage::DecodeWordPostingKey(scan->key(), &word_hash,
                                         &posting_commit)) {
        return absl::DataLossError("malformed word posting key");
      }
      // Postings come in commit order, and those of commits after the
      // read's hold no text the read can see.
      if (posting_commit > commit) break;
      if (!posting.ParseFromArray(scan->value().data(),
                                  static_cast<int>(scan->value().size()))) {
        return absl::DataLossError("malformed word posting");
      }
      FS_RETURN_IF_ERROR(storage::ForEachPostingFactId(
          posting, [&](absl::string_view fact_id) -> absl::Status {
            if (++examined > max_keys_per_read_) {
              return WithReason(
                  absl::ResourceExhaustedError(absl::StrCat(
                      "the query's words have more than ", max_keys_per_read_,
                      " index entries (--max_keys_per_read); add rarer "
                      "words")),
                  reason::kReadTooLarge);
            }
            if (examined % 256 == 0 && stop && stop()) {
              return absl::CancelledError(
                  "the call was cancelled or timed out");
            }
            // A fact is counted once per word, though texts of several
            // commits may list it; another word of the same hash is counted
            // too (its facts are dropped when their words are checked).
            if (word_facts.insert(absl::Hash<absl::string_view>{}(fact_id))
                    .second) {
              ++word.fact_count;
            }
            if (n == 0) {
              words_of_fact[fact_id] |= bit;
            } else if (auto it = words_of_fact.find(fact_id);
                       it != words_of_fact.end()) {
              it->second |= bit;
            }
            return absl::OkStatus();
          }));
    }
    FS_RETURN_IF_ERROR(scan->status());
    // No candidate has every word so far: nothing can match.
    bool any = false;
    for (const auto& [id, bits] : words_of_fact) any = any || bits == all;
    if (!any) break;
  }
  std::vector<std::string> candidates;
  for (auto& [id, bits] : words_of_fact) {
    if (bits == (uint32_t{1} << words.size()) - 1) candidates.push_back(id);
  }
  std::sort(candidates.begin(), candidates.end());
  // The weights of the first page's ranking: later pages rank the same way.
  int64_t fact_total = 0;
  if (cursor.has_value() &&
      cursor->word_entries_size() == static_cast<int>(words.size())) {
    fact_total = cursor->fact_total();
    for (size_t i = 0; i < words.size(); ++i) {
      words[i].fact_count = cursor->word_entries(static_cast<int>(i));
    }
  } else {
    FS_ASSIGN_OR_RETURN(storage::StoreHead head, store_->ReadHead());
    fact_total = head.fact_count();
  }

  // Each candidate as of the commit, if it passes the filter and still has
  // every word then: its score and matched words (the facts of the page are
  // read again at the end, so that a search holds no more than one batch of
  // facts).
  struct Hit {
    double score;
    std::string id;
    std::vector<std::string> matched;
  };
  std::vector<Hit> hits;
  std::vector<std::string> matched;
  constexpr size_t kReadBatch = 256;
  for (size_t start = 0; start < candidates.size(); start += kReadBatch) {
    if (stop && stop()) {
      return absl::CancelledError("the call was cancelled or timed out");
    }
    std::vector<std::string> ids(
        candidates.begin() + static_cast<std::ptrdiff_t>(start),
        candidates.begin() + static_cast<std::ptrdiff_t>(std::min(
                                 candidates.size(), start + kReadBatch)));
    google::protobuf::Arena batch_arena(ScanBatchArenaOptions());
    std::vector<absl::StatusOr<storage::FactRecord*>> records =
        store_->ReadFacts(ids, &batch_arena);
    for (size_t i = 0; i < records.size(); ++i) {
      ++examined;
      if (!records[i].ok()) {
        if (absl::IsNotFound(records[i].status())) continue;
        return records[i].status();
      }
      auto* fact =
          google::protobuf::Arena::CreateMessage<v1::Fact>(&batch_arena);
      if (!storage::FactAsOf(std::move(**records[i]), commit,
                             store_->store_id(), fact) ||
          !Matches(*fact, parsed)) {
        continue;
      }
      std::optional<double> score =
          Relevance(words, FactWordOccurrences(*fact), fact_total, &matched);
      if (!score.has_value()) continue;
      hits.push_back(Hit{*score, std::move(ids[i]), matched});
    }
  }
  response->mutable_plan()->set_keys_examined(examined);
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.id < b.id;
  });
  response->set_total_size(static_cast<int64_t>(hits.size()));
  const size_t offset =
      std::min<size_t>(hits.size(), cursor.has_value() ? cursor->offset() : 0);
  const size_t end =
      std::min(hits.size(), offset + static_cast<size_t>(page_size));
  std::vector<std::string> page_ids;
  for (size_t i = offset; i < end; ++i) page_ids.push_back(hits[i].id);
  std::optional<google::protobuf::Arena> local;
  std::vector<absl::StatusOr<storage::FactRecord*>> records =
      store_->ReadFacts(page_ids, RecordArenaFor(*response, &local));
  MentionDocuments documents(store_, commit, document_cache_);
  for (size_t i = 0; i < records.size(); ++i) {
    // Only an erasure between the two reads takes a fact away.
    if (absl::IsNotFound(records[i].status())) continue;
    FS_RETURN_IF_ERROR(records[i].status());
    v1::FactHit* hit = response->add_hits();
    if (!storage::FactAsOf(std::move(**records[i]), commit, store_->store_id(),
                           hit->mutable_fact())) {
      response->mutable_hits()->RemoveLast();
      continue;
    }
    const Hit& found = hits[offset + i];
    hit->set_score(found.score);
    for (const std::string& word : found.matched) hit->add_matched_words(word);
  }
  std::vector<v1::Fact*> page_facts;
  page_facts.reserve(static_cast<size_t>(response->hits_size()));
  for (v1::FactHit& hit : *response->mutable_hits()) {
    page_facts.push_back(hit.mutable_fact());
  }
  FS_RETURN_IF_ERROR(documents.Fill(absl::MakeSpan(page_facts)));
  if (end < hits.size()) {
    PageCursor next = NewCursor(QueryPart(request), commit, cursor);
    next.set_offset(static_cast<uint32_t>(end));
    for (const QueryWord& word : words) next.add_word_entries(word.fact_count);
    for (size_t i : order) next.add_word_order(static_cast<uint32_t>(i));
    next.set_fact_total(fact_total);
    response->set_next_page_token(tokens_.Encode(next));
  }
  return absl::OkStatus();
}

namespace {

// The period of `series` length a claim's valid time starts in ("2024",
// "2024-08", "2024-08-02"), or none if it states no valid time or an open
// start.
std::optional<std::string> PeriodOf(const v1::Fact& fact,
                                    v1::SeriesPeriod series) {
  auto range = ValidTimeRange(fact.valid_time());
  if (!range.ok() || !range->has_value() || (*range)->first == kOpenFirstDay) {
    return std::nullopt;
  }
  // ISO dates with four-digit years, which sort in time order.
  absl::CivilDay day = DayFromNumber((*range)->first);
  switch (series) {
    case v1::SERIES_PERIOD_YEAR:
      return FormatIsoDate(day, DatePrecision::kYear);
    case v1::SERIES_PERIOD_MONTH:
      return FormatIsoDate(day, DatePrecision::kMonth);
    default:
      return FormatIsoDate(day, DatePrecision::kDay);
  }
}

}  // namespace

absl::Status StoreQueries::ResolveValue(
    const v1::ResolveValueRequest& request, uint64_t commit,
    const StopCheck& stop, v1::ResolveValueResponse* response) const {
  FS_RETURN_IF_ERROR(CheckReadId(request.subject(), "subject", true));
  if (request.predicate().empty()) return Invalid("predicate", "is required");
  FS_RETURN_IF_ERROR(
      CheckQualifierConditions(request.qualifiers(), "qualifiers"));
  if (!v1::SeriesPeriod_IsValid(request.series())) {
    return Invalid("series", "is not a period");
  }
  std::optional<int32_t> at_day;
  if (!request.at().empty()) {
    FS_ASSIGN_OR_RETURN(at_day, FirstDayOf(request.at(), "at"));
  }
  response->set_commit_token(CommitToken(commit));
  std::string subject = request.subject();
  FS_RETURN_IF_ERROR(
      FollowEntityRedirect(&subject, commit, response->mutable_redirects()));
  google::protobuf::Map<std::string, std::string> qualifiers =
      request.qualifiers();
  for (auto& [name, entity_id] : qualifiers) {
    FS_RETURN_IF_ERROR(FollowEntityRedirect(&entity_id, commit,
                                            response->mutable_redirects()));
  }
  MentionDocuments documents(store_, commit, document_cache_);
  std::vector<Claim> claims;
  auto scan = store_->ScanPrefix(
      ColumnFamily::kSubjectIndex,
      storage::SubjectPredicatePrefix(subject, request.predicate()));
  int64_t examined = 0;
  for (; scan->Valid(); scan->Next()) {
    if (examined == max_keys_per_read_) {
      // A resolution weighs every claim, so it cannot be cut into pages.
      return WithReason(
          absl::ResourceExhaustedError(absl::StrCat(
              Quoted(request.subject()), " and ", Quoted(request.predicate()),
              " have more than ", max_keys_per_read_,
              " index entries (claims, retracted ones and later ones "
              "included), more than one resolution may weigh "
              "(--max_keys_per_read); page through them with ListFacts "
              "instead")),
          reason::kReadTooLarge);
    }
    if (++examined % 256 == 0 && stop && stop()) {
      return absl::CancelledError("the call was cancelled or timed out");
    }
    storage::SubjectIndexParts parts;
    if (!storage::DecodeSubjectIndexKey(scan->key(), &parts)) {
      return absl::DataLossError("malformed subject index key");
    }
    auto record = store_->ReadFact(parts.fact_id);
    if (absl::IsNotFound(record.status())) continue;
    if (!record.ok()) return record.status();
    Claim claim;
    if (!storage::FactAsOf(std::move(*record), commit, store_->store_id(),
                           &claim.fact) ||
        claim.fact.retracted()) {
      continue;
    }
    if (at_day.has_value()) {
      // Claims without a stated valid time are not excluded by `at`.
      auto range = ValidTimeRange(claim.fact.valid_time());
      if (range.ok() && range->has_value() &&
          (*at_day < (*range)->first || *at_day >= (*range)->end)) {
        continue;
      }
    }
    if (!HasQualifiers(claim.fact, qualifiers)) continue;
    // Publishers and publication dates weigh in the resolution.
    FS_RETURN_IF_ERROR(documents.Fill(&claim.fact));
    auto updated = storage::DecodeCommitToken(claim.fact.updated_commit(),
                                              store_->store_id(), "fact");
    claim.updated_commit = updated.ok() ? *updated : 0;
    claims.push_back(std::move(claim));
  }
  FS_RETURN_IF_ERROR(scan->status());
  if (request.series() != v1::SERIES_PERIOD_UNSPECIFIED) {
    // Periods as ISO dates of their precision sort in time order.
    std::map<std::string, std::vector<Claim>> periods;
    for (Claim& claim : claims) {
      std::optional<std::string> period =
          PeriodOf(claim.fact, request.series());
      if (period.has_value()) periods[*period].push_back(std::move(claim));
    }
    for (auto& [period, in_period] : periods) {
      v1::SeriesPoint* point = response->add_series();
      point->set_period(period);
      point->set_claim_count(static_cast<int32_t>(in_period.size()));
      Resolution resolution = ResolveClaims(std::move(in_period));
      *point->mutable_preferred() = std::move(resolution.ordered[0].fact);
      point->set_reason(resolution.reason);
      point->set_explanation(std::move(resolution.explanation));
    }
    if (periods.empty()) response->set_explanation("no claim matches");
    return absl::OkStatus();
  }
  Resolution resolution = ResolveClaims(std::move(claims));
  if (resolution.ordered.empty()) {
    response->set_explanation("no claim matches");
    return absl::OkStatus();
  }
  *response->mutable_preferred() = std::move(resolution.ordered[0].fact);
  for (size_t i = 1; i < resolution.ordered.size(); ++i) {
    *response->add_competing() = std::move(resolution.ordered[i].fact);
  }
  response->set_reason(resolution.reason);
  response->set_explanation(std::move(resolution.explanation));
  return absl::OkStatus();
}

absl::Status StoreQueries::ListPredicates(
    const v1::ListPredicatesRequest& request, uint64_t commit,
    const std::optional<PageCursor>& cursor,
    v1::ListPredicatesResponse* response) const {
  FS_ASSIGN_OR_RETURN(
      int page_size,
      PageSize(request.page_size(), kDefaultPredicatePageSize, "page_size"));
  FS_RETURN_IF_ERROR(CheckReadPredicate(request.prefix(), "prefix"));
  response->set_commit_token(CommitToken(commit));
  auto scan =
      store_->ScanPrefix(ColumnFamily::kPredicates,
                         storage::PredicateNamePrefix(request.prefix()));
  if (cursor.has_value()) scan->SeekPast(cursor->after_key());
  for (; scan->Valid(); scan->Next()) {
    storage::PredicateRecord record;
    if (!record.ParseFromArray(scan->value().data(),
                               static_cast<int>(scan->value().size()))) {
      return absl::DataLossError("predicate record does not parse");
    }
    v1::Predicate predicate;
    if (!storage::PredicateAsOf(record, commit, store_->store_id(),
                                &predicate)) {
      continue;
    }
    *response->add_predicates() = std::move(predicate);
    if (response->predicates_size() == page_size) {
      std::string key(scan->key());
      scan->Next();
      if (scan->Valid()) {
        PageCursor next = NewCursor(QueryPart(request), commit, cursor);
        next.set_after_key(key);
        response->set_next_page_token(tokens_.Encode(next));
      }
      break;
    }
  }
  return scan->status();
}

}  // namespace factstore::query
