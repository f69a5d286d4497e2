#include "normalizer/date_normalizer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/iso_date.h"
#include "common/remembered_words.h"
#include "common/status_macros.h"
#include "normalizer/text_tokens.h"
#include "protos/api_dates.h"

namespace factstore::normalizer {
namespace {

// The date grammar. ICU's date parsing reads one pattern of one locale at a
// time and corrects impossible dates (lenient) or needs the exact pattern
// (strict); sources mix forms and factstore must reject impossible dates, so
// the forms are listed here by hand as patterns over token shapes:
//
//   Y  a four-digit number      N  a one- or two-digit number
//   A  a month name (Aug, August)
//   G  "ngày"  T  "tháng"  R  "năm"       (Vietnamese day/month/year words)
//   K  년      L  월       J  일           (Korean year/month/day suffixes)
//   / - .  separators
//
// A date may be preceded by modifier words ("by", "khoảng", "약") and, in
// Korean, followed by them ("까지", "이후", "경"); a weekday may precede it
// and must then match it. Commas, ordinal suffixes ("2nd"), "the", "of" and
// a dot after a word ("Aug.") are ignored.
//
// Periods longer than a month (quarters, halves, thirds of a year, decades)
// and fiscal years are read first, by kPeriodPatterns below.

enum LanguageMask { kEn = 1, kVi = 2, kKo = 4, kAll = 7 };

struct DatePattern {
  // Pattern letters: 'y' a year (shape Y), 'm' a month number (N), 'a' a
  // month name (A), 'd' a day (N); any other character must equal the shape.
  const char* pattern;
  int languages;
  bool has_year;
};

constexpr DatePattern kPatterns[] = {
    {"y", kAll, true},
    {"y-m-d", kAll, true},
    {"y/m/d", kAll, true},
    {"y.m.d", kAll, true},
    {"y-m", kAll, true},
    {"y/m", kAll, true},
    {"y.m", kAll, true},
    {"m/y", kAll, true},
    {"m-y", kAll, true},
    {"m.y", kAll, true},
    // Day, month and year in numbers, year last: the order depends on the
    // language; Korean writes the year first, so there it is ambiguous.
    {"m/d/y", kEn, true},
    {"m-d-y", kEn, true},
    {"m.d.y", kEn, true},
    {"d/m/y", kVi, true},
    {"d-m-y", kVi, true},
    {"d.m.y", kVi, true},
    // English month names.
    {"ady", kAll, true},
    {"day", kAll, true},
    {"ay", kAll, true},
    {"ad", kAll, false},
    {"da", kAll, false},
    {"a", kAll, false},
    // Vietnamese.
    {"GdTmRy", kAll, true},
    {"dTmRy", kAll, true},
    {"GdTmy", kAll, true},
    {"Gd/m/y", kAll, true},
    {"Gd-m-y", kAll, true},
    {"Gd.m.y", kAll, true},
    {"TmRy", kAll, true},
    {"Tmy", kAll, true},
    {"Tm/y", kAll, true},
    {"Tm-y", kAll, true},
    {"Tm.y", kAll, true},
    {"Ry", kAll, true},
    {"GdTm", kAll, false},
    {"dTm", kAll, false},
    {"Tm", kAll, false},
    // Korean.
    {"yK", kAll, true},
    {"yKmL", kAll, true},
    {"yKmLdJ", kAll, true},
    {"mLdJ", kAll, false},
    {"mL", kAll, false},
};

// Periods longer than a month, and fiscal years (read as their calendar
// year). A pattern is a list of elements separated by spaces, matched
// against the tokens the grammar reads:
//
//   {y}  a year: four digits (two digits are refused as ambiguous)
//   {n}  the period's number within its year: digits, an ordinal word
//        ("first" ... "fourth") or a Roman numeral (I ... IV)
//   {6}  exactly that number ("6 tháng đầu năm", "1/4분기")
//   - /  a dash or a slash
//   any other element is a word or symbol, compared by its match key
//        (so "quý" also matches "quy" and "Quý")
//
// Patterns without {y} name a period of no stated year: alone that is an
// error ("no year in "Q3""); as the start of a range it takes the end's year
// ("from Q1 to Q3 2024").
constexpr v1::DatePrecision kYearPeriod = v1::DATE_PRECISION_YEAR;
constexpr v1::DatePrecision kQuarter = v1::DATE_PRECISION_QUARTER;
constexpr v1::DatePrecision kHalfYear = v1::DATE_PRECISION_HALF_YEAR;
constexpr v1::DatePrecision kDecade = v1::DATE_PRECISION_DECADE;
constexpr v1::DatePrecision kFourMonths = v1::DATE_PRECISION_FOUR_MONTHS;

struct PeriodPattern {
  const char* elements;
  v1::DatePrecision precision;  // YEAR for a fiscal year
  // The period's number within its year when the words name it ("second
  // half" is 2, "late" the third four months); 0 when {n} gives it.
  int number;
};

constexpr PeriodPattern kPeriodPatterns[] = {
    // English. "3rd quarter" reads as "3 quarter" ("rd" is ignored), "the
    // third quarter of 2024" as "third quarter 2024".
    {"q {n} {y}", kQuarter, 0},
    {"q {n} / {y}", kQuarter, 0},
    {"q {n} - {y}", kQuarter, 0},
    {"{n} q {y}", kQuarter, 0},
    {"{n} quarter {y}", kQuarter, 0},
    {"q {n}", kQuarter, 0},
    {"{n} q", kQuarter, 0},
    {"{n} quarter", kQuarter, 0},
    {"h {n} {y}", kHalfYear, 0},
    {"h {n} / {y}", kHalfYear, 0},
    {"h {n} - {y}", kHalfYear, 0},
    {"{n} h {y}", kHalfYear, 0},
    {"{n} half {y}", kHalfYear, 0},
    {"h {n}", kHalfYear, 0},
    {"{n} h", kHalfYear, 0},
    {"{n} half", kHalfYear, 0},
    {"{y} s", kDecade, 0},
    {"{y} ' s", kDecade, 0},
    {"{y} ’ s", kDecade, 0},
    {"fy {y}", kYearPeriod, 0},
    {"fiscal year {y}", kYearPeriod, 0},
    {"fiscal {y}", kYearPeriod, 0},
    {"early {y}", kFourMonths, 1},
    {"mid {y}", kFourMonths, 2},
    {"mid - {y}", kFourMonths, 2},
    {"middle {y}", kFourMonths, 2},
    {"late {y}", kFourMonths, 3},
    {"early", kFourMonths, 1},
    {"mid", kFourMonths, 2},
    {"middle", kFourMonths, 2},
    {"late", kFourMonths, 3},
    // Vietnamese.
    {"quý {n} / {y}", kQuarter, 0},
    {"quý {n} - {y}", kQuarter, 0},
    {"quý {n} năm {y}", kQuarter, 0},
    {"quý {n} {y}", kQuarter, 0},
    {"quý {n}", kQuarter, 0},
    {"{6} tháng đầu năm {y}", kHalfYear, 1},
    {"{6} tháng cuối năm {y}", kHalfYear, 2},
    {"nửa đầu năm {y}", kHalfYear, 1},
    {"nửa cuối năm {y}", kHalfYear, 2},
    {"{6} tháng đầu năm", kHalfYear, 1},
    {"{6} tháng cuối năm", kHalfYear, 2},
    {"nửa đầu năm", kHalfYear, 1},
    {"nửa cuối năm", kHalfYear, 2},
    {"thập niên {y}", kDecade, 0},
    {"thập kỷ {y}", kDecade, 0},
    {"những năm {y}", kDecade, 0},
    {"năm tài chính {y}", kYearPeriod, 0},
    {"đầu năm {y}", kFourMonths, 1},
    {"giữa năm {y}", kFourMonths, 2},
    {"cuối năm {y}", kFourMonths, 3},
    {"đầu năm", kFourMonths, 1},
    {"giữa năm", kFourMonths, 2},
    {"cuối năm", kFourMonths, 3},
    // Korean. "1/4분기" is the first quarter.
    {"{y} 년 {n} 분기", kQuarter, 0},
    {"{y} 년 {n} / {4} 분기", kQuarter, 0},
    {"{n} 분기", kQuarter, 0},
    {"{n} / {4} 분기", kQuarter, 0},
    {"{y} 년 상반기", kHalfYear, 1},
    {"{y} 년 하반기", kHalfYear, 2},
    {"상반기", kHalfYear, 1},
    {"하반기", kHalfYear, 2},
    {"{y} 년대", kDecade, 0},
    {"{y} 회계연도", kYearPeriod, 0},
    {"{y} 회계 연도", kYearPeriod, 0},
    {"{y} 년 회계연도", kYearPeriod, 0},
    {"{y} 년 초", kFourMonths, 1},
    {"{y} 년 초반", kFourMonths, 1},
    {"{y} 년 중반", kFourMonths, 2},
    {"{y} 년 말", kFourMonths, 3},
    {"{y} 년 후반", kFourMonths, 3},
};

// Words for a period's number ({n}).
constexpr struct {
  const char* word;
  int number;
} kPeriodNumbers[] = {
    {"first", 1}, {"second", 2}, {"third", 3}, {"fourth", 4},
    {"i", 1},     {"ii", 2},     {"iii", 3},   {"iv", 4},
};

struct Phrase {
  const char* text;
  v1::DateModifier modifier;
};

constexpr v1::DateModifier kExact = v1::DATE_MODIFIER_EXACT;
constexpr v1::DateModifier kApprox = v1::DATE_MODIFIER_APPROXIMATELY;
constexpr v1::DateModifier kBy = v1::DATE_MODIFIER_BY;
constexpr v1::DateModifier kBefore = v1::DATE_MODIFIER_BEFORE;
constexpr v1::DateModifier kAfter = v1::DATE_MODIFIER_AFTER;
constexpr v1::DateModifier kSince = v1::DATE_MODIFIER_SINCE;

constexpr Phrase kPrefixModifiers[] = {
    {"in", kExact},
    {"on", kExact},
    {"during", kExact},
    {"as of", kExact},
    {"by the end of", kBy},
    {"by", kBy},
    {"no later than", kBy},
    {"until", kBy},
    {"till", kBy},
    {"through", kBy},
    {"around", kApprox},
    {"about", kApprox},
    {"approximately", kApprox},
    {"roughly", kApprox},
    {"circa", kApprox},
    {"c", kApprox},
    {"ca", kApprox},
    {"before", kBefore},
    {"prior to", kBefore},
    {"earlier than", kBefore},
    {"after", kAfter},
    {"later than", kAfter},
    {"since", kSince},
    {"from", kSince},
    {"starting", kSince},
    {"vào", kExact},
    {"trong", kExact},
    {"khoảng", kApprox},
    {"đến", kBy},
    {"tới", kBy},
    {"cho đến", kBy},
    {"trước", kBefore},
    {"sau", kAfter},
    {"từ", kSince},
    {"kể từ", kSince},
    {"bắt đầu từ", kSince},
    {"약", kApprox},
};

constexpr Phrase kPostfixModifiers[] = {
    {"까지", kBy},   {"이전", kBefore}, {"전", kBefore},  {"이후", kAfter},
    {"후", kAfter},  {"부터", kSince},  {"이래", kSince}, {"경", kApprox},
    {"쯤", kApprox}, {"무렵", kApprox}, {"께", kApprox},  {"에", kExact},
    {"중", kExact},
};

// Words around the ends of a range.
constexpr const char* kRangeOpeners[] = {"from", "between", "từ", "giai đoạn",
                                         "trong giai đoạn"};
constexpr const char* kRangeJoiners[] = {
    "to", "until", "till", "through", "and", "-",    "–",
    "—",  "~",     "〜",   "đến",     "tới", "부터", "에서"};
constexpr const char* kRangeClosers[] = {"까지"};

constexpr const char* kMonthNames[][2] = {
    {"january", "jan"}, {"february", "feb"}, {"march", "mar"},
    {"april", "apr"},   {"may", "may"},      {"june", "jun"},
    {"july", "jul"},    {"august", "aug"},   {"september", "sep"},
    {"october", "oct"}, {"november", "nov"}, {"december", "dec"},
};

constexpr const char* kWeekdayNames[][3] = {
    {"monday", "mon", "mon"},    {"tuesday", "tue", "tues"},
    {"wednesday", "wed", "wed"}, {"thursday", "thu", "thurs"},
    {"friday", "fri", "fri"},    {"saturday", "sat", "sat"},
    {"sunday", "sun", "sun"},
};

// Vietnamese month names are "tháng" and a numeral: "tháng Tám" is August.
constexpr struct {
  const char* name;
  int month;
} kVietnameseMonths[] = {
    {"một", 1},   {"hai", 2},       {"ba", 3},        {"tư", 4},  {"bốn", 4},
    {"năm", 5},   {"sáu", 6},       {"bảy", 7},       {"tám", 8}, {"chín", 9},
    {"mười", 10}, {"mười một", 11}, {"mười hai", 12},
};

// Relative dates: phrases that name a day, month, quarter or year by its
// distance from the mention's publication date. Before the grammar reads the
// tokens, each phrase is replaced by the tokens of the date it names, spelled
// as its language writes a date ("last year" as "2023", "năm ngoái" as "năm
// 2023", "작년" as "2023년"), so that it composes as that date would: "August
// last year", "6 tháng đầu năm nay", "작년 3분기", "지난달 30일", "by next
// year", "from last year to this year".
enum class RelativeUnit { kDay, kMonth, kQuarter, kYear };

// Whether a day phrase takes a time of day, which leaves the day as it is
// ("yesterday afternoon", "chiều hôm qua", "어제 오후").
enum class TimeOfDay { kNone, kMay, kOnly };

struct RelativePhrase {
  const char* text;
  RelativeUnit unit;
  int offset;    // in units from the publication date's: -1 the one before
  int spelling;  // kEn, kVi or kKo: how the date it names is spelled
  TimeOfDay time_of_day;
};

constexpr RelativeUnit kRelDay = RelativeUnit::kDay;
constexpr RelativeUnit kRelMonth = RelativeUnit::kMonth;
constexpr RelativeUnit kRelQuarter = RelativeUnit::kQuarter;
constexpr RelativeUnit kRelYear = RelativeUnit::kYear;
constexpr TimeOfDay kNoTime = TimeOfDay::kNone;
constexpr TimeOfDay kMayTime = TimeOfDay::kMay;
constexpr TimeOfDay kOnlyTime = TimeOfDay::kOnly;

// Phrases are compared with their diacritics, since Vietnamese ones differ
// from other words only by them: "tháng sau" (next month) and "tháng Sáu"
// (June), "tới" (coming) and "tối" (evening).
constexpr RelativePhrase kRelativePhrases[] = {
    // English. "the" before "last" or "next" makes a span ("over the last
    // year"), which is refused.
    {"today", kRelDay, 0, kEn, kMayTime},
    {"yesterday", kRelDay, -1, kEn, kMayTime},
    {"tomorrow", kRelDay, 1, kEn, kMayTime},
    {"the day before yesterday", kRelDay, -2, kEn, kNoTime},
    {"the day after tomorrow", kRelDay, 2, kEn, kNoTime},
    {"tonight", kRelDay, 0, kEn, kNoTime},
    {"last night", kRelDay, -1, kEn, kNoTime},
    {"this morning", kRelDay, 0, kEn, kNoTime},
    {"this afternoon", kRelDay, 0, kEn, kNoTime},
    {"this evening", kRelDay, 0, kEn, kNoTime},
    {"earlier today", kRelDay, 0, kEn, kNoTime},
    {"later today", kRelDay, 0, kEn, kNoTime},
    {"this month", kRelMonth, 0, kEn, kNoTime},
    {"earlier this month", kRelMonth, 0, kEn, kNoTime},
    {"later this month", kRelMonth, 0, kEn, kNoTime},
    {"last month", kRelMonth, -1, kEn, kNoTime},
    {"next month", kRelMonth, 1, kEn, kNoTime},
    {"this quarter", kRelQuarter, 0, kEn, kNoTime},
    {"last quarter", kRelQuarter, -1, kEn, kNoTime},
    {"next quarter", kRelQuarter, 1, kEn, kNoTime},
    {"this year", kRelYear, 0, kEn, kNoTime},
    {"earlier this year", kRelYear, 0, kEn, kNoTime},
    {"later this year", kRelYear, 0, kEn, kNoTime},
    {"last year", kRelYear, -1, kEn, kNoTime},
    {"next year", kRelYear, 1, kEn, kNoTime},
    {"the year before last", kRelYear, -2, kEn, kNoTime},
    // Vietnamese. "nay", "qua" and "mai" alone are days only after a time of
    // day ("sáng nay", "tối qua", "chiều mai").
    {"hôm nay", kRelDay, 0, kVi, kMayTime},
    {"ngày hôm nay", kRelDay, 0, kVi, kMayTime},
    {"hôm qua", kRelDay, -1, kVi, kMayTime},
    {"ngày hôm qua", kRelDay, -1, kVi, kMayTime},
    {"hôm kia", kRelDay, -2, kVi, kMayTime},
    {"ngày mai", kRelDay, 1, kVi, kMayTime},
    {"ngày kia", kRelDay, 2, kVi, kNoTime},
    {"ngày mốt", kRelDay, 2, kVi, kNoTime},
    {"nay", kRelDay, 0, kVi, kOnlyTime},
    {"qua", kRelDay, -1, kVi, kOnlyTime},
    {"mai", kRelDay, 1, kVi, kOnlyTime},
    {"tháng này", kRelMonth, 0, kVi, kNoTime},
    {"tháng trước", kRelMonth, -1, kVi, kNoTime},
    {"tháng sau", kRelMonth, 1, kVi, kNoTime},
    {"tháng tới", kRelMonth, 1, kVi, kNoTime},
    {"quý này", kRelQuarter, 0, kVi, kNoTime},
    {"quý trước", kRelQuarter, -1, kVi, kNoTime},
    {"quý sau", kRelQuarter, 1, kVi, kNoTime},
    {"quý tới", kRelQuarter, 1, kVi, kNoTime},
    {"năm nay", kRelYear, 0, kVi, kNoTime},
    {"năm ngoái", kRelYear, -1, kVi, kNoTime},
    {"năm trước", kRelYear, -1, kVi, kNoTime},
    {"năm kia", kRelYear, -2, kVi, kNoTime},
    {"năm sau", kRelYear, 1, kVi, kNoTime},
    {"năm tới", kRelYear, 1, kVi, kNoTime},
    // Korean. Written with or without the space ("지난달", "지난 달").
    {"오늘", kRelDay, 0, kKo, kMayTime},
    {"금일", kRelDay, 0, kKo, kMayTime},
    {"어제", kRelDay, -1, kKo, kMayTime},
    {"어젯밤", kRelDay, -1, kKo, kNoTime},
    {"간밤", kRelDay, -1, kKo, kNoTime},
    {"그저께", kRelDay, -2, kKo, kMayTime},
    {"그제", kRelDay, -2, kKo, kMayTime},
    {"내일", kRelDay, 1, kKo, kMayTime},
    {"모레", kRelDay, 2, kKo, kMayTime},
    {"이번 달", kRelMonth, 0, kKo, kNoTime},
    {"이달", kRelMonth, 0, kKo, kNoTime},
    {"지난 달", kRelMonth, -1, kKo, kNoTime},
    {"다음 달", kRelMonth, 1, kKo, kNoTime},
    {"내달", kRelMonth, 1, kKo, kNoTime},
    {"이번 분기", kRelQuarter, 0, kKo, kNoTime},
    {"지난 분기", kRelQuarter, -1, kKo, kNoTime},
    {"다음 분기", kRelQuarter, 1, kKo, kNoTime},
    {"올해", kRelYear, 0, kKo, kNoTime},
    {"올", kRelYear, 0, kKo, kNoTime},  // "올 상반기"
    {"금년", kRelYear, 0, kKo, kNoTime},
    {"작년", kRelYear, -1, kKo, kNoTime},
    {"지난해", kRelYear, -1, kKo, kNoTime},
    {"재작년", kRelYear, -2, kKo, kNoTime},
    {"내년", kRelYear, 1, kKo, kNoTime},
};

// Times of day, after the day in English and Korean, before it in
// Vietnamese.
constexpr struct {
  const char* word;
  int spelling;
} kTimesOfDay[] = {
    {"morning", kEn}, {"afternoon", kEn}, {"evening", kEn}, {"night", kEn},
    {"sáng", kVi},    {"trưa", kVi},      {"chiều", kVi},   {"tối", kVi},
    {"đêm", kVi},     {"오전", kKo},      {"오후", kKo},    {"아침", kKo},
    {"저녁", kKo},    {"밤", kKo},        {"새벽", kKo},
};

// "3 days ago", "3 ngày trước", "cách đây 3 ngày", "3일 전": a count, a unit
// and the word for "ago", all of one language.
constexpr struct {
  const char* word;
  RelativeUnit unit;
  int spelling;
} kAgoUnits[] = {
    {"day", kRelDay, kEn},     {"days", kRelDay, kEn},
    {"month", kRelMonth, kEn}, {"months", kRelMonth, kEn},
    {"year", kRelYear, kEn},   {"years", kRelYear, kEn},
    {"ngày", kRelDay, kVi},    {"tháng", kRelMonth, kVi},
    {"năm", kRelYear, kVi},    {"일", kRelDay, kKo},
    {"개월", kRelMonth, kKo},  {"달", kRelMonth, kKo},
    {"년", kRelYear, kKo},
};
constexpr struct {
  const char* word;
  int spelling;
} kAgoWords[] = {{"ago", kEn}, {"trước", kVi}, {"전", kKo}};
// A count in words (English only); otherwise one to three digits.
constexpr struct {
  const char* word;
  int count;
} kCountWords[] = {
    {"a", 1},     {"an", 1},    {"one", 1},  {"two", 2},
    {"three", 3}, {"four", 4},  {"five", 5}, {"six", 6},
    {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10},
};

// A token as the date grammar sees it.
struct DateToken {
  char shape = 'w';   // see above; 'w' another word, 's' another symbol,
                      // '#' another number, 'W' a weekday, '_' ignored
  int value = 0;      // number, month (1-12) or weekday (0 = Monday)
  std::string key;    // what phrases match: a word's key or a symbol
  std::string lower;  // a word's case-folded form, diacritics kept
  std::string text;   // as written
  bool space_before = true;
};

// One element of a period pattern, compiled.
struct PeriodElement {
  enum Kind { kYear, kNumber, kExactNumber, kDash, kSlash, kWord } kind;
  int value = 0;    // kExactNumber
  std::string key;  // kWord
};

struct CompiledPeriod {
  std::vector<PeriodElement> elements;
  const PeriodPattern* pattern;
};

// A relative phrase, compiled: its words' case-folded forms without "the"
// and "of" (which the grammar ignores).
struct CompiledRelative {
  std::vector<std::string> words;
  RelativeUnit unit;
  int offset;
  int spelling;
  // English "last ..." and "next ...": not after "the".
  bool not_after_the;
};

// Keys of phrases, built once.
class DateWords {
 public:
  static const DateWords& Get() {
    static const DateWords* const words = new DateWords();
    return *words;
  }

