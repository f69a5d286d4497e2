// The key codec: every on-disk key layout of factstore, and the primitive
// order-preserving encodings they are built from.
//
// Primitives (Put* append to a key, Get* consume from the front of a key):
// - Strings are escaped and terminated: byte 0x00 becomes 0x00 0xFF and the
//   string ends with 0x00 0x01. No caller-supplied string, whatever bytes it
//   holds (NUL, '/', ':', invalid UTF-8), can end early or run into the next
//   component, byte order equals string order, and the escaped form of a
//   prefix (without terminator) is a key prefix, which prefix scans use.
// - Integers are fixed-width big-endian, so byte order is numeric order.
// - Decimals (canonical strings, common/decimal.h) are encoded so that byte
//   order is numeric order: a sign class, a biased exponent and the
//   significant digits, inverted for negative numbers.
//
// Layouts, by column family (storage/column_families.h). S(x) is an escaped
// string, U32/U64 big-endian integers, D a sortable decimal:
//   kMeta           raw ASCII names: "identity", "head"
//   kEntities       S(entity_id)
//   kNames          entity lookup entries, by a kind byte:
//                   1 full name, 2 word suffix: S(folded) S(entity_id);
//                   3 type: U32(entity type) S(entity_id);
//                   4 external id: S(system) S(value) S(entity_id);
//                   5 fact word: U64(word hash) S(fact_id)
//   kFacts          S(fact_id)
//   kSubjectIndex   S(subject) S(predicate) U32(first day) U32(end day)
//                   S(fact_id); facts stating no valid time use
//                   kNoValidTimeDay for both days
//   kPredicateIndex S(predicate) value-sort-key S(fact_id), where the
//                   value-sort-key is a type byte and: entity S(id);
//                   quantity S(unit) D(amount); text nothing; time
//                   U32(first day) U32(end day) of the days the date
//                   covers at its precision (protos/api_dates.h
//                   TimeValueDays); boolean one byte
//   kReferenceIndex S(entity_id) role byte S(fact_id)
//   kValidTimeIndex class byte (1 bounded, 2 open at either end)
//                   U32(first day) U32(end day) S(fact_id)
//   kPredicates     S(name)
//   kCommitLog      U64(commit)
//   kTombstones     S(entity_id)
//   kRequests       S(request_id)
// Tag bytes that reach the disk carry explicit values: never renumber them.
#ifndef FACTSTORE_STORAGE_KEY_CODEC_H_
#define FACTSTORE_STORAGE_KEY_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"

