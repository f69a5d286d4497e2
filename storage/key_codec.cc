#include "storage/key_codec.h"

#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/decimal.h"
#include "common/iso_date.h"
#include "common/remembered_words.h"
#include "common/sha256.h"
#include "normalizer/units.h"
#include "protos/api_dates.h"

namespace factstore::storage {
namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xFF';
constexpr char kTerminator = '\x01';

// Sign classes of sortable decimals. Never renumber.
constexpr uint8_t kNegativeClass = 0x01;
constexpr uint8_t kZeroClass = 0x02;
constexpr uint8_t kPositiveClass = 0x03;
constexpr uint32_t kExponentBias = 0x8000;

// Kind bytes of the kNames entries beside NameKind's. Never renumber.
constexpr uint8_t kEntityTypeKind = 3;
constexpr uint8_t kExternalIdKind = 4;
// Schema version 4's word entries (one per word and fact); only cleared now.
constexpr uint8_t kLegacyFactWordKind = 5;
constexpr uint8_t kWordPostingKind = 6;
constexpr uint8_t kWordSortKind = 7;

void PutByte(std::string* dst, uint8_t b) {
  dst->push_back(static_cast<char>(b));
}

bool GetByte(absl::string_view* input, uint8_t* b) {
  if (input->empty()) return false;
  *b = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  return true;
}

}  // namespace

void PutEscapedPrefix(std::string* dst, absl::string_view prefix) {
  // Ids, names and words seldom hold a zero byte: the runs between escapes
  // are appended whole.
  while (!prefix.empty()) {
    const void* zero = std::memchr(prefix.data(), kEscape, prefix.size());
    if (zero == nullptr) {
      dst->append(prefix.data(), prefix.size());
      return;
    }
    const size_t run =
        static_cast<size_t>(static_cast<const char*>(zero) - prefix.data());
    dst->append(prefix.data(), run);
    dst->push_back(kEscape);
    dst->push_back(kEscapedZero);
    prefix.remove_prefix(run + 1);
  }
}

void PutEscapedString(std::string* dst, absl::string_view s) {
  PutEscapedPrefix(dst, s);
  dst->push_back(kEscape);
  dst->push_back(kTerminator);
}

bool GetEscapedString(absl::string_view* input, std::string* out) {
  out->clear();
  const char* p = input->data();
  const char* end = p + input->size();
  while (p < end) {
    // The run up to the next escape byte is copied whole.
    const char* escape = static_cast<const char*>(
        std::memchr(p, kEscape, static_cast<size_t>(end - p)));
    if (escape == nullptr) return false;  // no terminator
    out->append(p, static_cast<size_t>(escape - p));
    p = escape + 1;
    if (p == end) return false;
    char next = *p++;
    if (next == kEscapedZero) {
      out->push_back(kEscape);
    } else if (next == kTerminator) {
      input->remove_prefix(static_cast<size_t>(p - input->data()));
      return true;
    } else {
      return false;
    }
  }
  return false;
}