  std::vector<std::string> Keys(absl::string_view phrase) const;
  bool IsHangulPiece(absl::string_view s) const {
    return hangul_pieces_.contains(s);
  }
  std::optional<int> Month(absl::string_view key) const {
    return Find(months_, key);
  }
  std::optional<int> Weekday(absl::string_view key) const {
    return Find(weekdays_, key);
  }
  std::optional<int> VietnameseMonth(absl::string_view key) const {
    return Find(vietnamese_months_, key);
  }
  std::optional<int> PeriodNumber(absl::string_view key) const {
    return Find(period_numbers_, key);
  }

  std::vector<std::pair<std::vector<std::string>, v1::DateModifier>> prefixes;
  std::vector<std::pair<std::vector<std::string>, v1::DateModifier>> postfixes;
  std::vector<std::vector<std::string>> openers;
  std::vector<std::vector<std::string>> joiners;
  std::vector<std::vector<std::string>> closers;
  std::vector<CompiledPeriod> periods;
  // The relative phrases that start with a word, longest first.
  const std::vector<CompiledRelative>* RelativesStartingWith(
      absl::string_view lower) const {
    auto it = relatives_.find(lower);
    return it == relatives_.end() ? nullptr : &it->second;
  }

  // "3 days ago": by case-folded word.
  std::optional<std::pair<RelativeUnit, int>> AgoUnit(
      absl::string_view lower) const {
    auto it = ago_units_.find(lower);
    if (it == ago_units_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<int> AgoWord(absl::string_view lower) const {
    return Find(ago_words_, lower);
  }
  std::optional<int> CountWord(absl::string_view lower) const {
    return Find(count_words_, lower);
  }

 private:
  DateWords();
  static std::optional<int> Find(const absl::flat_hash_map<std::string, int>& m,
                                 absl::string_view key) {
    auto it = m.find(key);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }

  absl::flat_hash_set<std::string> hangul_pieces_;
  absl::flat_hash_map<std::string, int> months_;
  absl::flat_hash_map<std::string, int> weekdays_;
  absl::flat_hash_map<std::string, int> vietnamese_months_;
  absl::flat_hash_map<std::string, int> period_numbers_;
  absl::flat_hash_map<std::string, std::vector<CompiledRelative>> relatives_;
  absl::flat_hash_map<std::string, std::pair<RelativeUnit, int>> ago_units_;
  absl::flat_hash_map<std::string, int> ago_words_;
  absl::flat_hash_map<std::string, int> count_words_;
};

// The case-folded forms of the words of `phrase`, without "the" and "of".
std::vector<std::string> LowerWords(absl::string_view phrase) {
  std::vector<std::string> words;
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(phrase);
  if (!tokens.ok()) return words;
  for (Token& t : *tokens) {
    if (t.key != "the" && t.key != "of") words.push_back(std::move(t.lower));
  }
  return words;
}

std::vector<std::string> DateWords::Keys(absl::string_view phrase) const {
  std::vector<std::string> keys;
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(phrase);
  if (!tokens.ok()) return keys;
  for (Token& t : *tokens) {
    // Phrases are matched against the tokens the grammar reads, without the
    // ignored words ("as of" is matched as "as").
    if (t.key != "the" && t.key != "of") keys.push_back(std::move(t.key));
  }
  return keys;
}

DateWords::DateWords() {
  auto note_hangul = [this](absl::string_view phrase) {
    absl::StatusOr<std::vector<Token>> t = Tokenize(phrase);
    if (t.ok() && t->size() == 1 && (*t)[0].hangul) {
      hangul_pieces_.insert((*t)[0].key);
    }
  };
  for (const Phrase& p : kPrefixModifiers) {
    prefixes.emplace_back(Keys(p.text), p.modifier);
    note_hangul(p.text);
  }
  for (const Phrase& p : kPostfixModifiers) {
    postfixes.emplace_back(Keys(p.text), p.modifier);
    note_hangul(p.text);
  }
  for (const char* p : kRangeOpeners) openers.push_back(Keys(p));
  for (const char* p : kRangeJoiners) {
    joiners.push_back(Keys(p));
    note_hangul(p);
  }
  for (const char* p : kRangeClosers) {
    closers.push_back(Keys(p));
    note_hangul(p);
  }
  for (const char* marker : {"년", "월", "일"}) note_hangul(marker);
  for (int m = 0; m < 12; ++m) {
    months_[kMonthNames[m][0]] = m + 1;
    months_[kMonthNames[m][1]] = m + 1;
  }
  months_["sept"] = 9;
  for (int d = 0; d < 7; ++d) {
    for (const char* name : kWeekdayNames[d]) weekdays_[name] = d;
  }
  for (const auto& month : kVietnameseMonths) {
    vietnamese_months_[absl::StrJoin(Keys(month.name), " ")] = month.month;
  }
  for (const auto& number : kPeriodNumbers) {
    period_numbers_[number.word] = number.number;
  }
  auto note_hangul_words = [&note_hangul](absl::string_view phrase) {
    for (absl::string_view word :
         absl::StrSplit(phrase, ' ', absl::SkipEmpty())) {
      note_hangul(word);
    }
  };
  auto add_relative = [this](const RelativePhrase& p,
                             std::vector<std::string> words) {
    const bool not_after_the =
        p.spelling == kEn && (words[0] == "last" || words[0] == "next");
    std::string first = words[0];
    relatives_[first].push_back(
        {std::move(words), p.unit, p.offset, p.spelling, not_after_the});
  };
  for (const RelativePhrase& p : kRelativePhrases) {
    note_hangul_words(p.text);
    const std::vector<std::string> words = LowerWords(p.text);
    if (p.time_of_day != TimeOfDay::kOnly) add_relative(p, words);
    if (p.time_of_day == TimeOfDay::kNone) continue;
    // The times of day of the phrase's language, on their side of it.
    for (const auto& time : kTimesOfDay) {
      if (time.spelling != p.spelling) continue;
      note_hangul(time.word);
      const std::vector<std::string> time_words = LowerWords(time.word);
      std::vector<std::string> with_time = words;
      with_time.insert(
          time.spelling == kVi ? with_time.begin() : with_time.end(),
          time_words.begin(), time_words.end());
      add_relative(p, std::move(with_time));
    }
  }
  for (auto& [first, phrases] : relatives_) {
    std::stable_sort(phrases.begin(), phrases.end(),
                     [](const CompiledRelative& a, const CompiledRelative& b) {
                       return a.words.size() > b.words.size();
                     });
  }
  for (const auto& unit : kAgoUnits) {
    ago_units_[LowerWords(unit.word)[0]] = {unit.unit, unit.spelling};
    note_hangul(unit.word);
  }
  for (const auto& word : kAgoWords) {
    ago_words_[LowerWords(word.word)[0]] = word.spelling;
    note_hangul(word.word);
  }
  for (const auto& word : kCountWords) count_words_[word.word] = word.count;
  for (const PeriodPattern& pattern : kPeriodPatterns) {
    CompiledPeriod period{{}, &pattern};
    for (absl::string_view element :
         absl::StrSplit(pattern.elements, ' ', absl::SkipEmpty())) {
      PeriodElement e{PeriodElement::kWord};
      if (element == "{y}") {
        e.kind = PeriodElement::kYear;
      } else if (element == "{n}") {
        e.kind = PeriodElement::kNumber;
      } else if (absl::StartsWith(element, "{")) {
        // "{3}": exactly this number. A brace that holds no number reads as
        // -1, which no text's number equals.
        e.kind = PeriodElement::kExactNumber;
        if (!absl::SimpleAtoi(element.substr(1, element.size() - 2),
                              &e.value)) {
          e.value = -1;
        }
      } else if (element == "-") {
        e.kind = PeriodElement::kDash;
      } else if (element == "/") {
        e.kind = PeriodElement::kSlash;
      } else {
        std::vector<std::string> keys = Keys(element);
        e.key = keys.empty() ? std::string(element) : keys[0];
        note_hangul(element);
      }
      period.elements.push_back(std::move(e));
    }
    periods.push_back(std::move(period));
  }
}

char MarkerShape(absl::string_view key) {
  if (key == "ngay") return 'G';
  if (key == "thang") return 'T';
  if (key == "nam") return 'R';
  if (key == "년") return 'K';
  if (key == "월") return 'L';
  if (key == "일") return 'J';
  return 0;
}

bool IsDateSeparator(absl::string_view symbol) {
  return symbol == "/" || symbol == "-" || symbol == "." || symbol == "‐" ||
         symbol == "‑";
}

// Tokenizes `text` into date tokens.
absl::StatusOr<std::vector<DateToken>> DateTokens(absl::string_view text) {
  const DateWords& words = DateWords::Get();
  FS_ASSIGN_OR_RETURN(std::vector<Token> raw, Tokenize(text));
  // Korean writes suffixes and particles onto the number's word: "년까지".
  std::vector<Token> tokens;
  tokens.reserve(raw.size());
  for (Token& token : raw) {
    std::vector<std::string> pieces;
    if (token.hangul && !words.IsHangulPiece(token.key)) {
      pieces = SegmentHangul(token.key, [&words](absl::string_view s) {
        return words.IsHangulPiece(s);
      });
    }
    if (pieces.empty()) {
      tokens.push_back(std::move(token));
      continue;
    }
    bool space = token.space_before;
    for (const std::string& piece : pieces) {
      tokens.push_back(HangulPieceToken(piece, space));
      space = false;
    }
  }

  std::vector<DateToken> out;
  out.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    DateToken d;
    d.key = token.key;
    d.lower = token.lower;
    d.text = token.text;
    d.space_before = token.space_before;
    const bool after_digits = i > 0 &&
                              tokens[i - 1].kind == TokenKind::kDigits &&
                              !token.space_before;
    const bool after_word = !out.empty() && out.back().shape != '_' &&
                            tokens[i - 1].kind == TokenKind::kWord;
    if (token.kind == TokenKind::kDigits) {
      d.key.clear();
      if (token.text.size() == 4) {
        d.shape = 'Y';
      } else if (token.text.size() <= 2) {
        d.shape = 'N';
      } else {
        d.shape = '#';
      }
      // The tokenizer writes every digit as ASCII, so four digits or fewer
      // always parse; a number that does not fit is no part of a date.
      if (d.shape != '#' && !absl::SimpleAtoi(token.text, &d.value)) {
        d.shape = '#';
      }
    } else if (token.kind == TokenKind::kSymbol) {
      if (token.text == "," ||
          (token.text == "." && (after_word || i + 1 == tokens.size()))) {
        d.shape = '_';
      } else if (IsDateSeparator(token.text)) {
        d.shape = token.text == "/" || token.text == "." ? token.text[0] : '-';
      } else {
        d.shape = 's';
      }
    } else if (!out.empty() && out.back().shape == 'T' &&
               words.VietnameseMonth(token.key).has_value()) {
      // "tháng Tám", "tháng Mười Hai": the month's numeral.
      d.shape = 'N';
      d.value = *words.VietnameseMonth(token.key);
      if (i + 1 < tokens.size()) {
        std::string two = absl::StrCat(token.key, " ", tokens[i + 1].key);
        if (std::optional<int> m = words.VietnameseMonth(two)) {
          d.value = *m;
          d.text = absl::StrCat(token.text, " ", tokens[i + 1].text);
          ++i;
        }
      }
    } else if (after_digits && (token.key == "st" || token.key == "nd" ||
                                token.key == "rd" || token.key == "th")) {
      d.shape = '_';  // "2nd"
    } else if (token.key == "the" || token.key == "of") {
      d.shape = '_';
    } else if (char marker = MarkerShape(token.key); marker != 0) {
      d.shape = marker;
    } else if (std::optional<int> month = words.Month(token.key)) {
      d.shape = 'A';
      d.value = *month;
    } else if (std::optional<int> weekday = words.Weekday(token.key)) {
      d.shape = 'W';
      d.value = *weekday;
    } else {
      d.shape = 'w';
    }
    out.push_back(std::move(d));
  }
  return out;
}

// The publication date that relative dates resolve against, if any.
struct Publication {
  std::optional<IsoDate> date;
  std::string text;  // as given, for messages
};

absl::StatusOr<Publication> ReadPublication(const DateContext& context) {
  Publication publication;
  publication.text = context.publication_date;
  if (context.publication_date.empty()) return publication;
  absl::StatusOr<IsoDate> date = ParseIsoDate(context.publication_date);
  if (!date.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("publication_date ", QuoteText(context.publication_date),
                     " is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"));
  }
  publication.date = *date;
  return publication;
}

DateToken SpelledToken(char shape, int value, absl::string_view key) {
  DateToken token;
  token.shape = shape;
  token.value = value;
  token.key = std::string(key);
  token.space_before = false;
  return token;
}

// The tokens of the date `offset` `unit`s from the publication date, spelled
// as `spelling` writes a date of that precision: "yesterday" as "August 1
// 2024", "hôm qua" as "ngày 1 tháng 8 năm 2024", "어제" as "2024년 8월 1일".
// The first token carries `surface`; the others are empty. Fails, naming the
// phrase, without a publication date or with one less precise than `unit`.
absl::StatusOr<std::vector<DateToken>> SpellRelativeDate(
    RelativeUnit unit, int offset, int spelling, std::string surface,
    bool space_before, const Publication& publication) {
  if (!publication.date.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuoteText(surface),
                     " is relative: it needs a publication date (the "
                     "mention's, or its document's) to resolve it"));
  }
  const IsoDate& from = *publication.date;
  const DatePrecision needed = unit == RelativeUnit::kDay ? DatePrecision::kDay
                               : unit == RelativeUnit::kYear
                                   ? DatePrecision::kYear
                                   : DatePrecision::kMonth;
  if (static_cast<int>(from.precision) < static_cast<int>(needed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "publication_date ", QuoteText(publication.text),
        " is not precise enough to resolve ", QuoteText(surface),
        " (it needs the ", needed == DatePrecision::kDay ? "day" : "month",
        " of publication)"));
  }
  int64_t year = 0;
  int month = 0;
  int day = 0;
  int quarter = 0;
  switch (unit) {
    case RelativeUnit::kDay: {
      const absl::CivilDay d = from.first_day + offset;
      year = d.year();
      month = d.month();
      day = d.day();
      break;
    }
    case RelativeUnit::kMonth: {
      const absl::CivilMonth m = absl::CivilMonth(from.first_day) + offset;
      year = m.year();
      month = m.month();
      break;
    }
    case RelativeUnit::kQuarter: {
      const absl::CivilMonth m(from.first_day);
      const absl::CivilMonth first =
          absl::CivilMonth(m.year(), m.month() - (m.month() - 1) % 3) +
          3 * offset;
      year = first.year();
      quarter = (first.month() - 1) / 3 + 1;
      break;
    }
    case RelativeUnit::kYear:
      year = from.first_day.year() + offset;
      break;
  }
  if (year < kMinYear || year > kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuoteText(surface), " against publication_date ",
                     QuoteText(publication.text), " falls outside the years ",
                     kMinYear, " to ", kMaxYear));
  }
  const int y = static_cast<int>(year);
  std::vector<DateToken> out;
  switch (spelling) {
    case kVi:  // [ngày D] [tháng M | quý Q] năm Y
      if (day != 0) {
        out.push_back(SpelledToken('G', 0, "ngay"));
        out.push_back(SpelledToken('N', day, ""));
      }
      if (month != 0) {
        out.push_back(SpelledToken('T', 0, "thang"));
        out.push_back(SpelledToken('N', month, ""));
      }
      if (quarter != 0) {
        out.push_back(SpelledToken('w', 0, "quy"));
        out.push_back(SpelledToken('N', quarter, ""));
      }
      out.push_back(SpelledToken('R', 0, "nam"));
      out.push_back(SpelledToken('Y', y, ""));
      break;
    case kKo:  // Y년 [M월 [D일] | Q분기]
      out.push_back(SpelledToken('Y', y, ""));
      out.push_back(SpelledToken('K', 0, "년"));
      if (month != 0) {
        out.push_back(SpelledToken('N', month, ""));
        out.push_back(SpelledToken('L', 0, "월"));
      }
      if (day != 0) {
        out.push_back(SpelledToken('N', day, ""));
        out.push_back(SpelledToken('J', 0, "일"));
      }
      if (quarter != 0) {
        out.push_back(SpelledToken('N', quarter, ""));
        out.push_back(SpelledToken('w', 0, "분기"));
      }
      break;
    default:  // [Month [D] | Q Q] Y
      if (month != 0) out.push_back(SpelledToken('A', month, ""));
      if (day != 0) out.push_back(SpelledToken('N', day, ""));
      if (quarter != 0) {
        out.push_back(SpelledToken('w', 0, "q"));
        out.push_back(SpelledToken('N', quarter, ""));
      }
      out.push_back(SpelledToken('Y', y, ""));
      break;
  }
  out.front().text = std::move(surface);
  out.front().space_before = space_before;
  return out;
}