namespace factstore::storage {

// ---- Primitives ----

// Appends `s` escaped and terminated.
void PutEscapedString(std::string* dst, absl::string_view s);
// Appends `prefix` escaped but not terminated: every key whose escaped
// component starts with `prefix` starts with the result.
void PutEscapedPrefix(std::string* dst, absl::string_view prefix);
// Consumes an escaped, terminated string from the front of `input` into
// `out`. Returns false (leaving `input` unspecified) if `input` does not
// start with one.
bool GetEscapedString(absl::string_view* input, std::string* out);

void PutFixed32BigEndian(std::string* dst, uint32_t value);
void PutFixed64BigEndian(std::string* dst, uint64_t value);
// Consume a big-endian integer; false if `input` is too short.
bool GetFixed32BigEndian(absl::string_view* input, uint32_t* value);
bool GetFixed64BigEndian(absl::string_view* input, uint64_t* value);

// Appends the order-preserving encoding of a canonical decimal.
// REQUIRES: IsCanonicalDecimal(decimal).
void PutSortableDecimal(std::string* dst, absl::string_view decimal);
// Consumes a sortable decimal, writing its canonical form to `decimal`.
// Returns false if `input` does not start with a valid encoding.
bool GetSortableDecimal(absl::string_view* input, std::string* decimal);

// ---- Key layouts ----

// The smallest key that is greater than every key starting with `prefix`
// (for iterate_upper_bound); empty if there is none (all bytes 0xFF).
std::string PrefixSuccessor(absl::string_view prefix);

inline constexpr absl::string_view kIdentityKey = "identity";
inline constexpr absl::string_view kHeadKey = "head";
// Replicated mode: the store's LogPosition.
inline constexpr absl::string_view kLogPositionKey = "log_position";

std::string EntityKey(absl::string_view entity_id);
std::string FactKey(absl::string_view fact_id);
std::string PredicateKey(absl::string_view name);
// kPredicates keys of every predicate whose name starts with `name_prefix`.
std::string PredicateNamePrefix(absl::string_view name_prefix);
std::string TombstoneKey(absl::string_view entity_id);
std::string RequestKey(absl::string_view request_id);
std::string CommitKey(uint64_t commit);
// Reads the commit of a kCommitLog key; false if malformed.
bool DecodeCommitKey(absl::string_view key, uint64_t* commit);
// Reads the single string component of a kEntities, kFacts, kPredicates,
// kTombstones or kRequests key; false if malformed.
bool DecodeStringKey(absl::string_view key, std::string* value);

// kNames: which kind of name entry a key is. Never renumber.
enum class NameKind : uint8_t {
  kFullName = 1,    // the whole folded name or alias
  kWordSuffix = 2,  // the folded name from the start of its second, third,
                    // ... word on
};
std::string NameKey(NameKind kind, absl::string_view folded,
                    absl::string_view entity_id);
// Keys of `kind` whose folded name starts with `folded_prefix`.
std::string NamePrefix(NameKind kind, absl::string_view folded_prefix);
// Keys of `kind` whose folded name equals `folded`. Among the keys of
// NamePrefix(kind, folded) they come first: SearchEntities reads its exact
// and prefix matches in one scan.
std::string NameExactPrefix(NameKind kind, absl::string_view folded);
struct NameKeyParts {
  NameKind kind;
  std::string folded;
  std::string entity_id;
};
bool DecodeNameKey(absl::string_view key, NameKeyParts* parts);

// kNames entries that list an entity by its type (ListEntities) and find it
// by an identifier in another system (LookupEntity). Like the name entries,
// they are written for every type and external id an entity ever had and
// deleted only with the entity, so reads check the entity as of their
// commit. Their kind bytes (3, 4) follow NameKind's and are never renumbered.
std::string EntityTypeKey(int entity_type, absl::string_view entity_id);
// Keys of the entities of `entity_type`, in id order.
std::string EntityTypePrefix(int entity_type);
// The entity id of an EntityTypeKey; false if `key` is not one.
bool DecodeEntityTypeKey(absl::string_view key, int* entity_type,
                         std::string* entity_id);
std::string ExternalIdKey(absl::string_view system, absl::string_view value,
                          absl::string_view entity_id);
// Keys of the entities with identifier `value` in `system`, in id order.
std::string ExternalIdPrefix(absl::string_view system, absl::string_view value);
// The entity id of an ExternalIdKey; false if `key` is not one.
bool DecodeExternalIdKey(absl::string_view key, std::string* system,
                         std::string* value, std::string* entity_id);

// The fact ids the ingest service derives (ingest_service/fact_identity.h):
// the prefix, then 2 * kDerivedFactIdBytes lowercase hex digits. Word
// postings keep ids of this shape as the bytes their digits spell
// (storage/word_postings.h), so the shape is part of the stored format.
inline constexpr absl::string_view kDerivedFactIdPrefix = "f_";
inline constexpr size_t kDerivedFactIdBytes = 16;
// True if `id` has that shape.
bool IsDerivedFactId(absl::string_view id);

// kNames entries of kind 6, the word index of SearchFacts (schema version
// 5): one *posting* per word and commit, whose value (a WordPosting record)
// lists the facts that have the word in a text that commit brought
// (storage/word_postings.h says which). A commit of many facts writes one
// key per distinct word rather than one per word and fact. Reads check the
// facts' texts as of their commit.
//
// Keys hold a hash of the word, not the word (WordHash): RocksDB keeps the
// first and last key of every table file in its MANIFEST, where an erased
// quote's words would outlive the erasure. Words that share a hash share
// postings; reads check the words themselves.
uint64_t WordHash(absl::string_view word);
std::string WordPostingKey(uint64_t word_hash, uint64_t commit);
// Keys of the postings of `word`, in commit order.
std::string WordPostingPrefix(absl::string_view word);
// The word hash and commit of a WordPostingKey; false if `key` is not one.
bool DecodeWordPostingKey(absl::string_view key, uint64_t* word_hash,
                          uint64_t* commit);
// kNames kind 7: one key per word, commit and fact, written only while the
// index is built from the stored facts (Store::UpgradeSchema), so that
// RocksDB sorts them into postings; deleted when the build ends.
std::string WordSortKey(uint64_t word_hash, uint64_t commit,
                        absl::string_view fact_id);
bool DecodeWordSortKey(absl::string_view key, uint64_t* word_hash,
                       uint64_t* commit, std::string* fact_id);
std::string WordSortKindPrefix();
// [WordIndexBegin(), WordIndexEnd()) holds every key of the word index
// (kinds 5 to 7: kind 5 held schema version 4's entries, one per word and
// fact) and nothing else.
std::string WordIndexBegin();
std::string WordIndexEnd();
// Whether `key` is one of schema version 4's word entries (kind 5).
bool IsLegacyFactWordKey(absl::string_view key);

// kSubjectIndex. Within a subject and predicate, facts sort by valid time
// (those stating none last), which also lets the cardinality check find the
// facts of one subject, predicate and valid time directly.
inline constexpr uint32_t kNoValidTimeDay = 0xFFFFFFFFu;
std::string SubjectIndexKey(absl::string_view subject,
                            absl::string_view predicate, uint32_t first_day,
                            uint32_t end_day, absl::string_view fact_id);
// Every fact about `subject`.
std::string SubjectPrefix(absl::string_view subject);
// Facts about `subject` with exactly `predicate`.
std::string SubjectPredicatePrefix(absl::string_view subject,
                                   absl::string_view predicate);
// Facts about `subject` with `predicate` and the valid time [first, end).
std::string SubjectPredicateTimePrefix(absl::string_view subject,
                                       absl::string_view predicate,
                                       uint32_t first_day, uint32_t end_day);
// Facts about `subject` whose predicate starts with `predicate_prefix`.
std::string SubjectPredicateStemPrefix(absl::string_view subject,
                                       absl::string_view predicate_prefix);
struct SubjectIndexParts {
  std::string subject;
  std::string predicate;
  uint32_t first_day;
  uint32_t end_day;
  std::string fact_id;
};
bool DecodeSubjectIndexKey(absl::string_view key, SubjectIndexParts* parts);

// kPredicateIndex. The value-sort-key type bytes; never renumber.
enum class ValueTag : uint8_t {
  kEntity = 1,
  kQuantity = 2,
  kText = 3,
  kTime = 4,
  kBoolean = 5,
};
// Key of a fact with a normalized value.
// Returns INVALID_ARGUMENT if `value` is not normalized (no kind, a raw or
// entity_name value, a non-canonical amount, a bad date or a date that does
// not fit its precision).
absl::Status PredicateIndexKey(absl::string_view predicate,
                               const v1::Value& value,
                               absl::string_view fact_id, std::string* key);
// Every fact with exactly `predicate`.
std::string PredicatePrefix(absl::string_view predicate);
// Every fact whose predicate starts with `predicate_prefix`.
std::string PredicateStemPrefix(absl::string_view predicate_prefix);
// Facts with `predicate` and a quantity in `unit`. A quantity in a physical
// unit is keyed by its dimension's base unit and its amount scaled to it
// (normalizer::IndexForm: 2.5 GW is W 2500000000), so the prefix of "MW"
// holds the facts stated in W, kW, MW and GW alike.
std::string PredicateQuantityPrefix(absl::string_view predicate,
                                    absl::string_view unit);
// PredicateQuantityPrefix followed by the sortable encoding of `amount` (in
// `unit`, scaled like the keys): keys of amounts >= `amount` sort at or after
// it, keys of smaller amounts before it. REQUIRES: IsCanonicalDecimal(amount).
std::string PredicateQuantityBound(absl::string_view predicate,
                                   absl::string_view unit,
                                   absl::string_view amount);
struct PredicateIndexParts {
  std::string predicate;
  ValueTag tag;
  std::string unit;    // kQuantity only; a physical unit's base unit
  std::string amount;  // kQuantity only, canonical, in `unit`
  std::string fact_id;
};
bool DecodePredicateIndexKey(absl::string_view key, PredicateIndexParts* parts);

// kReferenceIndex: the role in which a fact refers to an entity. Never
// renumber.
enum class ReferenceRole : uint8_t {
  kObject = 1,       // the fact's value
  kQualifier = 2,    // a qualifier's value
  kDocument = 3,     // a mention's source document
  kAttribution = 4,  // the speaker of a mention
};
std::string ReferenceIndexKey(absl::string_view entity_id, ReferenceRole role,
                              absl::string_view fact_id);
std::string ReferencePrefix(absl::string_view entity_id, ReferenceRole role);
std::string ReferenceEntityPrefix(absl::string_view entity_id);
struct ReferenceIndexParts {
  std::string entity_id;
  ReferenceRole role;
  std::string fact_id;
};
bool DecodeReferenceIndexKey(absl::string_view key, ReferenceIndexParts* parts);

// kValidTimeIndex: days are DayNumbers (common/iso_date.h), open ends
// kOpenFirstDay and kOpenEndDay. Bounded intervals and open ones live in
// separate ranges, so that a scan for an interval can start at
// (its start - the longest bounded span) and add the few open ones.
enum class IntervalClass : uint8_t {
  kBounded = 1,
  kOpen = 2,
};
std::string ValidTimeIndexKey(uint32_t first_day, uint32_t end_day,
                              absl::string_view fact_id);
// The first key of `cls` with first_day >= `first_day`.
std::string ValidTimeStartBound(IntervalClass cls, uint32_t first_day);
struct ValidTimeIndexParts {
  IntervalClass interval_class;
  uint32_t first_day;
  uint32_t end_day;
  std::string fact_id;
};
bool DecodeValidTimeIndexKey(absl::string_view key, ValidTimeIndexParts* parts);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_KEY_CODEC_H_