void PutFixed32BigEndian(std::string* dst, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    dst->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

void PutFixed64BigEndian(std::string* dst, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    dst->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

bool GetFixed32BigEndian(absl::string_view* input, uint32_t* value) {
  if (input->size() < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>((*input)[i]);
  input->remove_prefix(4);
  *value = v;
  return true;
}

bool GetFixed64BigEndian(absl::string_view* input, uint64_t* value) {
  if (input->size() < 8) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>((*input)[i]);
  input->remove_prefix(8);
  *value = v;
  return true;
}

// A nonzero decimal is written as 0.d1d2...dn * 10^E with d1 != 0 and
// dn != 0. Positive numbers: class, U16(E + bias), the digits as ASCII, 0x00.
// Negative numbers: class, the bitwise complement of all of that, so larger
// magnitudes sort first and the terminator (0xFF) after every digit.
void PutSortableDecimal(std::string* dst, absl::string_view decimal) {
  bool negative = !decimal.empty() && decimal[0] == '-';
  absl::string_view magnitude = negative ? decimal.substr(1) : decimal;
  std::string digits;
  int point = -1;  // number of digits before the decimal point
  for (size_t i = 0; i < magnitude.size(); ++i) {
    if (magnitude[i] == '.') {
      point = static_cast<int>(digits.size());
    } else {
      digits.push_back(magnitude[i]);
    }
  }
  if (point < 0) point = static_cast<int>(digits.size());
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    PutByte(dst, kZeroClass);
    return;
  }
  size_t last = digits.find_last_not_of('0');
  int exponent = point - static_cast<int>(first);
  std::string body;
  uint32_t biased =
      static_cast<uint32_t>(exponent + static_cast<int>(kExponentBias));
  PutByte(&body, static_cast<uint8_t>((biased >> 8) & 0xFF));
  PutByte(&body, static_cast<uint8_t>(biased & 0xFF));
  body.append(digits, first, last - first + 1);
  body.push_back('\x00');
  PutByte(dst, negative ? kNegativeClass : kPositiveClass);
  if (negative) {
    for (char& c : body) c = static_cast<char>(~static_cast<uint8_t>(c));
  }
  dst->append(body);
}

bool GetSortableDecimal(absl::string_view* input, std::string* decimal) {
  uint8_t cls;
  if (!GetByte(input, &cls)) return false;
  if (cls == kZeroClass) {
    *decimal = "0";
    return true;
  }
  if (cls != kNegativeClass && cls != kPositiveClass) return false;
  bool negative = cls == kNegativeClass;
  auto next = [&](uint8_t* b) {
    if (!GetByte(input, b)) return false;
    if (negative) *b = static_cast<uint8_t>(~*b);
    return true;
  };
  uint8_t hi, lo;
  if (!next(&hi) || !next(&lo)) return false;
  int exponent = static_cast<int>((static_cast<uint32_t>(hi) << 8) | lo) -
                 static_cast<int>(kExponentBias);
  std::string digits;
  while (true) {
    uint8_t b;
    if (!next(&b)) return false;
    if (b == 0) break;
    if (b < '0' || b > '9') return false;
    digits.push_back(static_cast<char>(b));
    if (digits.size() > kMaxDecimalLength) return false;
  }
  if (digits.empty() || digits.front() == '0' || digits.back() == '0') {
    return false;
  }
  if (exponent < -static_cast<int>(kMaxDecimalLength) ||
      exponent > static_cast<int>(kMaxDecimalLength)) {
    return false;
  }
  // Value = 0.digits * 10^exponent.
  std::string out = negative ? "-" : "";
  int n = static_cast<int>(digits.size());
  if (exponent <= 0) {
    absl::StrAppend(&out, "0.",
                    std::string(static_cast<size_t>(-exponent), '0'), digits);
  } else if (exponent >= n) {
    absl::StrAppend(&out, digits,
                    std::string(static_cast<size_t>(exponent - n), '0'));
  } else {
    absl::StrAppend(&out, digits.substr(0, exponent), ".",
                    digits.substr(exponent));
  }
  if (!IsCanonicalDecimal(out)) return false;
  *decimal = std::move(out);
  return true;
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    uint8_t last = static_cast<uint8_t>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

namespace {

std::string SingleStringKey(absl::string_view s) {
  std::string key;
  PutEscapedString(&key, s);
  return key;
}

}  // namespace

std::string EntityKey(absl::string_view entity_id) {
  return SingleStringKey(entity_id);
}
std::string FactKey(absl::string_view fact_id) {
  return SingleStringKey(fact_id);
}
std::string PredicateKey(absl::string_view name) {
  return SingleStringKey(name);
}
std::string PredicateNamePrefix(absl::string_view name_prefix) {
  std::string key;
  PutEscapedPrefix(&key, name_prefix);
  return key;
}
std::string TombstoneKey(absl::string_view entity_id) {
  return SingleStringKey(entity_id);
}
std::string RequestKey(absl::string_view request_id) {
  return SingleStringKey(request_id);
}

std::string CommitKey(uint64_t commit) {
  std::string key;
  PutFixed64BigEndian(&key, commit);
  return key;
}

bool DecodeCommitKey(absl::string_view key, uint64_t* commit) {
  return GetFixed64BigEndian(&key, commit) && key.empty();
}

bool DecodeStringKey(absl::string_view key, std::string* value) {
  return GetEscapedString(&key, value) && key.empty();
}

std::string NameKey(NameKind kind, absl::string_view folded,
                    absl::string_view entity_id) {
  std::string key;
  PutByte(&key, static_cast<uint8_t>(kind));
  PutEscapedString(&key, folded);
  PutEscapedString(&key, entity_id);
  return key;
}

std::string NamePrefix(NameKind kind, absl::string_view folded_prefix) {
  std::string key;
  PutByte(&key, static_cast<uint8_t>(kind));
  PutEscapedPrefix(&key, folded_prefix);
  return key;
}

std::string NameExactPrefix(NameKind kind, absl::string_view folded) {
  std::string key;
  PutByte(&key, static_cast<uint8_t>(kind));
  PutEscapedString(&key, folded);
  return key;
}

bool DecodeNameKey(absl::string_view key, NameKeyParts* parts) {
  uint8_t kind;
  if (!GetByte(&key, &kind)) return false;
  if (kind != static_cast<uint8_t>(NameKind::kFullName) &&
      kind != static_cast<uint8_t>(NameKind::kWordSuffix)) {
    return false;
  }
  parts->kind = static_cast<NameKind>(kind);
  return GetEscapedString(&key, &parts->folded) &&
         GetEscapedString(&key, &parts->entity_id) && key.empty();
}

std::string EntityTypePrefix(int entity_type) {
  std::string key;
  PutByte(&key, kEntityTypeKind);
  PutFixed32BigEndian(&key, static_cast<uint32_t>(entity_type));
  return key;
}

std::string EntityTypeKey(int entity_type, absl::string_view entity_id) {
  std::string key = EntityTypePrefix(entity_type);
  PutEscapedString(&key, entity_id);
  return key;
}

bool DecodeEntityTypeKey(absl::string_view key, int* entity_type,
                         std::string* entity_id) {
  uint8_t kind;
  uint32_t type;
  if (!GetByte(&key, &kind) || kind != kEntityTypeKind ||
      !GetFixed32BigEndian(&key, &type)) {
    return false;
  }
  *entity_type = static_cast<int>(type);
  return GetEscapedString(&key, entity_id) && key.empty();
}

std::string ExternalIdPrefix(absl::string_view system,
                             absl::string_view value) {
  std::string key;
  PutByte(&key, kExternalIdKind);
  PutEscapedString(&key, system);
  PutEscapedString(&key, value);
  return key;
}

std::string ExternalIdKey(absl::string_view system, absl::string_view value,
                          absl::string_view entity_id) {
  std::string key = ExternalIdPrefix(system, value);
  PutEscapedString(&key, entity_id);
  return key;
}

bool DecodeExternalIdKey(absl::string_view key, std::string* system,
                         std::string* value, std::string* entity_id) {
  uint8_t kind;
  return GetByte(&key, &kind) && kind == kExternalIdKind &&
         GetEscapedString(&key, system) && GetEscapedString(&key, value) &&
         GetEscapedString(&key, entity_id) && key.empty();
}

bool IsDerivedFactId(absl::string_view id) {
  if (id.size() != kDerivedFactIdPrefix.size() + 2 * kDerivedFactIdBytes ||
      !absl::StartsWith(id, kDerivedFactIdPrefix)) {
    return false;
  }
  for (char c : id.substr(kDerivedFactIdPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

uint64_t WordHash(absl::string_view word) {
  // SHA-256 was a twelfth of the ingest server's CPU, and the words of news
  // repeat a lot: each thread remembers the hashes of the words it met, until
  // an erasure forgets them (common/remembered_words.h).
  thread_local RememberedWords<uint64_t> remembered(/*capacity=*/1 << 16);
  return remembered.Get(word, [](absl::string_view w) {
    // The first eight bytes of SHA-256: a hash that stays the same across
    // builds and machines, as an on-disk key must.
    Sha256Digest digest = Sha256(w);
    uint64_t hash = 0;
    for (int i = 0; i < 8; ++i) hash = (hash << 8) | digest[i];
    return hash;
  });
}

namespace {

std::string KindPrefix(uint8_t kind) {
  std::string key;
  PutByte(&key, kind);
  return key;
}

}  // namespace

std::string WordPostingKey(uint64_t word_hash, uint64_t commit) {
  std::string key = KindPrefix(kWordPostingKind);
  PutFixed64BigEndian(&key, word_hash);
  PutFixed64BigEndian(&key, commit);
  return key;
}

std::string WordPostingPrefix(absl::string_view word) {
  std::string key = KindPrefix(kWordPostingKind);
  PutFixed64BigEndian(&key, WordHash(word));
  return key;
}

bool DecodeWordPostingKey(absl::string_view key, uint64_t* word_hash,
                          uint64_t* commit) {
  uint8_t kind;
  return GetByte(&key, &kind) && kind == kWordPostingKind &&
         GetFixed64BigEndian(&key, word_hash) &&
         GetFixed64BigEndian(&key, commit) && key.empty();
}

std::string WordSortKey(uint64_t word_hash, uint64_t commit,
                        absl::string_view fact_id) {
  std::string key = KindPrefix(kWordSortKind);
  PutFixed64BigEndian(&key, word_hash);
  PutFixed64BigEndian(&key, commit);
  PutEscapedString(&key, fact_id);
  return key;
}

bool DecodeWordSortKey(absl::string_view key, uint64_t* word_hash,
                       uint64_t* commit, std::string* fact_id) {
  uint8_t kind;
  return GetByte(&key, &kind) && kind == kWordSortKind &&
         GetFixed64BigEndian(&key, word_hash) &&
         GetFixed64BigEndian(&key, commit) && GetEscapedString(&key, fact_id) &&
         key.empty();
}

std::string WordSortKindPrefix() { return KindPrefix(kWordSortKind); }

bool IsLegacyFactWordKey(absl::string_view key) {
  return !key.empty() && static_cast<uint8_t>(key[0]) == kLegacyFactWordKind;
}

std::string WordIndexBegin() { return KindPrefix(kLegacyFactWordKind); }

std::string WordIndexEnd() { return KindPrefix(kWordSortKind + 1); }

std::string SubjectIndexKey(absl::string_view subject,
                            absl::string_view predicate, uint32_t first_day,
                            uint32_t end_day, absl::string_view fact_id) {
  std::string key =
      SubjectPredicateTimePrefix(subject, predicate, first_day, end_day);
  PutEscapedString(&key, fact_id);
  return key;
}

std::string SubjectPredicateTimePrefix(absl::string_view subject,
                                       absl::string_view predicate,
                                       uint32_t first_day, uint32_t end_day) {
  std::string key;
  PutEscapedString(&key, subject);
  PutEscapedString(&key, predicate);
  PutFixed32BigEndian(&key, first_day);
  PutFixed32BigEndian(&key, end_day);
  return key;
}

std::string SubjectPrefix(absl::string_view subject) {
  return SingleStringKey(subject);
}

std::string SubjectPredicatePrefix(absl::string_view subject,
                                   absl::string_view predicate) {
  std::string key;
  PutEscapedString(&key, subject);
  PutEscapedString(&key, predicate);
  return key;
}

std::string SubjectPredicateStemPrefix(absl::string_view subject,
                                       absl::string_view predicate_prefix) {
  std::string key;
  PutEscapedString(&key, subject);
  PutEscapedPrefix(&key, predicate_prefix);
  return key;
}

bool DecodeSubjectIndexKey(absl::string_view key, SubjectIndexParts* parts) {
  return GetEscapedString(&key, &parts->subject) &&
         GetEscapedString(&key, &parts->predicate) &&
         GetFixed32BigEndian(&key, &parts->first_day) &&
         GetFixed32BigEndian(&key, &parts->end_day) &&
         GetEscapedString(&key, &parts->fact_id) && key.empty();
}

absl::Status PredicateIndexKey(absl::string_view predicate,
                               const v1::Value& value,
                               absl::string_view fact_id, std::string* key) {
  key->clear();
  PutEscapedString(key, predicate);
  switch (value.kind_case()) {
    case v1::Value::kEntityId:
      PutByte(key, static_cast<uint8_t>(ValueTag::kEntity));
      PutEscapedString(key, value.entity_id());
      break;
    case v1::Value::kQuantity:
      if (!IsCanonicalDecimal(value.quantity().amount())) {
        return absl::InvalidArgumentError(
            absl::StrCat("amount is not a canonical decimal: \"",
                         value.quantity().amount(), "\""));
      }
      {
        const normalizer::IndexedQuantity indexed = normalizer::IndexForm(
            value.quantity().unit(), value.quantity().amount());
        if (!IsCanonicalDecimal(indexed.amount)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "amount has more than ", kMaxDecimalLength, " digits in ",
              indexed.unit, ": \"", value.quantity().amount(), "\""));
        }
        PutByte(key, static_cast<uint8_t>(ValueTag::kQuantity));
        PutEscapedString(key, indexed.unit);
        PutSortableDecimal(key, indexed.amount);
      }
      break;
    case v1::Value::kText:
      PutByte(key, static_cast<uint8_t>(ValueTag::kText));
      break;
    case v1::Value::kTime: {
      absl::StatusOr<DayRange> days = TimeValueDays(value.time());
      if (!days.ok()) return days.status();
      PutByte(key, static_cast<uint8_t>(ValueTag::kTime));
      PutFixed32BigEndian(key, static_cast<uint32_t>(days->first));
      PutFixed32BigEndian(key, static_cast<uint32_t>(days->end));
      break;
    }
    case v1::Value::kBoolean:
      PutByte(key, static_cast<uint8_t>(ValueTag::kBoolean));
      PutByte(key, value.boolean() ? 1 : 0);
      break;
    default:
      return absl::InvalidArgumentError("value is not normalized");
  }
  PutEscapedString(key, fact_id);
  return absl::OkStatus();
}

std::string PredicatePrefix(absl::string_view predicate) {
  return SingleStringKey(predicate);
}

std::string PredicateStemPrefix(absl::string_view predicate_prefix) {
  std::string key;
  PutEscapedPrefix(&key, predicate_prefix);
  return key;
}

std::string PredicateQuantityPrefix(absl::string_view predicate,
                                    absl::string_view unit) {
  std::string key;
  PutEscapedString(&key, predicate);
  PutByte(&key, static_cast<uint8_t>(ValueTag::kQuantity));
  PutEscapedString(&key, normalizer::IndexForm(unit, "0").unit);
  return key;
}

std::string PredicateQuantityBound(absl::string_view predicate,
                                   absl::string_view unit,
                                   absl::string_view amount) {
  const normalizer::IndexedQuantity indexed =
      normalizer::IndexForm(unit, amount);
  std::string key;
  PutEscapedString(&key, predicate);
  PutByte(&key, static_cast<uint8_t>(ValueTag::kQuantity));
  PutEscapedString(&key, indexed.unit);
  PutSortableDecimal(&key, indexed.amount);
  return key;
}

bool DecodePredicateIndexKey(absl::string_view key,
                             PredicateIndexParts* parts) {
  if (!GetEscapedString(&key, &parts->predicate)) return false;
  uint8_t tag;
  if (!GetByte(&key, &tag)) return false;
  parts->unit.clear();
  parts->amount.clear();
  switch (static_cast<ValueTag>(tag)) {
    case ValueTag::kEntity: {
      std::string id;
      if (!GetEscapedString(&key, &id)) return false;
      break;
    }
    case ValueTag::kQuantity:
      if (!GetEscapedString(&key, &parts->unit) ||
          !GetSortableDecimal(&key, &parts->amount)) {
        return false;
      }
      break;
    case ValueTag::kText:
      break;
    case ValueTag::kTime: {
      uint32_t first, end;
      if (!GetFixed32BigEndian(&key, &first) ||
          !GetFixed32BigEndian(&key, &end)) {
        return false;
      }
      break;
    }
    case ValueTag::kBoolean: {
      uint8_t b;
      if (!GetByte(&key, &b) || b > 1) return false;
      break;
    }
    default:
      return false;
  }
  parts->tag = static_cast<ValueTag>(tag);
  return GetEscapedString(&key, &parts->fact_id) && key.empty();
}

std::string ReferenceIndexKey(absl::string_view entity_id, ReferenceRole role,
                              absl::string_view fact_id) {
  std::string key = ReferencePrefix(entity_id, role);
  PutEscapedString(&key, fact_id);
  return key;
}

std::string ReferencePrefix(absl::string_view entity_id, ReferenceRole role) {
  std::string key;
  PutEscapedString(&key, entity_id);
  PutByte(&key, static_cast<uint8_t>(role));
  return key;
}

std::string ReferenceEntityPrefix(absl::string_view entity_id) {
  return SingleStringKey(entity_id);
}

bool DecodeReferenceIndexKey(absl::string_view key,
                             ReferenceIndexParts* parts) {
  if (!GetEscapedString(&key, &parts->entity_id)) return false;
  uint8_t role;
  if (!GetByte(&key, &role) || role < 1 || role > 4) return false;
  parts->role = static_cast<ReferenceRole>(role);
  return GetEscapedString(&key, &parts->fact_id) && key.empty();
}

std::string ValidTimeIndexKey(uint32_t first_day, uint32_t end_day,
                              absl::string_view fact_id) {
  bool open = first_day == static_cast<uint32_t>(kOpenFirstDay) ||
              end_day == static_cast<uint32_t>(kOpenEndDay);
  std::string key = ValidTimeStartBound(
      open ? IntervalClass::kOpen : IntervalClass::kBounded, first_day);
  PutFixed32BigEndian(&key, end_day);
  PutEscapedString(&key, fact_id);
  return key;
}

std::string ValidTimeStartBound(IntervalClass cls, uint32_t first_day) {
  std::string key;
  PutByte(&key, static_cast<uint8_t>(cls));
  PutFixed32BigEndian(&key, first_day);
  return key;
}

bool DecodeValidTimeIndexKey(absl::string_view key,
                             ValidTimeIndexParts* parts) {
  uint8_t cls;
  if (!GetByte(&key, &cls) || cls < 1 || cls > 2) return false;
  parts->interval_class = static_cast<IntervalClass>(cls);
  if (!GetFixed32BigEndian(&key, &parts->first_day) ||
      !GetFixed32BigEndian(&key, &parts->end_day)) {
    return false;
  }
  // The class follows from the days (ValidTimeIndexKey); a key whose class
  // byte disagrees was not written by it.
  bool open = parts->first_day == static_cast<uint32_t>(kOpenFirstDay) ||
              parts->end_day == static_cast<uint32_t>(kOpenEndDay);
  if (open != (parts->interval_class == IntervalClass::kOpen)) return false;
  return GetEscapedString(&key, &parts->fact_id) && key.empty();
}

}  // namespace factstore::storage