// A relative date found at a token: how many live tokens it takes and what
// it names.
struct RelativeMatch {
  size_t length = 0;
  RelativeUnit unit = RelativeUnit::kDay;
  int offset = 0;
  int spelling = kEn;
};

// The count of "3 days ago": one to three digits or an English number word,
// at least 1.
std::optional<int> AgoCount(const DateToken& token) {
  int count = 0;
  if (token.shape == 'N') {
    count = token.value;
  } else if (token.shape == '#' && token.text.size() == 3) {
    if (!absl::SimpleAtoi(token.text, &count)) return std::nullopt;
  } else if (std::optional<int> n = DateWords::Get().CountWord(token.lower)) {
    count = *n;
  }
  if (count < 1) return std::nullopt;
  return count;
}

// Matches "N units ago" at live token `p`: "3 days ago", "3 ngày trước",
// "cách đây 3 ngày", "3일 전".
RelativeMatch MatchAgo(const std::vector<DateToken>& tokens,
                       const std::vector<size_t>& live, size_t p) {
  const DateWords& words = DateWords::Get();
  auto at = [&](size_t i) -> const DateToken& { return tokens[live[i]]; };
  RelativeMatch match;
  if (p + 3 < live.size() && at(p).lower == "cách" &&
      at(p + 1).lower == "đây") {
    std::optional<int> count = AgoCount(at(p + 2));
    auto unit = words.AgoUnit(at(p + 3).lower);
    if (count.has_value() && unit.has_value() && unit->second == kVi) {
      return {4, unit->first, -*count, kVi};
    }
    return match;
  }
  if (p + 2 >= live.size()) return match;
  // A number after a date's word is part of that date: "ngày 2 tháng
  // trước" is the 2nd of last month, "tháng 3 năm trước" March last year.
  if (p > 0) {
    const DateToken& before = at(p - 1);
    if (absl::string_view("GTRKLJAWYN#/.").find(before.shape) !=
            absl::string_view::npos ||
        before.key == "quy") {
      return match;
    }
  }
  std::optional<int> count = AgoCount(at(p));
  auto unit = words.AgoUnit(at(p + 1).lower);
  std::optional<int> ago = words.AgoWord(at(p + 2).lower);
  if (count.has_value() && unit.has_value() && ago.has_value() &&
      unit->second == *ago) {
    return {3, unit->first, -*count, *ago};
  }
  return match;
}

