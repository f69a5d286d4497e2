// Fuzz target for the normalizer: what sources write, read in the three
// languages, must come out canonical or be refused with INVALID_ARGUMENT.
//
// Input: one selector byte, then the text.
//   bits 0-2  the language tag (en, vi, ko, "", vi-VN, ko-KR, de, EN)
//   bits 3-5  the unit hint of NormalizeQuantity (as predicates declare them)
// The text goes through NormalizeQuantity, NormalizeDate, NormalizeValidTime,
// ParseBoolean, FoldName and FoldNameWithWords (and the unit and decimal
// canonicalizers they build on). Invariants checked:
//   - every error is INVALID_ARGUMENT with a message that is valid UTF-8;
//   - an OK quantity has a canonical amount (IsCanonicalDecimal), a known
//     unit that fits the hint, consistent range bounds, surface_text equal to
//     the text, and is a fixed point of CanonicalizeQuantity;
//   - an OK date has a precision set and fits it (TimeValueDays: a quarter
//     or half year starts in its first month, a decade in a year that is a
//     multiple of 10), its interval_start/interval_end are the days
//     TimeValueDays gives, and it is a fixed point of CanonicalizeTimeValue;
//     an OK valid time is one of CanonicalizeValidTime, with a sound
//     interval;
//   - folding is idempotent, FoldName(FoldName(x)) == FoldName(x), gives
//     valid UTF-8, and FoldNameWithWords agrees with FoldName.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/decimal.h"
#include "common/iso_date.h"
#include "factstore/v1/types.pb.h"
#include "fuzz/fuzz_check.h"
#include "normalizer/date_normalizer.h"
#include "normalizer/name_folding.h"
#include "normalizer/quantity_normalizer.h"
#include "normalizer/units.h"
#include "normalizer/value_parsers.h"
#include "protos/api_dates.h"

namespace factstore::fuzz {
namespace {

using normalizer::UnitHint;

constexpr absl::string_view kLanguages[8] = {"en",    "vi",    "ko", "",
                                             "vi-VN", "ko-KR", "de", "EN"};

UnitHint HintFor(int selector) {
  UnitHint hint;
  switch (selector) {
    case 1:
      hint.dimension = v1::UNIT_DIMENSION_MONEY;
      break;
    case 2:
      hint.dimension = v1::UNIT_DIMENSION_COUNT;
      break;
    case 3:
      hint.dimension = v1::UNIT_DIMENSION_COUNT;
      hint.allowed_units = {"person"};
      break;
    case 4:
      hint.dimension = v1::UNIT_DIMENSION_RATIO;
      break;
    case 5:
      hint.dimension = v1::UNIT_DIMENSION_DURATION;
      break;
    case 6:
      hint.dimension = v1::UNIT_DIMENSION_MONEY;
      hint.allowed_units = {"usd", "VND"};
      break;
    case 7:
      hint.allowed_units = {"person", "organization"};
      break;
    default:
      break;
  }
  return hint;
}

void CheckError(const absl::Status& status, absl::string_view what,
                absl::string_view text) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument)
      << what << " of " << Show(text) << " failed with " << status.ToString();
  FUZZ_CHECK(IsStrictUtf8(status.message()))
      << what << " of " << Show(text)
      << ": message is not UTF-8: " << Show(status.message());
}

