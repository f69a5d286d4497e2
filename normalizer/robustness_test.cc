// Feeds the normalizers many generated texts, well-formed and not, and checks
// that every answer is either a valid canonical value or INVALID_ARGUMENT with
// a message that is valid UTF-8. A stand-in for the fuzzer until one is
// pointed at these functions; deterministic, so failures reproduce.
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/decimal.h"
#include "gtest/gtest.h"
#include "normalizer/date_normalizer.h"
#include "normalizer/name_folding.h"
#include "normalizer/quantity_normalizer.h"
#include "normalizer/units.h"
#include "normalizer/value_parsers.h"
#include "unicode/utf8.h"

namespace factstore::normalizer {
namespace {

bool IsValidUtf8(absl::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// Pieces texts are made of: grammar words of the three languages, numbers in
// several spellings, symbols, and bytes that are not UTF-8.
const char* const kPieces[] = {
    "1",          "53",       "2024",      "85.9",
    "85,9",       "53.000",   "1,234.5",   "0",
    "-",          "–",        "~",         "+",
    "%",          "$",        "US$",       "€",
    "₫",          "đ",        "₩",         "/",
    ".",          ",",        "(",         "billion",
    "million",    "thousand", "bn",        "k",
    "m",          "a",        "half",      "dozen",
    "twenty",     "five",     "hundred",   "and",
    "between",    "from",     "to",        "about",
    "more than",  "at least", "up to",     "or more",
    "per",        "1,000",    "residents", "people",
    "firms",      "USD",      "USDD",      "IT",
    "of",         "percent",  "tỷ",        "triệu",
    "nghìn",      "khoảng",   "hơn",       "trên",
    "từ",         "đến",      "người",     "doanh nghiệp",
    "năm",        "tháng",    "ngày",      "hai",
    "trở lên",    "만",       "억",        "조",
    "천",         "백",       "십",        "명",
    "개",         "달러",     "원",        "약",
    "이상",       "까지",     "부터",      "에서",
    "년",         "월",       "일",        "의",
    "인구",       "당",       "August",    "Aug.",
    "2nd",        "by",       "in",        "since",
    "Friday",     "the",      "around",    "02/08/2024",
    "2024-08-02", "\xff",     "\xe1\xba",  "\xc0",
    " ",          "  ",       "\t",        "다낭",
    "yes",        "không",    "아니요",    "₿",
    "XX$",        "²",        "hundreds",  "tens of",
    "hàng",       "trăm",     "수",        "경",
    "pp",         "%p",       "a year",    "/năm",
    "연간",       "lakh",     "crore",     "mỗi ngày",
};

std::string MakeText(std::mt19937& rng) {
  std::uniform_int_distribution<int> count(0, 9);
  std::uniform_int_distribution<size_t> piece(0, std::size(kPieces) - 1);
  std::bernoulli_distribution space(0.6);
  std::string text;
  for (int n = count(rng); n > 0; --n) {
    if (!text.empty() && space(rng)) text += ' ';
    text += kPieces[piece(rng)];
  }
  return text;
}

std::string RandomBytes(std::mt19937& rng) {
  std::uniform_int_distribution<int> length(0, 300);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string text(static_cast<size_t>(length(rng)), '\0');
  for (char& c : text) c = static_cast<char>(byte(rng));
  return text;
}

void CheckError(const absl::Status& status, const std::string& text) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
  EXPECT_TRUE(IsValidUtf8(status.message())) << text;
}

void CheckAll(const std::string& text) {
  for (const char* language : {"en", "vi", "ko"}) {
    absl::StatusOr<v1::Quantity> q = NormalizeQuantity(text, language, {});
    if (q.ok()) {
      EXPECT_TRUE(IsCanonicalDecimal(q->amount())) << text;
      EXPECT_TRUE(IsKnownUnit(q->unit())) << text;
      absl::StatusOr<v1::Quantity> again = CanonicalizeQuantity(*q);
      ASSERT_TRUE(again.ok()) << text << ": " << again.status();
      EXPECT_EQ(again->SerializeAsString(), q->SerializeAsString()) << text;
    } else {
      CheckError(q.status(), text);
    }

    absl::StatusOr<v1::TimeValue> t = NormalizeDate(text, language);
    if (t.ok()) {
      absl::StatusOr<v1::TimeValue> again = CanonicalizeTimeValue(*t);
      ASSERT_TRUE(again.ok()) << text << ": " << again.status();
      EXPECT_EQ(again->SerializeAsString(), t->SerializeAsString()) << text;
    } else {
      CheckError(t.status(), text);
    }

    absl::StatusOr<v1::ValidTime> v = NormalizeValidTime(text, language);
    if (v.ok()) {
      absl::StatusOr<v1::ValidTime> again = CanonicalizeValidTime(*v);
      ASSERT_TRUE(again.ok()) << text << ": " << again.status();
      EXPECT_EQ(again->SerializeAsString(), v->SerializeAsString()) << text;
    } else {
      CheckError(v.status(), text);
    }

    absl::StatusOr<bool> b = ParseBoolean(text, language);
    if (!b.ok()) CheckError(b.status(), text);
  }
  std::string folded = FoldName(text);
  EXPECT_TRUE(IsValidUtf8(folded)) << text;
  EXPECT_EQ(FoldName(folded), folded) << text;
}

TEST(RobustnessTest, GeneratedTexts) {
  std::mt19937 rng(20240802);
  for (int i = 0; i < 3000; ++i) {
    CheckAll(MakeText(rng));
    if (HasFatalFailure()) return;
  }
}

TEST(RobustnessTest, RandomBytes) {
  std::mt19937 rng(85900);
  for (int i = 0; i < 500; ++i) {
    CheckAll(RandomBytes(rng));
    if (HasFatalFailure()) return;
  }
}

TEST(RobustnessTest, LongRepetitions) {
  for (const char* piece :
       {"1 ", "million ", "천", "만", "억 ", "9", "-", "%", "tỷ ", "a ",
        "hundred ", "and ", "between ", "년", "2024-", "Đ", "\xff"}) {
    std::string text;
    while (text.size() + std::string(piece).size() <= 256) text += piece;
    CheckAll(text);
    if (HasFatalFailure()) return;
  }
}

// Relative dates against publication dates of every precision, at the edges
// of the calendar, and not dates at all.
TEST(RobustnessTest, RelativeDatesWithPublicationDates) {
  const char* const pieces[] = {
      "yesterday", "last", "next",   "this",     "year",  "month",  "quarter",
      "ago",       "the",  "day",    "before",   "3",     "a",      "hôm",
      "qua",       "nay",  "năm",    "ngoái",    "tháng", "trước",  "sau",
      "tới",       "tối",  "sáng",   "cách đây", "quý",   "어제",   "작년",
      "지난",      "달",   "지난달", "분기",     "전",    "일",     "년",
      "올",        "오후", "까지",   "부터",     "by",    "from",   "to",
      "August",    "2024", "Q3",     "early",    "đầu",   "상반기", "-",
      "\xff",      "6",    "ngày",   "",         " "};
  const char* const published[] = {"",           "2024",       "2024-08",
                                   "2024-08-02", "0001-01-01", "9999-12-31",
                                   "2024-02-29", "not a date", "\xff"};
  std::mt19937 rng(1808);
  std::uniform_int_distribution<int> count(1, 5);
  std::uniform_int_distribution<size_t> piece(0, std::size(pieces) - 1);
  std::uniform_int_distribution<size_t> date(0, std::size(published) - 1);
  std::bernoulli_distribution space(0.7);
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (int n = count(rng); n > 0; --n) {
      if (!text.empty() && space(rng)) text += ' ';
      text += pieces[piece(rng)];
    }
    const DateContext context{published[date(rng)]};
    const std::string what = text + " @ " + context.publication_date;
    for (const char* language : {"en", "vi", "ko"}) {
      absl::StatusOr<v1::TimeValue> t = NormalizeDate(text, language, context);
      if (t.ok()) {
        absl::StatusOr<v1::TimeValue> again = CanonicalizeTimeValue(*t);
        ASSERT_TRUE(again.ok()) << what << ": " << again.status();
        EXPECT_EQ(again->SerializeAsString(), t->SerializeAsString()) << what;
      } else {
        CheckError(t.status(), what);
      }
      absl::StatusOr<v1::ValidTime> v =
          NormalizeValidTime(text, language, context);
      if (v.ok()) {
        absl::StatusOr<v1::ValidTime> again = CanonicalizeValidTime(*v);
        ASSERT_TRUE(again.ok()) << what << ": " << again.status();
        EXPECT_EQ(again->SerializeAsString(), v->SerializeAsString()) << what;
      } else {
        CheckError(v.status(), what);
      }
    }
    if (HasFatalFailure()) return;
  }
}

TEST(RobustnessTest, ConcurrentCallsAgreeWithSequentialOnes) {
  // The word lists and ICU transforms are built on first use; several
  // threads start together so that first use is concurrent too.
  std::mt19937 rng(2028);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(MakeText(rng));
  auto answers = [&texts] {
    std::vector<std::string> out;
    for (const std::string& text : texts) {
      absl::StatusOr<v1::Quantity> q = NormalizeQuantity(text, "vi", {});
      out.push_back(q.ok() ? q->SerializeAsString()
                           : std::string(q.status().message()));
      absl::StatusOr<v1::ValidTime> v = NormalizeValidTime(text, "ko");
      out.push_back(v.ok() ? v->SerializeAsString()
                           : std::string(v.status().message()));
      out.push_back(FoldName(text));
    }
    return out;
  };
  constexpr int kThreads = 6;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&results, &answers, t] { results[t] = answers(); });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> expected = answers();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(results[t], expected) << t;
}

}  // namespace
}  // namespace factstore::normalizer