// Replaces each relative date in `tokens` ("yesterday", "năm ngoái",
// "지난달", "3 days ago") by the tokens of the date it names. Fails for one
// that `publication` cannot resolve, and for "the last year" and "the next
// month", which are spans of time rather than dates.
absl::Status ResolveRelativeDates(const Publication& publication,
                                  std::vector<DateToken>& tokens) {
  const DateWords& words = DateWords::Get();
  std::vector<size_t> live;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].shape != '_') live.push_back(i);
  }
  std::vector<DateToken> out;
  size_t copied = 0;  // tokens before this one are in `out`
  for (size_t p = 0; p < live.size();) {
    RelativeMatch match = MatchAgo(tokens, live, p);
    const std::vector<CompiledRelative>* relatives =
        match.length == 0 ? words.RelativesStartingWith(tokens[live[p]].lower)
                          : nullptr;
    for (size_t r = 0;
         relatives != nullptr && match.length == 0 && r < relatives->size();
         ++r) {
      const CompiledRelative& relative = (*relatives)[r];
      if (p + relative.words.size() > live.size()) continue;
      bool all = true;
      for (size_t k = 0; k < relative.words.size() && all; ++k) {
        all = tokens[live[p + k]].lower == relative.words[k];
      }
      if (!all) continue;
      if (relative.not_after_the && live[p] > 0 &&
          tokens[live[p] - 1].key == "the") {
        std::string span = "the";
        for (size_t k = 0; k < relative.words.size(); ++k) {
          absl::StrAppend(&span, " ", tokens[live[p + k]].text);
        }
        return absl::InvalidArgumentError(
            absl::StrCat(QuoteText(span),
                         " is a span of time, not a date (a relative date "
                         "is written without \"the\")"));
      }
      match = {relative.words.size(), relative.unit, relative.offset,
               relative.spelling};
    }
    if (match.length == 0) {
      ++p;
      continue;
    }
    const size_t first = live[p];
    const size_t last = live[p + match.length - 1];
    std::string surface;
    for (size_t i = first; i <= last; ++i) {
      if (!surface.empty() && tokens[i].space_before) surface += ' ';
      surface += tokens[i].text;
    }
    FS_ASSIGN_OR_RETURN(
        std::vector<DateToken> spelled,
        SpellRelativeDate(match.unit, match.offset, match.spelling,
                          std::move(surface), tokens[first].space_before,
                          publication));
    for (; copied < first; ++copied) out.push_back(std::move(tokens[copied]));
    for (DateToken& token : spelled) out.push_back(std::move(token));
    copied = last + 1;
    p += match.length;
  }
  if (copied == 0) return absl::OkStatus();  // nothing relative
  for (; copied < tokens.size(); ++copied) {
    out.push_back(std::move(tokens[copied]));
  }
  tokens = std::move(out);
  return absl::OkStatus();
}