bool SameMessage(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

void CheckQuantity(absl::string_view text, absl::string_view language,
                   const UnitHint& hint) {
  absl::StatusOr<v1::Quantity> q =
      normalizer::NormalizeQuantity(text, language, hint);
  if (!q.ok()) {
    CheckError(q.status(), "NormalizeQuantity", text);
    return;
  }
  const std::string shown = Show(text);
  FUZZ_CHECK(IsCanonicalDecimal(q->amount()))
      << shown << " -> amount " << Show(q->amount());
  FUZZ_CHECK(normalizer::IsKnownUnit(q->unit()))
      << shown << " -> unit " << Show(q->unit());
  absl::Status fits = normalizer::CheckUnitFitsHint(q->unit(), hint);
  FUZZ_CHECK(fits.ok()) << shown << " -> unit " << q->unit() << ": "
                        << fits.ToString();
  FUZZ_CHECK(q->comparator() != v1::COMPARATOR_UNSPECIFIED &&
             v1::Comparator_IsValid(q->comparator()))
      << shown << " -> comparator " << q->comparator();
  if (q->comparator() == v1::COMPARATOR_RANGE) {
    FUZZ_CHECK(IsCanonicalDecimal(q->lower_bound()) &&
               IsCanonicalDecimal(q->upper_bound()))
        << shown << " -> bounds " << Show(q->lower_bound()) << ", "
        << Show(q->upper_bound());
    FUZZ_CHECK(CompareDecimals(q->lower_bound(), q->upper_bound()) <= 0)
        << shown << " -> range " << q->lower_bound() << ".."
        << q->upper_bound();
    FUZZ_CHECK(q->amount() == q->lower_bound())
        << shown << " -> amount " << q->amount() << " is not the lower bound "
        << q->lower_bound();
  } else {
    FUZZ_CHECK(q->lower_bound().empty() && q->upper_bound().empty())
        << shown << " -> bounds on a comparator "
        << v1::Comparator_Name(q->comparator());
  }
  FUZZ_CHECK(q->surface_text() == text)
      << shown << " -> surface_text " << Show(q->surface_text());
  absl::StatusOr<v1::Quantity> again = normalizer::CanonicalizeQuantity(*q);
  FUZZ_CHECK(again.ok()) << shown << " -> " << q->ShortDebugString()
                         << ", which CanonicalizeQuantity refuses: "
                         << again.status().ToString();
  FUZZ_CHECK(SameMessage(*again, *q))
      << shown << " -> " << q->ShortDebugString()
      << ", not canonical: " << again->ShortDebugString();
}

void CheckTimeValue(const v1::TimeValue& t, absl::string_view text,
                    absl::string_view what) {
  const std::string shown = Show(text);
  FUZZ_CHECK(t.precision() != v1::DATE_PRECISION_UNSPECIFIED)
      << what << " " << shown << " -> " << t.ShortDebugString()
      << ": no precision";
  // The date fits its precision, which may be longer than the date's shape
  // says ("2024-07" of a QUARTER).
  absl::StatusOr<DayRange> days = TimeValueDays(t);
  FUZZ_CHECK(days.ok()) << what << " " << shown << " -> "
                        << t.ShortDebugString() << ": "
                        << days.status().ToString();
  FUZZ_CHECK(days->first < days->end)
      << what << " " << shown << " -> an empty interval "
      << t.ShortDebugString();
  const std::string first =
      FormatIsoDate(DayFromNumber(days->first), DatePrecision::kDay);
  const std::string end =
      FormatIsoDate(DayFromNumber(days->end), DatePrecision::kDay);
  FUZZ_CHECK(t.interval_start() == first && t.interval_end() == end)
      << what << " " << shown << " -> " << t.ShortDebugString()
      << ", whose days are " << first << ".." << end;
  FUZZ_CHECK(t.modifier() != v1::DATE_MODIFIER_UNSPECIFIED &&
             v1::DateModifier_IsValid(t.modifier()))
      << what << " " << shown << " -> modifier " << t.modifier();
  FUZZ_CHECK(t.raw().empty())
      << what << " " << shown << " -> raw " << Show(t.raw());
  absl::StatusOr<v1::TimeValue> again = normalizer::CanonicalizeTimeValue(t);
  FUZZ_CHECK(again.ok()) << what << " " << shown << " -> "
                         << t.ShortDebugString()
                         << ", which CanonicalizeTimeValue refuses: "
                         << again.status().ToString();
  FUZZ_CHECK(SameMessage(*again, t))
      << what << " " << shown << " -> " << t.ShortDebugString()
      << ", not canonical: " << again->ShortDebugString();
}

void CheckDate(absl::string_view text, absl::string_view language) {
  absl::StatusOr<v1::TimeValue> t = normalizer::NormalizeDate(text, language);
  if (!t.ok()) {
    CheckError(t.status(), "NormalizeDate", text);
    return;
  }
  CheckTimeValue(*t, text, "NormalizeDate");
  FUZZ_CHECK(t->surface_text() == text)
      << Show(text) << " -> surface_text " << Show(t->surface_text());
}

void CheckValidTime(absl::string_view text, absl::string_view language) {
  absl::StatusOr<v1::ValidTime> vt =
      normalizer::NormalizeValidTime(text, language);
  if (!vt.ok()) {
    CheckError(vt.status(), "NormalizeValidTime", text);
    return;
  }
  const std::string shown = Show(text);
  FUZZ_CHECK(vt->raw().empty()) << shown << " -> raw " << Show(vt->raw());
  FUZZ_CHECK(vt->has_at() || vt->has_start() || vt->has_end())
      << shown << " -> an empty valid time";
  FUZZ_CHECK(!(vt->has_at() && (vt->has_start() || vt->has_end())))
      << shown << " -> both at and start/end: " << vt->ShortDebugString();
  if (vt->has_at()) CheckTimeValue(vt->at(), text, "NormalizeValidTime.at");
  if (vt->has_start()) {
    CheckTimeValue(vt->start(), text, "NormalizeValidTime.start");
  }
  if (vt->has_end()) CheckTimeValue(vt->end(), text, "NormalizeValidTime.end");
  auto range = ValidTimeRange(*vt);
  FUZZ_CHECK(range.ok() && range->has_value())
      << shown << " -> " << vt->ShortDebugString() << ": no interval";
  FUZZ_CHECK((*range)->first < (*range)->end)
      << shown << " -> an empty interval " << vt->ShortDebugString();
  for (bool end : {false, true}) {
    const std::string& bound = end ? vt->interval_end() : vt->interval_start();
    if (bound.empty()) continue;
    // The exclusive end of a time in 9999 is the first day of year 10000,
    // which no ISO date of factstore can name; it is written out as such.
    if (end && bound == "10000-01-01") continue;
    absl::StatusOr<IsoDate> day = ParseIsoDate(bound);
    FUZZ_CHECK(day.ok() && day->precision == DatePrecision::kDay)
        << shown << " -> interval bound " << Show(bound);
  }
  absl::StatusOr<v1::ValidTime> again = normalizer::CanonicalizeValidTime(*vt);
  FUZZ_CHECK(again.ok()) << shown << " -> " << vt->ShortDebugString()
                         << ", which CanonicalizeValidTime refuses: "
                         << again.status().ToString();
  FUZZ_CHECK(SameMessage(*again, *vt))
      << shown << " -> " << vt->ShortDebugString()
      << ", not canonical: " << again->ShortDebugString();
}

void CheckBoolean(absl::string_view text, absl::string_view language) {
  absl::StatusOr<bool> b = normalizer::ParseBoolean(text, language);
  if (!b.ok()) CheckError(b.status(), "ParseBoolean", text);
}

void CheckFolding(absl::string_view text) {
  const std::string shown = Show(text);
  std::string folded = normalizer::FoldName(text);
  FUZZ_CHECK(IsStrictUtf8(folded)) << shown << " folds to " << Show(folded);
  std::string twice = normalizer::FoldName(folded);
  FUZZ_CHECK(twice == folded)
      << "folding is not idempotent: " << shown << " -> " << Show(folded)
      << " -> " << Show(twice);
  normalizer::NameFormParts parts = normalizer::FoldNameWithWords(text);
  FUZZ_CHECK(parts.folded == folded)
      << shown << ": FoldNameWithWords gives " << Show(parts.folded)
      << ", FoldName " << Show(folded);
  FUZZ_CHECK(parts.word_suffixes.size() <= normalizer::kMaxWordSuffixes)
      << shown << ": " << parts.word_suffixes.size() << " word suffixes";
  for (const std::string& suffix : parts.word_suffixes) {
    FUZZ_CHECK(!suffix.empty()) << shown << ": an empty word suffix";
    FUZZ_CHECK(IsStrictUtf8(suffix)) << shown << ": suffix " << Show(suffix);
    FUZZ_CHECK(normalizer::FoldName(suffix) == suffix)
        << shown << ": suffix " << Show(suffix) << " is not folded";
  }
}

void CheckUnitAndDecimal(absl::string_view text) {
  absl::StatusOr<std::string> unit = normalizer::CanonicalizeUnit(text);
  if (unit.ok()) {
    FUZZ_CHECK(normalizer::IsKnownUnit(*unit))
        << Show(text) << " -> unknown unit " << Show(*unit);
    FUZZ_CHECK(normalizer::DimensionOfUnit(*unit) !=
               v1::UNIT_DIMENSION_UNSPECIFIED)
        << Show(text) << " -> unit " << *unit << " of no dimension";
    auto again = normalizer::CanonicalizeUnit(*unit);
    FUZZ_CHECK(again.ok() && *again == *unit)
        << Show(text) << " -> " << *unit << ", not canonical";
  } else {
    CheckError(unit.status(), "CanonicalizeUnit", text);
  }
  absl::StatusOr<std::string> decimal = CanonicalizeDecimal(text);
  if (decimal.ok()) {
    FUZZ_CHECK(IsCanonicalDecimal(*decimal))
        << Show(text) << " -> decimal " << Show(*decimal);
    auto again = CanonicalizeDecimal(*decimal);
    FUZZ_CHECK(again.ok() && *again == *decimal)
        << Show(text) << " -> " << *decimal << ", not canonical";
  }
}

}  // namespace
}  // namespace factstore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace factstore::fuzz;
  if (size == 0) return 0;
  const int selector = data[0];
  absl::string_view language = kLanguages[selector & 7];
  factstore::normalizer::UnitHint hint = HintFor((selector >> 3) & 7);
  absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  CheckQuantity(text, language, hint);
  CheckDate(text, language);
  CheckValidTime(text, language);
  CheckBoolean(text, language);
  CheckFolding(text);
  CheckUnitAndDecimal(text);
  return 0;
}
