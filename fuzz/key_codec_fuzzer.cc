// Fuzz target for the key codec (storage/key_codec.h): every decoder on
// arbitrary bytes, as keys read back from RocksDB (or a damaged store) would
// be. Invariants checked:
//   - no decoder crashes or reads out of bounds, whatever the bytes;
//   - whatever decodes re-encodes to exactly the same bytes, so one key has
//     one meaning and a decoded key can be used to seek back to itself;
//   - the primitive Get* functions consume exactly what the Put* functions
//     write for the value they return;
//   - the encodings keep order: two strings (two decimals) compare as their
//     encodings do, and a prefix successor sorts after every key that starts
//     with the prefix.
// The input is also split in two halves for the order checks.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/decimal.h"
#include "factstore/v1/types.pb.h"
#include "fuzz/fuzz_check.h"
#include "storage/key_codec.h"

namespace factstore::fuzz {
namespace {

namespace st = storage;

int Sign(int v) { return (v > 0) - (v < 0); }

// The bytes of `whole` that a decoder consumed, given what it left.
absl::string_view Consumed(absl::string_view whole, absl::string_view rest) {
  return whole.substr(0, whole.size() - rest.size());
}

void CheckPrimitives(absl::string_view key) {
  {
    absl::string_view rest = key;
    std::string s;
    if (st::GetEscapedString(&rest, &s)) {
      std::string again;
      st::PutEscapedString(&again, s);
      FUZZ_CHECK(again == Consumed(key, rest))
          << "GetEscapedString(" << Show(key) << ") = " << Show(s)
          << ", which encodes as " << Show(again);
    }
  }
  {
    absl::string_view rest = key;
    uint32_t v;
    if (st::GetFixed32BigEndian(&rest, &v)) {
      std::string again;
      st::PutFixed32BigEndian(&again, v);
      FUZZ_CHECK(again == Consumed(key, rest)) << "Fixed32 of " << Show(key);
    } else {
      FUZZ_CHECK(key.size() < 4) << "GetFixed32BigEndian refused " << Show(key);
    }
  }
  {
    absl::string_view rest = key;
    uint64_t v;
    if (st::GetFixed64BigEndian(&rest, &v)) {
      std::string again;
      st::PutFixed64BigEndian(&again, v);
      FUZZ_CHECK(again == Consumed(key, rest)) << "Fixed64 of " << Show(key);
    } else {
      FUZZ_CHECK(key.size() < 8) << "GetFixed64BigEndian refused " << Show(key);
    }
  }
  {
    absl::string_view rest = key;
    std::string decimal;
    if (st::GetSortableDecimal(&rest, &decimal)) {
      FUZZ_CHECK(IsCanonicalDecimal(decimal))
          << "GetSortableDecimal(" << Show(key) << ") = " << Show(decimal);
      std::string again;
      st::PutSortableDecimal(&again, decimal);
      FUZZ_CHECK(again == Consumed(key, rest))
          << "GetSortableDecimal(" << Show(key) << ") = " << decimal
          << ", which encodes as " << Show(again);
    }
  }
}

void CheckKeyLayouts(absl::string_view key) {
  uint64_t commit;
  if (st::DecodeCommitKey(key, &commit)) {
    FUZZ_CHECK(st::CommitKey(commit) == key) << "commit key " << Show(key);
  }
  std::string value;
  if (st::DecodeStringKey(key, &value)) {
    FUZZ_CHECK(st::EntityKey(value) == key && st::FactKey(value) == key &&
               st::PredicateKey(value) == key &&
               st::TombstoneKey(value) == key && st::RequestKey(value) == key)
        << "string key " << Show(key) << " decodes to " << Show(value);
  }
  st::NameKeyParts name;
  if (st::DecodeNameKey(key, &name)) {
    FUZZ_CHECK(st::NameKey(name.kind, name.folded, name.entity_id) == key)
        << "name key " << Show(key);
    FUZZ_CHECK(
        absl::StartsWith(key, st::NameExactPrefix(name.kind, name.folded)) &&
        absl::StartsWith(key, st::NamePrefix(name.kind, name.folded)))
        << "name key " << Show(key) << " outside its prefixes";
  }
  st::SubjectIndexParts subject;
  if (st::DecodeSubjectIndexKey(key, &subject)) {
    FUZZ_CHECK(st::SubjectIndexKey(subject.subject, subject.predicate,
                                   subject.first_day, subject.end_day,
                                   subject.fact_id) == key)
        << "subject index key " << Show(key);
    FUZZ_CHECK(absl::StartsWith(key, st::SubjectPredicatePrefix(
                                         subject.subject, subject.predicate)) &&
               absl::StartsWith(key, st::SubjectPredicateTimePrefix(
                                         subject.subject, subject.predicate,
                                         subject.first_day, subject.end_day)))
        << "subject index key " << Show(key) << " outside its prefixes";
  }
  st::PredicateIndexParts predicate;
  if (st::DecodePredicateIndexKey(key, &predicate)) {
    // The parts hold what queries need; rebuild the rest of the value from
    // the bytes between the tag and the fact id.
    std::string head = st::PredicatePrefix(predicate.predicate);
    head.push_back(static_cast<char>(predicate.tag));
    std::string tail;
    st::PutEscapedString(&tail, predicate.fact_id);
    FUZZ_CHECK(absl::StartsWith(key, head) && absl::EndsWith(key, tail) &&
               head.size() + tail.size() <= key.size())
        << "predicate index key " << Show(key);
    absl::string_view middle =
        key.substr(head.size(), key.size() - head.size() - tail.size());
    v1::Value v;
    switch (predicate.tag) {
      case st::ValueTag::kEntity: {
        absl::string_view rest = middle;
        std::string id;
        FUZZ_CHECK(st::GetEscapedString(&rest, &id) && rest.empty())
            << "entity value of " << Show(key);
        v.set_entity_id(id);
        break;
      }
      case st::ValueTag::kQuantity:
        v.mutable_quantity()->set_unit(predicate.unit);
        v.mutable_quantity()->set_amount(predicate.amount);
        FUZZ_CHECK(st::PredicateQuantityBound(
                       predicate.predicate, predicate.unit, predicate.amount) ==
                   head + std::string(middle))
            << "quantity key " << Show(key);
        break;
      case st::ValueTag::kText:
        v.mutable_text()->set_text("any");
        break;
      case st::ValueTag::kBoolean:
        FUZZ_CHECK(middle.size() == 1) << "boolean key " << Show(key);
        v.set_boolean(middle[0] == 1);
        break;
      case st::ValueTag::kTime: {
        // Days come from dates on the way in; rebuild the bytes directly.
        absl::string_view rest = middle;
        uint32_t first, end;
        FUZZ_CHECK(st::GetFixed32BigEndian(&rest, &first) &&
                   st::GetFixed32BigEndian(&rest, &end) && rest.empty())
            << "time key " << Show(key);
        break;
      }
      default:
        FUZZ_CHECK(false) << "predicate index key " << Show(key)
                          << " decodes with tag "
                          << static_cast<int>(predicate.tag);
    }
    if (predicate.tag != st::ValueTag::kTime) {
      std::string again;
      absl::Status s = st::PredicateIndexKey(predicate.predicate, v,
                                             predicate.fact_id, &again);
      FUZZ_CHECK(s.ok() && again == key)
          << "predicate index key " << Show(key) << " re-encodes as "
          << Show(again) << " (" << s.ToString() << ")";
    }
  }
  st::ReferenceIndexParts reference;
  if (st::DecodeReferenceIndexKey(key, &reference)) {
    FUZZ_CHECK(st::ReferenceIndexKey(reference.entity_id, reference.role,
                                     reference.fact_id) == key)
        << "reference index key " << Show(key);
  }
  st::ValidTimeIndexParts valid_time;
  if (st::DecodeValidTimeIndexKey(key, &valid_time)) {
    FUZZ_CHECK(st::ValidTimeIndexKey(valid_time.first_day, valid_time.end_day,
                                     valid_time.fact_id) == key)
        << "valid time index key " << Show(key) << " (class "
        << static_cast<int>(valid_time.interval_class) << ", days "
        << valid_time.first_day << ".." << valid_time.end_day << ")";
  }
}

void CheckOrder(absl::string_view a, absl::string_view b) {
  // Escaped strings sort as the strings do.
  std::string ea, eb;
  st::PutEscapedString(&ea, a);
  st::PutEscapedString(&eb, b);
  FUZZ_CHECK(Sign(a.compare(b)) == Sign(absl::string_view(ea).compare(eb)))
      << "escaping changes the order of " << Show(a) << " and " << Show(b);
  {
    absl::string_view rest = ea;
    std::string back;
    FUZZ_CHECK(st::GetEscapedString(&rest, &back) && rest.empty() && back == a)
        << "escaped " << Show(a) << " does not decode";
  }
  std::string prefix;
  st::PutEscapedPrefix(&prefix, a);
  FUZZ_CHECK(absl::StartsWith(ea, prefix)) << "prefix of " << Show(a);
  if (absl::StartsWith(b, a)) {
    FUZZ_CHECK(absl::StartsWith(eb, prefix))
        << Show(b) << " starts with " << Show(a) << ", its key does not";
  }

  // Sortable decimals sort numerically.
  auto da = CanonicalizeDecimal(a);
  auto db = CanonicalizeDecimal(b);
  if (da.ok() && db.ok()) {
    std::string ka, kb;
    st::PutSortableDecimal(&ka, *da);
    st::PutSortableDecimal(&kb, *db);
    FUZZ_CHECK(Sign(CompareDecimals(*da, *db)) ==
               Sign(absl::string_view(ka).compare(kb)))
        << "decimals " << *da << " and " << *db << " sort wrongly";
    absl::string_view rest = ka;
    std::string back;
    FUZZ_CHECK(st::GetSortableDecimal(&rest, &back) && rest.empty() &&
               back == *da)
        << "decimal " << *da << " does not decode: " << Show(back);
  }

  // A prefix successor is above every key with the prefix.
  std::string successor = st::PrefixSuccessor(a);
  if (a.find_first_not_of('\xFF') == absl::string_view::npos) {
    FUZZ_CHECK(successor.empty()) << "successor of " << Show(a);
  } else {
    FUZZ_CHECK(absl::string_view(successor) > a) << "successor of " << Show(a);
    std::string with_prefix = std::string(a) + std::string(b);
    FUZZ_CHECK(absl::string_view(with_prefix) < successor)
        << Show(with_prefix) << " is not below the successor of " << Show(a);
  }
}

}  // namespace
}  // namespace factstore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace factstore::fuzz;
  absl::string_view key(reinterpret_cast<const char*>(data), size);
  CheckPrimitives(key);
  CheckKeyLayouts(key);
  CheckOrder(key.substr(0, size / 2), key.substr(size / 2));
  return 0;
}