// The tokens of `text`, relative dates resolved against `context`.
absl::StatusOr<std::vector<DateToken>> ReadTokens(absl::string_view text,
                                                  const DateContext& context) {
  FS_ASSIGN_OR_RETURN(std::vector<DateToken> tokens, DateTokens(text));
  FS_ASSIGN_OR_RETURN(Publication publication, ReadPublication(context));
  FS_RETURN_IF_ERROR(ResolveRelativeDates(publication, tokens));
  return tokens;
}

// A date as read, before it is checked.
struct PartialDate {
  int year = -1;  // -1 when the text gives none
  int month = 0;  // for a period of months, its first month
  int day = 0;
  // QUARTER, HALF_YEAR, FOUR_MONTHS or DECADE for a period longer than a
  // month; UNSPECIFIED for a year, month or day.
  v1::DatePrecision period = v1::DATE_PRECISION_UNSPECIFIED;
  // "early 2023", "mid-2025": approximately that period.
  bool approximate = false;
  std::optional<int> weekday;
  std::string surface;
};

// The tokens the grammar reads (those not ignored), by index into `all`.
class DateReader {
 public:
  DateReader(std::vector<DateToken> all, Language language)
      : all_(std::move(all)), language_(language) {
    for (size_t i = 0; i < all_.size(); ++i) {
      if (all_[i].shape != '_') live_.push_back(i);
    }
  }

  size_t size() const { return live_.size(); }
  const DateToken& at(size_t i) const { return all_[live_[i]]; }

  // The number of live tokens of `phrase` at `i`, or 0.
  size_t MatchAt(size_t i, const std::vector<std::string>& phrase) const {
    if (phrase.empty() || i + phrase.size() > live_.size()) return 0;
    for (size_t k = 0; k < phrase.size(); ++k) {
      if (at(i + k).key != phrase[k]) return 0;
    }
    return phrase.size();
  }
  // Like MatchAt, for a phrase ending just before `end`.
  size_t MatchBefore(size_t end, const std::vector<std::string>& phrase) const {
    if (phrase.size() > end) return 0;
    return MatchAt(end - phrase.size(), phrase);
  }

  // The text of live tokens [begin, end), with the ignored tokens between.
  std::string Surface(size_t begin, size_t end) const {
    if (begin >= end) return "";
    std::string out;
    for (size_t i = live_[begin]; i <= live_[end - 1]; ++i) {
      if (!out.empty() && all_[i].space_before) out += ' ';
      out += all_[i].text;
    }
    return out;
  }

  // Reads live tokens [begin, end) as one date without modifiers. A bare day
  // number is accepted when `allow_bare_day` (the start of "2-5 August").
  absl::StatusOr<PartialDate> ReadDate(size_t begin, size_t end,
                                       bool allow_bare_day) const;

  // Reads [begin, end) as one date with its modifiers.
  absl::StatusOr<std::pair<PartialDate, v1::DateModifier>> ReadModifiedDate(
      size_t begin, size_t end) const;

 private:
  // Reads live tokens [begin, end) into `date` if they are a period of
  // kPeriodPatterns. Returns false if they are none, and NoSuchPeriod() if
  // they name one that does not exist ("Q5 2024", "the 2025s", "3Q24").
  absl::StatusOr<bool> ReadPeriod(size_t begin, size_t end,
                                  PartialDate* date) const;

  std::vector<DateToken> all_;
  std::vector<size_t> live_;
  Language language_;
};

// The error of a period that does not exist. Its code (OUT_OF_RANGE) lets a
// range report it ("from Q1 2024 to Q5 2024") rather than fail to be one;
// the public functions return every error as INVALID_ARGUMENT.
absl::Status NoSuchPeriod(absl::string_view why) {
  return absl::OutOfRangeError(why);
}

int LanguageBit(Language language) {
  switch (language) {
    case Language::kVietnamese:
      return kVi;
    case Language::kKorean:
      return kKo;
    default:
      return kEn;
  }
}

absl::StatusOr<PartialDate> DateReader::ReadDate(size_t begin, size_t end,
                                                 bool allow_bare_day) const {
  PartialDate date;
  date.surface = Surface(begin, end);
  if (begin < end && at(begin).shape == 'W') {
    date.weekday = at(begin).value;
    ++begin;
  }
  FS_ASSIGN_OR_RETURN(bool period, ReadPeriod(begin, end, &date));
  if (period) return date;
  std::string shape;
  std::vector<std::string> unknown;
  for (size_t i = begin; i < end; ++i) {
    shape.push_back(at(i).shape);
    if (at(i).shape == 'w' || at(i).shape == 's' || at(i).shape == 'W') {
      unknown.push_back(at(i).text);
    } else if (at(i).shape == '#') {
      unknown.push_back(at(i).text);
    }
  }
  if (shape.empty()) {
    return absl::InvalidArgumentError("no date found");
  }
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unrecognized words ", QuoteText(absl::StrJoin(unknown, " "))));
  }
  if (allow_bare_day && shape == "N") {
    date.day = at(begin).value;
    return date;
  }
  const int bit = LanguageBit(language_);
  bool ambiguous = false;
  for (const DatePattern& pattern : kPatterns) {
    absl::string_view p = pattern.pattern;
    if (p.size() != shape.size()) continue;
    bool match = true;
    for (size_t k = 0; k < p.size() && match; ++k) {
      switch (p[k]) {
        case 'y':
          match = shape[k] == 'Y';
          break;
        case 'm':
        case 'd':
          match = shape[k] == 'N';
          break;
        case 'a':
          match = shape[k] == 'A';
          break;
        default:
          match = shape[k] == p[k];
      }
    }
    if (!match) continue;
    if ((pattern.languages & bit) == 0) {
      ambiguous = true;
      continue;
    }
    for (size_t k = 0; k < p.size(); ++k) {
      const int value = at(begin + k).value;
      switch (p[k]) {
        case 'y':
          date.year = value;
          break;
        case 'm':
        case 'a':
          date.month = value;
          break;
        case 'd':
          date.day = value;
          break;
        default:
          break;
      }
    }
    return date;
  }
  if (ambiguous) {
    return absl::InvalidArgumentError(
        "a numeric date with the year last is ambiguous in Korean (write "
        "the year first)");
  }
  return absl::InvalidArgumentError("not a date form factstore reads");
}

absl::StatusOr<bool> DateReader::ReadPeriod(size_t begin, size_t end,
                                            PartialDate* date) const {
  const DateWords& words = DateWords::Get();
  for (const CompiledPeriod& period : words.periods) {
    if (period.elements.size() != end - begin) continue;
    int year = -1;
    int number = 0;
    std::string short_year;
    bool match = true;
    for (size_t k = 0; k < period.elements.size() && match; ++k) {
      const PeriodElement& e = period.elements[k];
      const DateToken& token = at(begin + k);
      switch (e.kind) {
        case PeriodElement::kYear:
          if (token.shape == 'Y') {
            year = token.value;
          } else if (token.shape == 'N') {
            short_year = token.text;
          } else {
            match = false;
          }
          break;
        case PeriodElement::kNumber:
          if (token.shape == 'N') {
            number = token.value;
          } else if (std::optional<int> n = words.PeriodNumber(token.key)) {
            number = *n;
          } else {
            match = false;
          }
          break;
        case PeriodElement::kExactNumber:
          match = token.shape == 'N' && token.value == e.value;
          break;
        case PeriodElement::kDash:
          match = token.shape == '-';
          break;
        case PeriodElement::kSlash:
          match = token.shape == '/';
          break;
        case PeriodElement::kWord:
          match = token.shape != 'N' && token.key == e.key;
          break;
      }
    }
    if (!match) continue;
    if (!short_year.empty()) {
      return NoSuchPeriod(
          absl::StrCat("a two-digit year (", QuoteText(short_year),
                       ") is ambiguous; write the year in full"));
    }
    const v1::DatePrecision precision = period.pattern->precision;
    if (period.pattern->number != 0) number = period.pattern->number;
    date->year = year;
    date->month = 0;
    date->period = v1::DATE_PRECISION_UNSPECIFIED;
    switch (precision) {
      case v1::DATE_PRECISION_QUARTER:
        if (number < 1 || number > 4) {
          return NoSuchPeriod(absl::StrCat("there is no quarter ", number,
                                           " (quarters are 1 to 4)"));
        }
        date->month = 3 * (number - 1) + 1;
        break;
      case v1::DATE_PRECISION_HALF_YEAR:
        if (number < 1 || number > 2) {
          return NoSuchPeriod(absl::StrCat("there is no half ", number,
                                           " (halves are 1 and 2)"));
        }
        date->month = 6 * (number - 1) + 1;
        break;
      case v1::DATE_PRECISION_FOUR_MONTHS:
        date->month = 4 * (number - 1) + 1;
        date->approximate = true;
        break;
      case v1::DATE_PRECISION_DECADE:
        if (year % 10 != 0) {
          return NoSuchPeriod(
              absl::StrCat("no decade starts in ", year,
                           " (a decade's first year ends in 0, as in "
                           "\"2020s\")"));
        }
        break;
      default:  // a fiscal year is its calendar year
        return true;
    }
    date->period = precision;
    return true;
  }
  return false;
}

absl::StatusOr<std::pair<PartialDate, v1::DateModifier>>
DateReader::ReadModifiedDate(size_t begin, size_t end) const {
  const DateWords& words = DateWords::Get();
  v1::DateModifier modifier = v1::DATE_MODIFIER_EXACT;
  std::vector<std::string> said;
  auto add = [&](v1::DateModifier m, std::string text) -> absl::Status {
    if (m != v1::DATE_MODIFIER_EXACT) {
      if (modifier != v1::DATE_MODIFIER_EXACT && modifier != m) {
        return absl::InvalidArgumentError(
            absl::StrCat("two modifiers, ", QuoteText(said.back()), " and ",
                         QuoteText(text)));
      }
      modifier = m;
    }
    said.push_back(std::move(text));
    return absl::OkStatus();
  };
  // Modifier phrases, longest first, from the front and (Korean) the back.
  while (begin < end) {
    size_t longest = 0;
    v1::DateModifier m = v1::DATE_MODIFIER_EXACT;
    for (const auto& [phrase, modifier] : words.prefixes) {
      size_t n = MatchAt(begin, phrase);
      if (n > longest && begin + n <= end) {
        longest = n;
        m = modifier;
      }
    }
    if (longest == 0) break;
    FS_RETURN_IF_ERROR(add(m, Surface(begin, begin + longest)));
    begin += longest;
  }
  while (begin < end) {
    size_t longest = 0;
    v1::DateModifier m = v1::DATE_MODIFIER_EXACT;
    for (const auto& [phrase, modifier] : words.postfixes) {
      size_t n = MatchBefore(end, phrase);
      if (n > longest && end - n >= begin) {
        longest = n;
        m = modifier;
      }
    }
    if (longest == 0) break;
    FS_RETURN_IF_ERROR(add(m, Surface(end - longest, end)));
    end -= longest;
  }
  FS_ASSIGN_OR_RETURN(PartialDate date, ReadDate(begin, end, false));
  // "early 2023" is approximately its four months unless the text bounds it
  // otherwise ("by late 2024").
  if (date.approximate && modifier == v1::DATE_MODIFIER_EXACT) {
    modifier = v1::DATE_MODIFIER_APPROXIMATELY;
  }
  return std::make_pair(std::move(date), modifier);
}

std::string DayString(int32_t day_number) {
  return FormatIsoDate(DayFromNumber(day_number), DatePrecision::kDay);
}

// Sets the output-only interval of a TimeValue whose date and precision are
// set.
absl::Status SetInterval(v1::TimeValue& time) {
  FS_ASSIGN_OR_RETURN(DayRange days, TimeValueDays(time));
  time.set_interval_start(DayString(days.first));
  time.set_interval_end(DayString(days.end));
  return absl::OkStatus();
}

// Checks a read period ("Q3 2024", "the 2020s") and turns it into a
// TimeValue. REQUIRES: date.period is set and date.year >= 0.
absl::StatusOr<v1::TimeValue> FinishPeriod(const PartialDate& date) {
  if (date.weekday.has_value()) {
    return absl::InvalidArgumentError("a weekday needs a full date");
  }
  std::string iso = date.period == v1::DATE_PRECISION_DECADE
                        ? IsoDateText(date.year)
                        : IsoDateText(date.year, date.month);
  // Years out of range ("Q1 0000").
  absl::StatusOr<IsoDate> parsed = ParseIsoDate(iso);
  if (!parsed.ok()) return parsed.status();
  v1::TimeValue time;
  time.set_date(std::move(iso));
  time.set_precision(date.period);
  time.set_modifier(v1::DATE_MODIFIER_EXACT);
  FS_RETURN_IF_ERROR(SetInterval(time));
  return time;
}

// Checks a read date and turns it into a TimeValue (date, precision and
// interval).
absl::StatusOr<v1::TimeValue> Finish(const PartialDate& date) {
  if (date.year < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("no year in ", QuoteText(date.surface)));
  }
  if (date.period != v1::DATE_PRECISION_UNSPECIFIED) return FinishPeriod(date);
  std::string iso = IsoDateText(date.year, date.month, date.day);
  absl::StatusOr<IsoDate> parsed = ParseIsoDate(iso);
  if (!parsed.ok()) return parsed.status();
  if (date.weekday.has_value()) {
    if (parsed->precision != DatePrecision::kDay) {
      return absl::InvalidArgumentError("a weekday needs a full date");
    }
    const int actual =
        static_cast<int>(absl::GetWeekday(parsed->first_day));  // 0 = Monday
    if (actual != *date.weekday) {
      return absl::InvalidArgumentError(
          absl::StrCat(iso, " is not a ", kWeekdayNames[*date.weekday][0]));
    }
  }
  v1::TimeValue time;
  time.set_date(FormatIsoDate(parsed->first_day, parsed->precision));
  time.set_precision(ToApiPrecision(parsed->precision));
  time.set_modifier(v1::DATE_MODIFIER_EXACT);
  FS_RETURN_IF_ERROR(SetInterval(time));
  return time;
}

// A range read from a valid time's text, or nullopt if the text is no range.
struct RangeRead {
  PartialDate start;
  PartialDate end;
};

absl::StatusOr<std::optional<RangeRead>> ReadRange(const DateReader& reader) {
  const DateWords& words = DateWords::Get();
  size_t begin = 0;
  size_t end = reader.size();
  // "and" joins the ends only after "between": "2025 and 2027" are two
  // years, not a range.
  bool between = false;
  for (const auto& opener : words.openers) {
    if (size_t n = reader.MatchAt(begin, opener)) {
      between = opener.size() == 1 && opener[0] == "between";
      begin += n;
      break;
    }
  }
  for (const auto& closer : words.closers) {
    if (size_t n = reader.MatchBefore(end, closer); n > 0 && end - n > begin) {
      end -= n;
      break;
    }
  }
  absl::Status no_year;    // a range whose end has no year
  absl::Status no_period;  // a range with an end that does not exist
  auto note = [&no_period](const absl::Status& status) {
    if (status.code() == absl::StatusCode::kOutOfRange && no_period.ok()) {
      no_period = status;
    }
  };
  for (size_t j = begin + 1; j < end; ++j) {
    for (const auto& joiner : words.joiners) {
      if (!between && joiner.size() == 1 && joiner[0] == "and") continue;
      size_t n = reader.MatchAt(j, joiner);
      if (n == 0 || j + n >= end) continue;
      absl::StatusOr<PartialDate> right = reader.ReadDate(j + n, end, false);
      if (!right.ok()) {
        note(right.status());
        continue;
      }
      absl::StatusOr<PartialDate> left = reader.ReadDate(begin, j, true);
      if (!left.ok()) note(left.status());
      if (right->year < 0) {
        // "2024년 1분기부터 3분기까지", "from March 2024 to May": the end
        // takes the start's year, when both name a month or a period.
        if (!left.ok() || left->year < 0 || left->month == 0 ||
            right->month == 0) {
          no_year = absl::InvalidArgumentError(
              absl::StrCat("no year in ", QuoteText(right->surface)));
          continue;
        }
        right->year = left->year;
      }
      if (!left.ok()) continue;
      // "March to May 2024", "2-5 August 2024", "from Q1 to Q3 2024": the
      // start takes what it leaves out from the end. An end of a bare year
      // lends nothing: "tháng 8-2024" and "Q3-2024" are one date, not a range.
      if (left->year < 0) {
        if (right->month == 0) continue;
        if (left->month == 0) {
          if (right->day == 0) continue;
          left->month = right->month;
        }
        left->year = right->year;
      }
      return std::optional<RangeRead>(RangeRead{*left, *right});
    }
  }
  if (!no_year.ok()) return no_year;
  if (!no_period.ok()) return no_period;
  return std::optional<RangeRead>();
}

// Fills interval_start/interval_end of a checked valid time.
absl::Status FillInterval(v1::ValidTime& valid_time) {
  FS_ASSIGN_OR_RETURN(std::optional<DayRange> range,
                      ValidTimeRange(valid_time));
  valid_time.clear_interval_start();
  valid_time.clear_interval_end();
  if (!range) return absl::OkStatus();
  if (range->first != kOpenFirstDay) {
    valid_time.set_interval_start(DayString(range->first));
  }
  if (range->end != kOpenEndDay) {
    valid_time.set_interval_end(DayString(range->end));
  }
  return absl::OkStatus();
}

bool IsSet(const v1::TimeValue& time) {
  return !time.date().empty() || !time.raw().empty() ||
         time.precision() != v1::DATE_PRECISION_UNSPECIFIED ||
         time.modifier() != v1::DATE_MODIFIER_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<v1::TimeValue> NormalizeDate(absl::string_view text,
                                            absl::string_view language,
                                            const DateContext& context) {
  auto fail = [text](const absl::Status& status) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read ", QuoteText(text), " as a date: ", status.message()));
  };
  absl::StatusOr<std::vector<DateToken>> tokens = ReadTokens(text, context);
  if (!tokens.ok()) return fail(tokens.status());
  DateReader reader(*std::move(tokens), LanguageFromTag(language));
  auto read = reader.ReadModifiedDate(0, reader.size());
  if (!read.ok()) {
    absl::StatusOr<std::optional<RangeRead>> range = ReadRange(reader);
    if (range.ok() && range->has_value()) {
      return fail(absl::InvalidArgumentError(
          "this is a range of dates, which only a valid time can hold"));
    }
    return fail(read.status());
  }
  absl::StatusOr<v1::TimeValue> time = Finish(read->first);
  if (!time.ok()) return fail(time.status());
  time->set_modifier(read->second);
  time->set_surface_text(std::string(text));
  return time;
}

absl::StatusOr<v1::ValidTime> NormalizeValidTime(absl::string_view text,
                                                 absl::string_view language,
                                                 const DateContext& context) {
  auto fail = [text](const absl::Status& status) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", QuoteText(text),
                     " as a valid time: ", status.message()));
  };
  absl::StatusOr<std::vector<DateToken>> tokens = ReadTokens(text, context);
  if (!tokens.ok()) return fail(tokens.status());
  DateReader reader(*std::move(tokens), LanguageFromTag(language));

  v1::ValidTime valid_time;
  absl::StatusOr<std::optional<RangeRead>> range = ReadRange(reader);
  if (!range.ok()) return fail(range.status());
  if (range->has_value()) {
    absl::StatusOr<v1::TimeValue> start = Finish((*range)->start);
    if (!start.ok()) return fail(start.status());
    absl::StatusOr<v1::TimeValue> end = Finish((*range)->end);
    if (!end.ok()) return fail(end.status());
    start->set_surface_text((*range)->start.surface);
    end->set_surface_text((*range)->end.surface);
    // "from early 2023 to late 2024": each end is approximate.
    if ((*range)->start.approximate) {
      start->set_modifier(v1::DATE_MODIFIER_APPROXIMATELY);
    }
    if ((*range)->end.approximate) {
      end->set_modifier(v1::DATE_MODIFIER_APPROXIMATELY);
    }
    *valid_time.mutable_start() = *std::move(start);
    *valid_time.mutable_end() = *std::move(end);
  } else {
    auto read = reader.ReadModifiedDate(0, reader.size());
    if (!read.ok()) return fail(read.status());
    absl::StatusOr<v1::TimeValue> time = Finish(read->first);
    if (!time.ok()) return fail(time.status());
    time->set_modifier(read->second);
    time->set_surface_text(std::string(text));
    // "since 2019" holds from 2019 on, not only during 2019.
    if (read->second == v1::DATE_MODIFIER_SINCE) {
      *valid_time.mutable_start() = *std::move(time);
    } else {
      *valid_time.mutable_at() = *std::move(time);
    }
  }
  if (absl::Status status = FillInterval(valid_time); !status.ok()) {
    return fail(status);
  }
  return valid_time;
}

absl::StatusOr<v1::ValidTime> NormalizeValidTimeRemembered(
    absl::string_view text, absl::string_view language,
    const DateContext& context) {
  // A text NormalizeValidTime refuses for its length is not remembered.
  if (text.size() > kMaxRawTextBytes) {
    return NormalizeValidTime(text, language, context);
  }
  thread_local RememberedWords<absl::StatusOr<v1::ValidTime>> remembered(
      /*capacity=*/16384);
  // The language behind its length, so that no two keys run together.
  const std::string key = absl::StrCat(language.size(), ":", language, text);
  absl::StatusOr<v1::ValidTime> read =
      remembered.Get(key, [&](absl::string_view) {
        return NormalizeValidTime(text, language, DateContext());
      });
  // Without a publication date the remembered answer is the answer, an
  // error included.
  if (context.publication_date.empty() ||
      (read.ok() && ParseIsoDate(context.publication_date).ok())) {
    return read;
  }
  return NormalizeValidTime(text, language, context);
}

absl::StatusOr<v1::TimeValue> CanonicalizeTimeValue(const v1::TimeValue& time) {
  auto bad = [](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time: ", field, ": ", why));
  };
  if (time.date().empty()) {
    if (!time.raw().empty()) {
      return bad("date", absl::StrCat("is empty; raw ", QuoteText(time.raw()),
                                      " must be read with NormalizeDate"));
    }
    return bad("date", "is empty");
  }
  // The date, the precision, and whether they fit: the message names the
  // field at fault ("date: ...", "precision: ...").
  if (absl::StatusOr<DayRange> days = TimeValueDays(time); !days.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time: ", days.status().message()));
  }
  if (!v1::DateModifier_IsValid(time.modifier())) {
    return bad("modifier", absl::StrCat("unknown value ", time.modifier()));
  }
  v1::TimeValue out = time;
  out.clear_raw();
  if (out.precision() == v1::DATE_PRECISION_UNSPECIFIED) {
    // Only a year, a month or a day is inferred: a period must be named.
    FS_ASSIGN_OR_RETURN(IsoDate parsed, ParseIsoDate(time.date()));
    out.set_precision(ToApiPrecision(parsed.precision));
  }
  if (out.modifier() == v1::DATE_MODIFIER_UNSPECIFIED) {
    out.set_modifier(v1::DATE_MODIFIER_EXACT);
  }
  FS_RETURN_IF_ERROR(SetInterval(out));
  return out;
}

absl::StatusOr<v1::ValidTime> CanonicalizeValidTime(
    const v1::ValidTime& valid_time) {
  auto bad = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid valid time: ", why));
  };
  if (!valid_time.raw().empty()) {
    return bad(absl::StrCat("raw ", QuoteText(valid_time.raw()),
                            " must be read with NormalizeValidTime"));
  }
  const bool has_at = IsSet(valid_time.at());
  const bool has_start = IsSet(valid_time.start());
  const bool has_end = IsSet(valid_time.end());
  if (has_at && (has_start || has_end)) {
    return bad("either at or start/end may be set, not both");
  }
  v1::ValidTime out;
  struct Part {
    bool set;
    const v1::TimeValue& in;
    v1::TimeValue* out;
    const char* name;
  };
  for (const Part& part :
       {Part{has_at, valid_time.at(), out.mutable_at(), "at"},
        Part{has_start, valid_time.start(), out.mutable_start(), "start"},
        Part{has_end, valid_time.end(), out.mutable_end(), "end"}}) {
    if (!part.set) continue;
    absl::StatusOr<v1::TimeValue> time = CanonicalizeTimeValue(part.in);
    if (!time.ok())
      return bad(absl::StrCat(part.name, ": ", time.status().message()));
    *part.out = *std::move(time);
  }
  if (!has_at) out.clear_at();
  if (!has_start) out.clear_start();
  if (!has_end) out.clear_end();
  if (absl::Status status = FillInterval(out); !status.ok()) {
    return bad(status.message());
  }
  return out;
}

}  // namespace factstore::normalizer
