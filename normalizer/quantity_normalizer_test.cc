#include "normalizer/quantity_normalizer.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "normalizer/test_names.h"
#include "normalizer/text_tokens.h"

namespace factstore::normalizer {
namespace {

using ::testing::HasSubstr;

constexpr v1::Comparator EXACT = v1::COMPARATOR_EXACT;
constexpr v1::Comparator APPROX = v1::COMPARATOR_APPROXIMATELY;
constexpr v1::Comparator MORE = v1::COMPARATOR_MORE_THAN;
constexpr v1::Comparator AT_LEAST = v1::COMPARATOR_AT_LEAST;
constexpr v1::Comparator LESS = v1::COMPARATOR_LESS_THAN;
constexpr v1::Comparator AT_MOST = v1::COMPARATOR_AT_MOST;
constexpr v1::Comparator RANGE = v1::COMPARATOR_RANGE;

struct QuantityCase {
  const char* text;
  const char* language;
  const char* amount;
  const char* unit;
  v1::Comparator comparator;
  const char* lower = "";
  const char* upper = "";
};

class NormalizeQuantityTest : public ::testing::TestWithParam<QuantityCase> {};

TEST_P(NormalizeQuantityTest, ReadsCanonicalQuantity) {
  const QuantityCase& c = GetParam();
  absl::StatusOr<v1::Quantity> q = NormalizeQuantity(c.text, c.language, {});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->amount(), c.amount);
  EXPECT_EQ(q->unit(), c.unit);
  EXPECT_EQ(q->comparator(), c.comparator)
      << v1::Comparator_Name(q->comparator());
  EXPECT_EQ(q->lower_bound(), c.lower);
  EXPECT_EQ(q->upper_bound(), c.upper);
  EXPECT_EQ(q->surface_text(), c.text);
}

std::string QuantityCaseName(
    const ::testing::TestParamInfo<QuantityCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

// The examples from the project's seed articles.
const QuantityCase kSeedCases[] = {
    {"US$85.9 billion", "en", "85900000000", "USD", EXACT},
    {"approximately 53,000 people", "en", "53000", "person", APPROX},
    {"khoảng 53.000 người", "vi", "53000", "person", APPROX},
    {"37 educational institutions", "en", "37", "organization", EXACT},
    {"around 6,000 students", "en", "6000", "person", APPROX},
    {"$600 billion", "en", "600000000000", "USD", EXACT},
    {"$800 billion", "en", "800000000000", "USD", EXACT},
    {"2.3 technology companies per 1,000 residents", "en", "2.3",
     "per_1000_people", EXACT},
    {"Nearly 20 Vietnamese digital tech firms", "en", "20", "organization",
     APPROX},
    {"150 delegates", "en", "150", "person", EXACT},
    {"more than 10 Vietnamese digital firms", "en", "10", "organization", MORE},
    {"740,000 IT officers", "en", "740000", "person", EXACT},
    {"490,000 workers", "en", "490000", "person", EXACT},
    {"30 years", "en", "30", "year", EXACT},
    {"85,9 tỷ USD", "vi", "85900000000", "USD", EXACT},
    {"600억 달러", "ko", "60000000000", "USD", EXACT},
    {"약 5만 3천 명", "ko", "53000", "person", APPROX},
    {"53,000 digital technology professionals", "en", "53000", "person", EXACT},
};
INSTANTIATE_TEST_SUITE_P(Seeds, NormalizeQuantityTest,
                         ::testing::ValuesIn(kSeedCases), QuantityCaseName);

const QuantityCase kEnglishCases[] = {
    // Plain numbers and separators.
    {"0", "en", "0", "count", EXACT},
    {"7", "en", "7", "count", EXACT},
    {"007", "en", "7", "count", EXACT},
    {"1,234", "en", "1234", "count", EXACT},
    {"1,234.5", "en", "1234.5", "count", EXACT},
    {"1,234,567", "en", "1234567", "count", EXACT},
    {"1,234,567.891", "en", "1234567.891", "count", EXACT},
    {"2.50", "en", "2.5", "count", EXACT},
    {"1.234", "en", "1.234", "count", EXACT},
    {"0.05", "en", "0.05", "count", EXACT},
    {"1.234,5", "en", "1234.5", "count", EXACT},
    {"1.234.567", "en", "1234567", "count", EXACT},
    {"53,000.", "en", "53000", "count", EXACT},
    {"(53,000)", "en", "53000", "count", EXACT},
    {"-5%", "en", "-5", "percent", EXACT},
    {"−2.3%", "en", "-2.3", "percent", EXACT},
    {"+5%", "en", "5", "percent", EXACT},
    {"１２３", "en", "123", "count", EXACT},
    // Scale words.
    {"5 thousand", "en", "5000", "count", EXACT},
    {"85.9 billion", "en", "85900000000", "count", EXACT},
    {"1.5 million", "en", "1500000", "count", EXACT},
    {"3 trillion", "en", "3000000000000", "count", EXACT},
    {"2.5 Million", "en", "2500000", "count", EXACT},
    {"85.9bn", "en", "85900000000", "count", EXACT},
    {"85.9 bn", "en", "85900000000", "count", EXACT},
    {"5k", "en", "5000", "count", EXACT},
    {"5K", "en", "5000", "count", EXACT},
    {"$5m", "en", "5000000", "USD", EXACT},
    {"$5M", "en", "5000000", "USD", EXACT},
    {"$5 mn", "en", "5000000", "USD", EXACT},
    {"$2tn", "en", "2000000000000", "USD", EXACT},
    {"$3B", "en", "3000000000", "USD", EXACT},
    {"1.2 thousand million", "en", "1200000000", "count", EXACT},
    {"2 million 500 thousand", "en", "2500000", "count", EXACT},
    // Number words.
    {"one", "en", "1", "count", EXACT},
    {"ten people", "en", "10", "person", EXACT},
    {"Twelve firms", "en", "12", "organization", EXACT},
    {"nineteen", "en", "19", "count", EXACT},
    {"twenty", "en", "20", "count", EXACT},
    {"twenty-five", "en", "25", "count", EXACT},
    {"twenty five", "en", "25", "count", EXACT},
    {"ninety-nine years", "en", "99", "year", EXACT},
    {"a hundred", "en", "100", "count", EXACT},
    {"one hundred", "en", "100", "count", EXACT},
    {"two hundred and thirty-five", "en", "235", "count", EXACT},
    {"three hundred five", "en", "305", "count", EXACT},
    {"a million", "en", "1000000", "count", EXACT},
    {"one million", "en", "1000000", "count", EXACT},
    {"a thousand", "en", "1000", "count", EXACT},
    {"two thousand", "en", "2000", "count", EXACT},
    {"fifty thousand", "en", "50000", "count", EXACT},
    {"two hundred thousand", "en", "200000", "count", EXACT},
    {"two million five hundred thousand", "en", "2500000", "count", EXACT},
    {"half a million", "en", "500000", "count", EXACT},
    {"half a billion dollars", "en", "500000000", "USD", EXACT},
    {"a dozen", "en", "12", "count", EXACT},
    {"two dozen", "en", "24", "count", EXACT},
    {"a dozen companies", "en", "12", "organization", EXACT},
    {"zero", "en", "0", "count", EXACT},
    // Money.
    {"$85.9 billion", "en", "85900000000", "USD", EXACT},
    {"US$ 85.9 billion", "en", "85900000000", "USD", EXACT},
    {"USD 85.9 billion", "en", "85900000000", "USD", EXACT},
    {"85.9 billion USD", "en", "85900000000", "USD", EXACT},
    {"85.9 billion US dollars", "en", "85900000000", "USD", EXACT},
    {"85.9 billion U.S. dollars", "en", "85900000000", "USD", EXACT},
    {"85.9 billion dollars", "en", "85900000000", "USD", EXACT},
    {"1 dollar", "en", "1", "USD", EXACT},
    {"$1,500", "en", "1500", "USD", EXACT},
    {"1,500$", "en", "1500", "USD", EXACT},
    {"€5 million", "en", "5000000", "EUR", EXACT},
    {"5 million euros", "en", "5000000", "EUR", EXACT},
    {"EUR 12.5", "en", "12.5", "EUR", EXACT},
    {"£3bn", "en", "3000000000", "GBP", EXACT},
    {"10 million pounds", "en", "10000000", "GBP", EXACT},
    {"¥100 million", "en", "100000000", "JPY", EXACT},
    {"500 million yen", "en", "500000000", "JPY", EXACT},
    {"JPY 1,000", "en", "1000", "JPY", EXACT},
    {"10 billion yuan", "en", "10000000000", "CNY", EXACT},
    {"CNY 7", "en", "7", "CNY", EXACT},
    {"RMB 7 billion", "en", "7000000000", "CNY", EXACT},
    {"₩5,000", "en", "5000", "KRW", EXACT},
    {"5,000 won", "en", "5000", "KRW", EXACT},
    {"KRW 1 trillion", "en", "1000000000000", "KRW", EXACT},
    {"VND 5 trillion", "en", "5000000000000", "VND", EXACT},
    {"5 trillion dong", "en", "5000000000000", "VND", EXACT},
    {"5 trillion Vietnamese dong", "en", "5000000000000", "VND", EXACT},
    {"HK$10 million", "en", "10000000", "HKD", EXACT},
    {"A$5", "en", "5", "AUD", EXACT},
    {"S$2 billion", "en", "2000000000", "SGD", EXACT},
    {"THB 300", "en", "300", "THB", EXACT},
    {"NZ$40", "en", "40", "NZD", EXACT},
    {"C$ 12 million", "en", "12000000", "CAD", EXACT},
    {"NT$3 billion", "en", "3000000000", "TWD", EXACT},
    {"CHF 40", "en", "40", "CHF", EXACT},
    {"$0.5 million", "en", "500000", "USD", EXACT},
    // Comparators.
    {"about 100", "en", "100", "count", APPROX},
    {"around 100", "en", "100", "count", APPROX},
    {"approx. 100", "en", "100", "count", APPROX},
    {"some 6,000 students", "en", "6000", "person", APPROX},
    {"nearly 20", "en", "20", "count", APPROX},
    {"almost 1,000 people", "en", "1000", "person", APPROX},
    {"roughly $5 billion", "en", "5000000000", "USD", APPROX},
    {"an estimated 5,000 workers", "en", "5000", "person", APPROX},
    {"estimated 5,000", "en", "5000", "count", APPROX},
    {"close to 50 firms", "en", "50", "organization", APPROX},
    {"Approximately 53,000 people", "en", "53000", "person", APPROX},
    {"more than 10", "en", "10", "count", MORE},
    {"over 1,000 people", "en", "1000", "person", MORE},
    {"above 5%", "en", "5", "percent", MORE},
    {"upwards of $2 billion", "en", "2000000000", "USD", MORE},
    {"in excess of 300", "en", "300", "count", MORE},
    {"just over 40%", "en", "40", "percent", MORE},
    {"at least 150 delegates", "en", "150", "person", AT_LEAST},
    {"no fewer than 20 firms", "en", "20", "organization", AT_LEAST},
    {"no less than $1 billion", "en", "1000000000", "USD", AT_LEAST},
    {"a minimum of 3 years", "en", "3", "year", AT_LEAST},
    {"up to 500 students", "en", "500", "person", AT_MOST},
    {"at most 5", "en", "5", "count", AT_MOST},
    {"no more than 10%", "en", "10", "percent", AT_MOST},
    {"as many as 5,000 visitors", "en", "5000", "person", AT_MOST},
    {"less than 10%", "en", "10", "percent", LESS},
    {"under 500 employees", "en", "500", "person", LESS},
    {"below 2 percent", "en", "2", "percent", LESS},
    {"fewer than 100 companies", "en", "100", "organization", LESS},
    {"100+", "en", "100", "count", AT_LEAST},
    {"100+ companies", "en", "100", "organization", AT_LEAST},
    {"100 or more", "en", "100", "count", AT_LEAST},
    {"100 people or more", "en", "100", "person", AT_LEAST},
    {"5% and above", "en", "5", "percent", AT_LEAST},
    {"50 or fewer", "en", "50", "count", AT_MOST},
    {"a total of 500 delegates", "en", "500", "person", EXACT},
    // Ranges.
    {"between 100 and 200", "en", "100", "count", RANGE, "100", "200"},
    {"100-200", "en", "100", "count", RANGE, "100", "200"},
    {"100 - 200", "en", "100", "count", RANGE, "100", "200"},
    {"100–200 people", "en", "100", "person", RANGE, "100", "200"},
    {"100 to 200", "en", "100", "count", RANGE, "100", "200"},
    {"from 100 to 200 students", "en", "100", "person", RANGE, "100", "200"},
    {"10-15%", "en", "10", "percent", RANGE, "10", "15"},
    {"10%-15%", "en", "10", "percent", RANGE, "10", "15"},
    {"between 10% and 15%", "en", "10", "percent", RANGE, "10", "15"},
    {"$100-200 million", "en", "100000000", "USD", RANGE, "100000000",
     "200000000"},
    {"$1.5-2 billion", "en", "1500000000", "USD", RANGE, "1500000000",
     "2000000000"},
    {"between 5 and 10 million", "en", "5000000", "count", RANGE, "5000000",
     "10000000"},
    {"$5 million to $10 million", "en", "5000000", "USD", RANGE, "5000000",
     "10000000"},
    {"500,000 to 1 million", "en", "500000", "count", RANGE, "500000",
     "1000000"},
    {"about 10-15%", "en", "10", "percent", RANGE, "10", "15"},
    {"between one hundred and two hundred", "en", "100", "count", RANGE, "100",
     "200"},
    {"5-5", "en", "5", "count", RANGE, "5", "5"},
    {"-5 to 5%", "en", "-5", "percent", RANGE, "-5", "5"},
    // Percentages and ratios.
    {"5%", "en", "5", "percent", EXACT},
    {"5 %", "en", "5", "percent", EXACT},
    {"12.5 percent", "en", "12.5", "percent", EXACT},
    {"12.5 per cent", "en", "12.5", "percent", EXACT},
    {"7 pct", "en", "7", "percent", EXACT},
    {"５％", "en", "5", "percent", EXACT},
    {"10 percent of companies", "en", "10", "percent", EXACT},
    {"2.3 per 1,000 people", "en", "2.3", "per_1000_people", EXACT},
    {"2.3 per 1000 inhabitants", "en", "2.3", "per_1000_people", EXACT},
    {"4 per thousand residents", "en", "4", "per_1000_people", EXACT},
    {"4 doctors per 1,000 population", "en", "4", "per_1000_people", EXACT},
    // Units from nouns.
    {"5 people", "en", "5", "person", EXACT},
    {"1 person", "en", "1", "person", EXACT},
    {"6,000 graduates", "en", "6000", "person", EXACT},
    {"53,000 digital technology professionals", "en", "53000", "person", EXACT},
    {"200 engineers", "en", "200", "person", EXACT},
    {"20 university students", "en", "20", "person", EXACT},
    {"10 universities", "en", "10", "organization", EXACT},
    {"3 associations", "en", "3", "organization", EXACT},
    {"45 South Korean enterprises", "en", "45", "organization", EXACT},
    {"12 start-ups", "en", "12", "organization", EXACT},
    {"1 company", "en", "1", "organization", EXACT},
    {"5 agreements", "en", "5", "document", EXACT},
    {"two MOUs", "en", "2", "document", EXACT},
    {"3 conferences", "en", "3", "event", EXACT},
    {"10 events", "en", "10", "event", EXACT},
    {"5,000 jobs", "en", "5000", "count", EXACT},
    {"12 projects", "en", "12", "count", EXACT},
    {"1 year", "en", "1", "year", EXACT},
    {"18 months", "en", "18", "month", EXACT},
    {"90 days", "en", "90", "day", EXACT},
};
INSTANTIATE_TEST_SUITE_P(English, NormalizeQuantityTest,
                         ::testing::ValuesIn(kEnglishCases), QuantityCaseName);

const QuantityCase kVietnameseCases[] = {
    // Numbers and separators.
    {"53.000", "vi", "53000", "count", EXACT},
    {"1.234.567", "vi", "1234567", "count", EXACT},
    {"1.234,5", "vi", "1234.5", "count", EXACT},
    {"85,9", "vi", "85.9", "count", EXACT},
    {"1,234", "vi", "1.234", "count", EXACT},
    {"85.9", "vi", "85.9", "count", EXACT},
    {"0.500", "vi", "0.5", "count", EXACT},
    {"1,234.5", "vi", "1234.5", "count", EXACT},
    // Scale words, with and without diacritics.
    {"5 nghìn", "vi", "5000", "count", EXACT},
    {"5 ngàn", "vi", "5000", "count", EXACT},
    {"5 nghin", "vi", "5000", "count", EXACT},
    {"3 triệu", "vi", "3000000", "count", EXACT},
    {"3 trieu", "vi", "3000000", "count", EXACT},
    {"85,9 tỷ", "vi", "85900000000", "count", EXACT},
    {"85,9 tỉ", "vi", "85900000000", "count", EXACT},
    {"85,9 ty", "vi", "85900000000", "count", EXACT},
    {"1,5 nghìn tỷ", "vi", "1500000000000", "count", EXACT},
    {"2 ngàn tỷ đồng", "vi", "2000000000000", "VND", EXACT},
    {"3 tỷ 500 triệu", "vi", "3500000000", "count", EXACT},
    {"1 triệu 200 nghìn", "vi", "1200000", "count", EXACT},
    {"hai tỷ", "vi", "2000000000", "count", EXACT},
    {"năm triệu người", "vi", "5000000", "person", EXACT},
    {"một triệu", "vi", "1000000", "count", EXACT},
    {"năm trăm nghìn", "vi", "500000", "count", EXACT},
    // Money.
    {"85,9 tỷ USD", "vi", "85900000000", "USD", EXACT},
    {"85.9 tỷ USD", "vi", "85900000000", "USD", EXACT},
    {"85,9 tỷ đô la", "vi", "85900000000", "USD", EXACT},
    {"85,9 tỷ đô la Mỹ", "vi", "85900000000", "USD", EXACT},
    {"85,9 tỷ đô-la Mỹ", "vi", "85900000000", "USD", EXACT},
    {"600 tỷ đô", "vi", "600000000000", "USD", EXACT},
    {"5.000 tỷ đồng", "vi", "5000000000000", "VND", EXACT},
    {"5.000 ty dong", "vi", "5000000000000", "VND", EXACT},
    {"5.000 tỷ VND", "vi", "5000000000000", "VND", EXACT},
    {"5.000 tỷ VNĐ", "vi", "5000000000000", "VND", EXACT},
    {"50.000đ", "vi", "50000", "VND", EXACT},
    {"50.000 đ", "vi", "50000", "VND", EXACT},
    {"50.000₫", "vi", "50000", "VND", EXACT},
    {"10 triệu euro", "vi", "10000000", "EUR", EXACT},
    {"100 triệu yên", "vi", "100000000", "JPY", EXACT},
    {"7 tỷ nhân dân tệ", "vi", "7000000000", "CNY", EXACT},
    {"3 triệu bảng Anh", "vi", "3000000", "GBP", EXACT},
    {"1 triệu won", "vi", "1000000", "KRW", EXACT},
    {"US$85,9 tỷ", "vi", "85900000000", "USD", EXACT},
    // Comparators.
    {"khoảng 53.000 người", "vi", "53000", "person", APPROX},
    {"khoang 53.000 nguoi", "vi", "53000", "person", APPROX},
    {"gần 20 doanh nghiệp", "vi", "20", "organization", APPROX},
    {"chừng 100 người", "vi", "100", "person", APPROX},
    {"ước tính 5.000 lao động", "vi", "5000", "person", APPROX},
    {"xấp xỉ 10%", "vi", "10", "percent", APPROX},
    {"hơn 10 doanh nghiệp", "vi", "10", "organization", MORE},
    {"trên 1.000 người", "vi", "1000", "person", MORE},
    {"ít nhất 150 đại biểu", "vi", "150", "person", AT_LEAST},
    {"tối thiểu 3 năm", "vi", "3", "year", AT_LEAST},
    {"dưới 5%", "vi", "5", "percent", LESS},
    {"chưa đến 100 người", "vi", "100", "person", LESS},
    {"tối đa 500 sinh viên", "vi", "500", "person", AT_MOST},
    {"không quá 10 tỷ đồng", "vi", "10000000000", "VND", AT_MOST},
    {"lên tới 800 tỷ USD", "vi", "800000000000", "USD", AT_MOST},
    {"100 người trở lên", "vi", "100", "person", AT_LEAST},
    // Ranges.
    {"từ 100 đến 200", "vi", "100", "count", RANGE, "100", "200"},
    {"từ 100 đến 200 người", "vi", "100", "person", RANGE, "100", "200"},
    {"100 - 200 người", "vi", "100", "person", RANGE, "100", "200"},
    {"10-15%", "vi", "10", "percent", RANGE, "10", "15"},
    {"10 đến 15 triệu", "vi", "10000000", "count", RANGE, "10000000",
     "15000000"},
    {"khoảng 10-15 tỷ USD", "vi", "10000000000", "USD", RANGE, "10000000000",
     "15000000000"},
    // Percentages and ratios.
    {"5 phần trăm", "vi", "5", "percent", EXACT},
    {"5,5%", "vi", "5.5", "percent", EXACT},
    {"10% doanh nghiệp", "vi", "10", "percent", EXACT},
    {"2,3 doanh nghiệp công nghệ trên 1.000 dân", "vi", "2.3",
     "per_1000_people", EXACT},
    {"2,3 doanh nghiệp/1.000 dân", "vi", "2.3", "per_1000_people", EXACT},
    {"2,3 doanh nghiệp mỗi nghìn người", "vi", "2.3", "per_1000_people", EXACT},
    // Units from nouns; modifiers follow the noun.
    {"53.000 người", "vi", "53000", "person", EXACT},
    {"53.000 nhân lực công nghệ số", "vi", "53000", "person", EXACT},
    {"20 doanh nghiệp công nghệ số Việt Nam", "vi", "20", "organization",
     EXACT},
    {"37 cơ sở giáo dục", "vi", "37", "organization", EXACT},
    {"5 công ty", "vi", "5", "organization", EXACT},
    {"5 cong ty", "vi", "5", "organization", EXACT},
    {"3 trường đại học", "vi", "3", "organization", EXACT},
    {"6.000 sinh viên", "vi", "6000", "person", EXACT},
    {"150 đại biểu", "vi", "150", "person", EXACT},
    {"740.000 cán bộ CNTT", "vi", "740000", "person", EXACT},
    {"490.000 lao động", "vi", "490000", "person", EXACT},
    {"5 hợp đồng", "vi", "5", "document", EXACT},
    {"2 biên bản ghi nhớ", "vi", "2", "document", EXACT},
    {"3 hội thảo", "vi", "3", "event", EXACT},
    {"4 diễn đàn", "vi", "4", "event", EXACT},
    {"30 năm", "vi", "30", "year", EXACT},
    {"6 tháng", "vi", "6", "month", EXACT},
    {"15 ngày", "vi", "15", "day", EXACT},
    {"1.000 việc làm", "vi", "1000", "count", EXACT},
    {"20 dự án", "vi", "20", "count", EXACT},
};
INSTANTIATE_TEST_SUITE_P(Vietnamese, NormalizeQuantityTest,
                         ::testing::ValuesIn(kVietnameseCases),
                         QuantityCaseName);

const QuantityCase kKoreanCases[] = {
    // Numbers and Korean units.
    {"1,234.5", "ko", "1234.5", "count", EXACT},
    {"5만", "ko", "50000", "count", EXACT},
    {"85억", "ko", "8500000000", "count", EXACT},
    {"600억", "ko", "60000000000", "count", EXACT},
    {"1억 2천만", "ko", "120000000", "count", EXACT},
    {"1억2천만", "ko", "120000000", "count", EXACT},
    {"3조 5천억", "ko", "3500000000000", "count", EXACT},
    {"5만 3천", "ko", "53000", "count", EXACT},
    {"5만3천", "ko", "53000", "count", EXACT},
    {"2천5백만", "ko", "25000000", "count", EXACT},
    {"천억", "ko", "100000000000", "count", EXACT},
    {"1,200억", "ko", "120000000000", "count", EXACT},
    {"3.5조", "ko", "3500000000000", "count", EXACT},
    {"85.9억", "ko", "8590000000", "count", EXACT},
    {"10만", "ko", "100000", "count", EXACT},
    {"백만", "ko", "1000000", "count", EXACT},
    {"만 명", "ko", "10000", "person", EXACT},
    {"천 명", "ko", "1000", "person", EXACT},
    {"1조 2천억 5천만", "ko", "1200050000000", "count", EXACT},
    // Money.
    {"600억 달러", "ko", "60000000000", "USD", EXACT},
    {"600억달러", "ko", "60000000000", "USD", EXACT},
    {"85억 원", "ko", "8500000000", "KRW", EXACT},
    {"85억원", "ko", "8500000000", "KRW", EXACT},
    {"5천만 원", "ko", "50000000", "KRW", EXACT},
    {"1조 원", "ko", "1000000000000", "KRW", EXACT},
    {"100만 엔", "ko", "1000000", "JPY", EXACT},
    {"50억 유로", "ko", "5000000000", "EUR", EXACT},
    {"10억 위안", "ko", "1000000000", "CNY", EXACT},
    {"2억 파운드", "ko", "200000000", "GBP", EXACT},
    {"미국 달러 100만", "ko", "1000000", "USD", EXACT},
    {"$600 billion", "ko", "600000000000", "USD", EXACT},
    {"₩5,000", "ko", "5000", "KRW", EXACT},
    {"85.9억 USD", "ko", "8590000000", "USD", EXACT},
    {"600억 달러를", "ko", "60000000000", "USD", EXACT},
    // Comparators.
    {"약 5만 3천 명", "ko", "53000", "person", APPROX},
    {"약 600억 달러", "ko", "60000000000", "USD", APPROX},
    {"20여 개 기업", "ko", "20", "organization", APPROX},
    {"150여 명", "ko", "150", "person", APPROX},
    {"대략 100명", "ko", "100", "person", APPROX},
    {"거의 20개 기업", "ko", "20", "organization", APPROX},
    {"5만 명 정도", "ko", "50000", "person", APPROX},
    {"100명 가량", "ko", "100", "person", APPROX},
    {"100명 이상", "ko", "100", "person", AT_LEAST},
    {"100명이상", "ko", "100", "person", AT_LEAST},
    {"10% 이하", "ko", "10", "percent", AT_MOST},
    {"100억 원 초과", "ko", "10000000000", "KRW", MORE},
    {"5% 미만", "ko", "5", "percent", LESS},
    {"100명 넘게", "ko", "100", "person", MORE},
    {"100명이 넘는 학생", "ko", "100", "person", MORE},
    {"10개 넘는 기업", "ko", "10", "organization", MORE},
    {"최소 3년", "ko", "3", "year", AT_LEAST},
    {"최대 500명", "ko", "500", "person", AT_MOST},
    {"500명까지", "ko", "500", "person", AT_MOST},
    // Ranges.
    {"100~200", "ko", "100", "count", RANGE, "100", "200"},
    {"100~200명", "ko", "100", "person", RANGE, "100", "200"},
    {"100에서 200", "ko", "100", "count", RANGE, "100", "200"},
    {"100명에서 200명", "ko", "100", "person", RANGE, "100", "200"},
    {"100부터 200까지", "ko", "100", "count", RANGE, "100", "200"},
    {"100~200억 원", "ko", "10000000000", "KRW", RANGE, "10000000000",
     "20000000000"},
    {"3~5천만 원", "ko", "30000000", "KRW", RANGE, "30000000", "50000000"},
    {"10-15%", "ko", "10", "percent", RANGE, "10", "15"},
    {"약 10~15%", "ko", "10", "percent", RANGE, "10", "15"},
    // Percentages and ratios.
    {"5%", "ko", "5", "percent", EXACT},
    {"5퍼센트", "ko", "5", "percent", EXACT},
    {"5 퍼센트", "ko", "5", "percent", EXACT},
    {"기업의 10%", "ko", "10", "percent", EXACT},
    {"인구 1,000명당 2.3개", "ko", "2.3", "per_1000_people", EXACT},
    {"2.3개 인구 1,000명당", "ko", "2.3", "per_1000_people", EXACT},
    // Units from counters and nouns.
    {"53,000명", "ko", "53000", "person", EXACT},
    {"5만 3천명", "ko", "53000", "person", EXACT},
    {"150명", "ko", "150", "person", EXACT},
    {"IT 인력 74만 명", "ko", "740000", "person", EXACT},
    {"74만 명의 IT 인력", "ko", "740000", "person", EXACT},
    {"근로자 49만 명", "ko", "490000", "person", EXACT},
    {"37개 교육기관", "ko", "37", "organization", EXACT},
    {"37개의 교육기관", "ko", "37", "organization", EXACT},
    {"20개 기업", "ko", "20", "organization", EXACT},
    {"기업 20곳", "ko", "20", "organization", EXACT},
    {"20개사", "ko", "20", "organization", EXACT},
    {"20곳", "ko", "20", "count", EXACT},
    {"5개", "ko", "5", "count", EXACT},
    {"5개국", "ko", "5", "count", EXACT},
    {"일자리 5천 개", "ko", "5000", "count", EXACT},
    {"3건의 양해각서", "ko", "3", "document", EXACT},
    {"행사 4건", "ko", "4", "event", EXACT},
    {"30년", "ko", "30", "year", EXACT},
    {"6개월", "ko", "6", "month", EXACT},
    {"10일", "ko", "10", "day", EXACT},
};
INSTANTIATE_TEST_SUITE_P(Korean, NormalizeQuantityTest,
                         ::testing::ValuesIn(kKoreanCases), QuantityCaseName);

// Issue 18: scale words of South Asian and very large amounts.
const QuantityCase kMoreScaleCases[] = {
    {"US$ 1.5 bln", "en", "1500000000", "USD", EXACT},
    {"$3bln", "en", "3000000000", "USD", EXACT},
    {"$2.5 mln", "en", "2500000", "USD", EXACT},
    {"VND 1.2 quadrillion", "en", "1200000000000000", "VND", EXACT},
    {"3 quadrillion", "en", "3000000000000000", "count", EXACT},
    {"5 lakh", "en", "500000", "count", EXACT},
    {"5 lakh people", "en", "500000", "person", EXACT},
    {"2.5 lakhs", "en", "250000", "count", EXACT},
    {"2 crore rupees", "en", "20000000", "INR", EXACT},
    {"1.5 crores", "en", "15000000", "count", EXACT},
    {"₹5 crore", "en", "50000000", "INR", EXACT},
    {"10 lakh Indian rupees", "en", "1000000", "INR", EXACT},
    {"1 rupee", "en", "1", "INR", EXACT},
    {"INR 3 crore", "en", "30000000", "INR", EXACT},
    {"3 crore 50 lakh", "en", "35000000", "count", EXACT},
    {"hai chục người", "vi", "20", "person", EXACT},
    {"3 chục", "vi", "30", "count", EXACT},
    {"5 chục nghìn", "vi", "50000", "count", EXACT},
    {"1경 원", "ko", "10000000000000000", "KRW", EXACT},
    {"1경", "ko", "10000000000000000", "count", EXACT},
    {"1.5경", "ko", "15000000000000000", "count", EXACT},
    {"2경 3천조", "ko", "23000000000000000", "count", EXACT},
    {"3조 5천억 원", "ko", "3500000000000", "KRW", EXACT},
};
INSTANTIATE_TEST_SUITE_P(MoreScales, NormalizeQuantityTest,
                         ::testing::ValuesIn(kMoreScaleCases),
                         QuantityCaseName);

// Percentage points: a unit of their own; "%" stays percent.
const QuantityCase kPercentagePointCases[] = {
    {"3.5 percentage points", "en", "3.5", "percentage_point", EXACT},
    {"3.5 percentage point", "en", "3.5", "percentage_point", EXACT},
    {"3.5 Percentage Points", "en", "3.5", "percentage_point", EXACT},
    {"3.5 pp", "en", "3.5", "percentage_point", EXACT},
    {"3.5pp", "en", "3.5", "percentage_point", EXACT},
    {"3.5%p", "en", "3.5", "percentage_point", EXACT},
    {"3.5 %p", "en", "3.5", "percentage_point", EXACT},
    {"3.5%", "en", "3.5", "percent", EXACT},
    {"-0.5 pp", "en", "-0.5", "percentage_point", EXACT},
    {"about 0.5 percentage points", "en", "0.5", "percentage_point", APPROX},
    {"1-2 percentage points", "en", "1", "percentage_point", RANGE, "1", "2"},
    {"3,5 điểm phần trăm", "vi", "3.5", "percentage_point", EXACT},
    {"3,5 điểm %", "vi", "3.5", "percentage_point", EXACT},
    {"3,5 diem phan tram", "vi", "3.5", "percentage_point", EXACT},
    {"3,5%", "vi", "3.5", "percent", EXACT},
    {"3.5%포인트", "ko", "3.5", "percentage_point", EXACT},
    {"3.5%p", "ko", "3.5", "percentage_point", EXACT},
    {"3.5퍼센트포인트", "ko", "3.5", "percentage_point", EXACT},
    {"3.5 퍼센트 포인트", "ko", "3.5", "percentage_point", EXACT},
    {"약 1.2%p", "ko", "1.2", "percentage_point", APPROX},
    {"3.5퍼센트", "ko", "3.5", "percent", EXACT},
};
INSTANTIATE_TEST_SUITE_P(PercentagePoints, NormalizeQuantityTest,
                         ::testing::ValuesIn(kPercentagePointCases),
                         QuantityCaseName);

// Vague amounts: AT_LEAST two of what their words count.
const QuantityCase kVagueCases[] = {
    {"dozens", "en", "24", "count", AT_LEAST},
    {"tens", "en", "20", "count", AT_LEAST},
    {"hundreds", "en", "200", "count", AT_LEAST},
    {"thousands", "en", "2000", "count", AT_LEAST},
    {"Thousands", "en", "2000", "count", AT_LEAST},
    {"tens of thousands", "en", "20000", "count", AT_LEAST},
    {"hundreds of thousands", "en", "200000", "count", AT_LEAST},
    {"millions", "en", "2000000", "count", AT_LEAST},
    {"tens of millions", "en", "20000000", "count", AT_LEAST},
    {"hundreds of millions", "en", "200000000", "count", AT_LEAST},
    {"billions", "en", "2000000000", "count", AT_LEAST},
    {"tens of billions", "en", "20000000000", "count", AT_LEAST},
    {"hundreds of billions", "en", "200000000000", "count", AT_LEAST},
    {"trillions", "en", "2000000000000", "count", AT_LEAST},
    {"dozens of firms", "en", "24", "organization", AT_LEAST},
    {"hundreds of companies", "en", "200", "organization", AT_LEAST},
    {"hundreds of Vietnamese tech firms", "en", "200", "organization",
     AT_LEAST},
    {"tens of thousands of workers", "en", "20000", "person", AT_LEAST},
    {"millions of people", "en", "2000000", "person", AT_LEAST},
    {"hundreds of millions of dollars", "en", "200000000", "USD", AT_LEAST},
    {"tens of billions of US dollars", "en", "20000000000", "USD", AT_LEAST},
    {"trillions of dong", "en", "2000000000000", "VND", AT_LEAST},
    {"$ millions", "en", "2000000", "USD", AT_LEAST},
    {"at least hundreds of people", "en", "200", "person", AT_LEAST},
    {"thousands of people or more", "en", "2000", "person", AT_LEAST},
    {"hàng chục", "vi", "20", "count", AT_LEAST},
    {"hàng trăm", "vi", "200", "count", AT_LEAST},
    {"hàng nghìn", "vi", "2000", "count", AT_LEAST},
    {"hàng ngàn", "vi", "2000", "count", AT_LEAST},
    {"hang tram", "vi", "200", "count", AT_LEAST},
    {"hàng chục nghìn", "vi", "20000", "count", AT_LEAST},
    {"hàng trăm nghìn", "vi", "200000", "count", AT_LEAST},
    {"hàng triệu", "vi", "2000000", "count", AT_LEAST},
    {"hàng chục triệu", "vi", "20000000", "count", AT_LEAST},
    {"hàng trăm triệu", "vi", "200000000", "count", AT_LEAST},
    {"hàng tỷ", "vi", "2000000000", "count", AT_LEAST},
    {"hàng nghìn tỷ đồng", "vi", "2000000000000", "VND", AT_LEAST},
    {"hàng trăm doanh nghiệp", "vi", "200", "organization", AT_LEAST},
    {"hàng nghìn người", "vi", "2000", "person", AT_LEAST},
    {"hàng trăm triệu USD", "vi", "200000000", "USD", AT_LEAST},
    {"hàng trăm người trở lên", "vi", "200", "person", AT_LEAST},
    {"수십", "ko", "20", "count", AT_LEAST},
    {"수백", "ko", "200", "count", AT_LEAST},
    {"수천", "ko", "2000", "count", AT_LEAST},
    {"수만", "ko", "20000", "count", AT_LEAST},
    {"수십만", "ko", "200000", "count", AT_LEAST},
    {"수백만", "ko", "2000000", "count", AT_LEAST},
    {"수천만", "ko", "20000000", "count", AT_LEAST},
    {"수억", "ko", "200000000", "count", AT_LEAST},
    {"수십억", "ko", "2000000000", "count", AT_LEAST},
    {"수천억", "ko", "200000000000", "count", AT_LEAST},
    {"수조", "ko", "2000000000000", "count", AT_LEAST},
    {"수십 명", "ko", "20", "person", AT_LEAST},
    {"수십명", "ko", "20", "person", AT_LEAST},
    {"수천억 원", "ko", "200000000000", "KRW", AT_LEAST},
    {"수천억원", "ko", "200000000000", "KRW", AT_LEAST},
    {"수십억 달러", "ko", "2000000000", "USD", AT_LEAST},
    {"수백 개 기업", "ko", "200", "organization", AT_LEAST},
    {"수만 명 이상", "ko", "20000", "person", AT_LEAST},
    // "hàng" without a scale word after it is no vague amount.
    {"20 doanh nghiệp hàng đầu", "vi", "20", "organization", EXACT},
    {"5 ngân hàng", "vi", "5", "organization", EXACT},
};
INSTANTIATE_TEST_SUITE_P(Vague, NormalizeQuantityTest,
                         ::testing::ValuesIn(kVagueCases), QuantityCaseName);

// Rates: a unit per year (/a), month (/mo) or day (/d).
const QuantityCase kRateCases[] = {
    {"$5 million a year", "en", "5000000", "USD/a", EXACT},
    {"$5 million per year", "en", "5000000", "USD/a", EXACT},
    {"$5 million annually", "en", "5000000", "USD/a", EXACT},
    {"$5 million/year", "en", "5000000", "USD/a", EXACT},
    {"$5 million / year", "en", "5000000", "USD/a", EXACT},
    {"$5 million per annum", "en", "5000000", "USD/a", EXACT},
    {"$5 million each year", "en", "5000000", "USD/a", EXACT},
    {"500 USD per month", "en", "500", "USD/mo", EXACT},
    {"$500 a month", "en", "500", "USD/mo", EXACT},
    {"$500/mo", "en", "500", "USD/mo", EXACT},
    {"$500 monthly", "en", "500", "USD/mo", EXACT},
    {"about 2,000 visitors a day", "en", "2000", "person/d", APPROX},
    {"2,000 visitors daily", "en", "2000", "person/d", EXACT},
    {"5,000 jobs a year", "en", "5000", "count/a", EXACT},
    {"100 per year", "en", "100", "count/a", EXACT},
    {"5% a year", "en", "5", "percent/a", EXACT},
    {"$5-10 million a year", "en", "5000000", "USD/a", RANGE, "5000000",
     "10000000"},
    {"hundreds of millions of dollars a year", "en", "200000000", "USD/a",
     AT_LEAST},
    {"15 triệu USD/năm", "vi", "15000000", "USD/a", EXACT},
    {"10 triệu USD mỗi năm", "vi", "10000000", "USD/a", EXACT},
    {"50 tỷ đồng hàng năm", "vi", "50000000000", "VND/a", EXACT},
    {"50 tỷ đồng hằng năm", "vi", "50000000000", "VND/a", EXACT},
    {"3 triệu đồng/tháng", "vi", "3000000", "VND/mo", EXACT},
    {"200 người mỗi ngày", "vi", "200", "person/d", EXACT},
    {"1.000 người/ngày", "vi", "1000", "person/d", EXACT},
    {"200 du khách nước ngoài mỗi ngày", "vi", "200", "person/d", EXACT},
    {"연간 10억 원", "ko", "1000000000", "KRW/a", EXACT},
    {"연간 약 10억 원", "ko", "1000000000", "KRW/a", APPROX},
    {"10억 원/년", "ko", "1000000000", "KRW/a", EXACT},
    {"월 500만 원", "ko", "5000000", "KRW/mo", EXACT},
    {"500만 원/월", "ko", "5000000", "KRW/mo", EXACT},
    {"매년 100억 원", "ko", "10000000000", "KRW/a", EXACT},
    {"하루 500명", "ko", "500", "person/d", EXACT},
    {"IT 인력 연간 1만 명", "ko", "10000", "person/a", EXACT},
    {"연간 수천억 원", "ko", "200000000000", "KRW/a", AT_LEAST},
    {"연 3.5%", "ko", "3.5", "percent/a", EXACT},
    {"2.3 per 1,000 people a year", "en", "2.3", "per_1000_people/a", EXACT},
    {"30 years", "en", "30", "year", EXACT},
    {"3 năm", "vi", "3", "year", EXACT},
    {"6개월", "ko", "6", "month", EXACT},
};
INSTANTIATE_TEST_SUITE_P(Rates, NormalizeQuantityTest,
                         ::testing::ValuesIn(kRateCases), QuantityCaseName);

// Issue 18: physical units, as UCUM codes.
const QuantityCase kMeasureCases[] = {
    // power
    {"2,500 MW", "en", "2500", "MW", EXACT},
    {"2,500MW", "en", "2500", "MW", EXACT},
    {"500 megawatts", "en", "500", "MW", EXACT},
    {"500 Megawatts", "en", "500", "MW", EXACT},
    {"500 mega-watts", "en", "500", "MW", EXACT},
    {"1 megawatt", "en", "1", "MW", EXACT},
    {"10 GW", "en", "10", "GW", EXACT},
    {"10 gigawatts", "en", "10", "GW", EXACT},
    {"50 kW", "en", "50", "kW", EXACT},
    {"50 KW", "en", "50", "kW", EXACT},
    {"50 kilowatts", "en", "50", "kW", EXACT},
    {"60 W", "en", "60", "W", EXACT},
    {"5 GW or more", "en", "5", "GW", AT_LEAST},
    {"100-200 MW", "en", "100", "MW", RANGE, "100", "200"},
    {"between 100 MW and 200 MW", "en", "100", "MW", RANGE, "100", "200"},
    {"2.500 MW", "vi", "2500", "MW", EXACT},
    {"500 megawatt", "vi", "500", "MW", EXACT},
    {"5,000 MW", "ko", "5000", "MW", EXACT},
    {"5천 메가와트", "ko", "5000", "MW", EXACT},
    {"5천메가와트", "ko", "5000", "MW", EXACT},
    {"5천 메가와트 이상", "ko", "5000", "MW", AT_LEAST},
    {"10 기가와트", "ko", "10", "GW", EXACT},
    {"500㎿", "ko", "500", "MW", EXACT},
    // energy
    {"3.5 billion kWh", "en", "3500000000", "kW.h", EXACT},
    {"3.5 billion kilowatt-hours", "en", "3500000000", "kW.h", EXACT},
    {"3.5 billion kilowatt hours", "en", "3500000000", "kW.h", EXACT},
    {"100 KWh", "en", "100", "kW.h", EXACT},
    {"100 kwh", "en", "100", "kW.h", EXACT},
    {"120 MWh", "en", "120", "MW.h", EXACT},
    {"120 megawatt-hours", "en", "120", "MW.h", EXACT},
    {"850 GWh", "en", "850", "GW.h", EXACT},
    {"1.5 TWh", "en", "1.5", "TW.h", EXACT},
    {"3,5 tỷ kWh", "vi", "3500000000", "kW.h", EXACT},
    {"100 kWh", "vi", "100", "kW.h", EXACT},
    {"35억 킬로와트시", "ko", "3500000000", "kW.h", EXACT},
    {"35억 kWh", "ko", "3500000000", "kW.h", EXACT},
    // mass
    {"1.2 million tonnes", "en", "1200000", "t", EXACT},
    {"1.2 million tons", "en", "1200000", "t", EXACT},
    {"1.2 million metric tons", "en", "1200000", "t", EXACT},
    {"1.2 million t", "en", "1200000", "t", EXACT},
    {"5t", "en", "5", "t", EXACT},
    {"more than 1.2 million tonnes of rice", "en", "1200000", "t", MORE},
    {"millions of tonnes", "en", "2000000", "t", AT_LEAST},
    {"2,000 tonnes a year", "en", "2000", "t/a", EXACT},
    {"2,000 tấn mỗi năm", "en", "2000", "t/a", EXACT},
    {"20 kg", "en", "20", "kg", EXACT},
    {"20 Kg", "en", "20", "kg", EXACT},
    {"20 kilograms", "en", "20", "kg", EXACT},
    {"500 grams", "en", "500", "g", EXACT},
    {"1,2 triệu tấn", "vi", "1200000", "t", EXACT},
    {"1,2 trieu tan", "vi", "1200000", "t", EXACT},
    {"2.000 tấn mỗi năm", "vi", "2000", "t/a", EXACT},
    {"2.000 tấn/năm", "vi", "2000", "t/a", EXACT},
    {"20 kg", "vi", "20", "kg", EXACT},
    {"20 ki-lô-gam", "vi", "20", "kg", EXACT},
    {"120만 톤", "ko", "1200000", "t", EXACT},
    {"만 톤", "ko", "10000", "t", EXACT},
    {"1만톤", "ko", "10000", "t", EXACT},
    {"연간 2천 톤", "ko", "2000", "t/a", EXACT},
    {"20 킬로그램", "ko", "20", "kg", EXACT},
    // area
    {"300 hectares", "en", "300", "ha", EXACT},
    {"300 ha", "en", "300", "ha", EXACT},
    {"about 300 hectares of farmland", "en", "300", "ha", APPROX},
    {"hundreds of hectares", "en", "200", "ha", AT_LEAST},
    {"50 km²", "en", "50", "km2", EXACT},
    {"50 km2", "en", "50", "km2", EXACT},
    {"50km²", "en", "50", "km2", EXACT},
    {"50 square kilometres", "en", "50", "km2", EXACT},
    {"50 square kilometers", "en", "50", "km2", EXACT},
    {"50 sq km", "en", "50", "km2", EXACT},
    {"2,000 m²", "en", "2000", "m2", EXACT},
    {"2,000 m2", "en", "2000", "m2", EXACT},
    {"2,000 square metres", "en", "2000", "m2", EXACT},
    {"khoảng 300 héc-ta", "vi", "300", "ha", APPROX},
    {"300 hecta", "vi", "300", "ha", EXACT},
    {"300 ha", "vi", "300", "ha", EXACT},
    {"300 ha đất nông nghiệp", "vi", "300", "ha", EXACT},
    {"hàng trăm ha", "vi", "200", "ha", AT_LEAST},
    {"50 km2", "vi", "50", "km2", EXACT},
    {"50 ki-lô-mét vuông", "vi", "50", "km2", EXACT},
    {"2.000 m2", "vi", "2000", "m2", EXACT},
    {"2.000 mét vuông", "vi", "2000", "m2", EXACT},
    {"300 헥타르", "ko", "300", "ha", EXACT},
    {"300 ha", "ko", "300", "ha", EXACT},
    {"50 제곱킬로미터", "ko", "50", "km2", EXACT},
    {"50㎢", "ko", "50", "km2", EXACT},
    {"2,000 제곱미터", "ko", "2000", "m2", EXACT},
    {"2,000㎡", "ko", "2000", "m2", EXACT},
    // length
    {"120 km", "en", "120", "km", EXACT},
    {"120 kilometres", "en", "120", "km", EXACT},
    {"120 kilometers", "en", "120", "km", EXACT},
    {"800 metres", "en", "800", "m", EXACT},
    {"120 km", "vi", "120", "km", EXACT},
    {"120 ki-lô-mét", "vi", "120", "km", EXACT},
    {"120 cây số", "vi", "120", "km", EXACT},
    {"800 mét", "vi", "800", "m", EXACT},
    {"120 킬로미터", "ko", "120", "km", EXACT},
    // data and data rates
    {"500 GB", "en", "500", "GBy", EXACT},
    {"2 TB", "en", "2", "TBy", EXACT},
    {"5 gigabytes", "en", "5", "GBy", EXACT},
    {"2 terabytes", "en", "2", "TBy", EXACT},
    {"100 Mbps", "en", "100", "Mbit/s", EXACT},
    {"100 Mbit/s", "en", "100", "Mbit/s", EXACT},
    {"100 Mb/s", "en", "100", "Mbit/s", EXACT},
    {"10 Gbps", "en", "10", "Gbit/s", EXACT},
    {"500 GB", "vi", "500", "GBy", EXACT},
    {"500 기가바이트", "ko", "500", "GBy", EXACT},
    {"2 테라바이트", "ko", "2", "TBy", EXACT},
    {"1 Gbps", "ko", "1", "Gbit/s", EXACT},
    // Words that hold a unit's name read as before.
    {"프로그램 참가자 500명", "ko", "500", "person", EXACT},
    {"5 người Hà Nội", "vi", "5", "person", EXACT},
};
INSTANTIATE_TEST_SUITE_P(Measures, NormalizeQuantityTest,
                         ::testing::ValuesIn(kMeasureCases), QuantityCaseName);

const QuantityCase kOtherLanguageCases[] = {
    // Tags other than vi and ko read as English.
    {"53,000 people", "", "53000", "person", EXACT},
    {"53,000 people", "en-GB", "53000", "person", EXACT},
    {"53,000 people", "fr", "53000", "person", EXACT},
    {"53.000 người", "vi-VN", "53000", "person", EXACT},
    {"53.000 người", "VI", "53000", "person", EXACT},
    {"5만 명", "ko-KR", "50000", "person", EXACT},
    // English grouping rules apply to Korean.
    {"53,000명", "ko-KR", "53000", "person", EXACT},
};
INSTANTIATE_TEST_SUITE_P(OtherTags, NormalizeQuantityTest,
                         ::testing::ValuesIn(kOtherLanguageCases),
                         QuantityCaseName);

// Text that must be rejected, and a part of the reason.
struct BadQuantityCase {
  const char* text;
  const char* language;
  const char* reason;
};

class NormalizeQuantityErrorTest
    : public ::testing::TestWithParam<BadQuantityCase> {};

TEST_P(NormalizeQuantityErrorTest, RejectsWithMessageQuotingText) {
  const BadQuantityCase& c = GetParam();
  absl::StatusOr<v1::Quantity> q = NormalizeQuantity(c.text, c.language, {});
  ASSERT_FALSE(q.ok()) << "read as " << q->ShortDebugString();
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(q.status().message()),
              HasSubstr(absl::StrCat("cannot read ", QuoteText(c.text),
                                     " as a quantity: ")));
  EXPECT_THAT(std::string(q.status().message()), HasSubstr(c.reason));
}

std::string BadQuantityCaseName(
    const ::testing::TestParamInfo<BadQuantityCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const BadQuantityCase kBadCases[] = {
    {"", "en", "the text is empty"},
    {"   ", "en", "the text is empty"},
    {"abc", "en", "no number found"},
    {"many people", "en", "no number found"},
    {"several thousand", "en", "unrecognized words \"several\""},
    {"khoảng", "vi", "no number found"},
    {"약", "ko", "no number found"},
    {"85.9 billion USDD", "en", "unknown currency \"USDD\""},
    {"USDD 85.9 billion", "en", "unknown currency \"USDD\""},
    {"5 XYZ", "en", "unknown currency \"XYZ\""},
    {"ZZ$5", "en", "unknown currency \"ZZ$\""},
    {"₿5", "en", "unknown currency \"₿\""},
    {"85,9 tỷ USDD", "vi", "unknown currency \"USDD\""},
    {"100 200", "en", "more than one number"},
    {"5 million 3", "en", "more than one number"},
    {"100 people 200", "en", "more than one number"},
    {"100 and 200", "en", "unexpected \"and\""},
    {"5 tỷ 3", "vi", "more than one number"},
    {"100 abc", "en", "unrecognized words \"abc\""},
    {"100 people abc", "en", "unrecognized words \"people abc\""},
    {"150 delegates from Korea", "en", "unexpected \"from\""},
    {"$85.9 billion xyz", "en", "unrecognized words \"xyz\""},
    {"abc 100", "en", "unrecognized words \"abc\""},
    {"100 #", "en", "unexpected \"#\""},
    {"100!!", "en", "unexpected \"!\""},
    {"100 per", "en", "unexpected \"per\""},
    {"100 people per", "en", "unexpected \"per\""},
    {"85,9", "en", "\"85,9\" is not a number"},
    {"1,23,456", "en", "is not a number"},
    {"1,5 million", "en", "is not a number"},
    {"1.2.3,4.5", "vi", "is not a number"},
    {"1,2,3", "vi", "is not a number"},
    {"5 tỷ USD abc", "vi", "unrecognized words \"abc\""},
    {"abc 5 người", "vi", "unrecognized words \"abc\""},
    {"5 abc người", "vi", "unrecognized words \"abc\""},
    {"5만 3", "ko", "malformed Korean number"},
    {"5천 3천", "ko", "malformed Korean number"},
    {"5억 3조", "ko", "malformed Korean number"},
    {"600억 달러 abc", "ko", "unrecognized words \"abc\""},
    {"between 100", "en", "a range needs two numbers joined by \"and\""},
    {"from 100", "en", "a range needs two numbers"},
    {"từ 100", "vi", "a range needs two numbers"},
    {"100 to", "en", "the range has no number after \"to\""},
    {"100 to people", "en", "the range has no number after \"to\""},
    {"$100 to €200", "en", "two currencies, USD and EUR"},
    {"200-100", "en", "the range ends (100) below its start (200)"},
    {"more than 10-15", "en", "a range cannot also be \"more than\""},
    {"about more than 10", "en", "two comparators"},
    {"$5 EUR", "en", "two currencies, USD and EUR"},
    {"5% USD", "en", "names two units"},
    {"$5 million people", "en", "names two units"},
    {"PEOPLE 5", "en", "unexpected \"PEOPLE\""},
    {"-5 people", "en", "negative amount"},
    {"a", "en", "no number found"},
    {"a people", "en", "no number found"},
    {"half", "en", "unexpected \"half\""},
    {"1 million million million million", "en", "too many scale words"},
    {"\xff\xfe", "en", "the text is not valid UTF-8"},
    {"100 \xc3", "en", "the text is not valid UTF-8"},
    {"5 \xe1\xba", "vi", "the text is not valid UTF-8"},
    {"２³", "en", "unexpected"},
    {"100 ‰", "en", "unexpected"},
    {"IT 인력 abc 74만 명", "ko", "unrecognized words"},
    {"기업 20명", "ko", "names two units"},
    // Issue 18.
    {"3.5%pp", "en",
     "the text names two units, \"percent\" and "
     "\"percentage_point\""},
    {"3.5% p", "en", "unrecognized words \"p\""},
    {"3.5 percentage", "en", "unrecognized words \"percentage\""},
    {"3.5% percentage points", "en", "names two units"},
    {"hàng", "vi", "\"hàng\" is not followed by a scale word"},
    {"hàng người", "vi", "\"hàng\" is not followed by a scale word"},
    {"hàng 100", "vi", "\"hàng\" is not followed by a scale word"},
    {"수", "ko", "\"수\" is not followed by 십, 백, 천, 만, 억, 조 or 경"},
    {"수 명", "ko", "\"수\" is not followed by"},
    {"5 hundreds", "en", "more than one number"},
    {"hundreds of", "en", "nothing is counted after \"of\""},
    {"tens of thousands of", "en", "nothing is counted after \"of\""},
    {"thousands of tens", "en", "unexpected \"tens\""},
    {"about hundreds", "en",
     "the vague amount \"hundreds\" (at least 200) cannot also be "
     "\"about\""},
    {"more than thousands of people", "en", "cannot also be \"more than\""},
    {"up to tens of thousands", "en",
     "the vague amount \"tens of thousands\" (at least 20000) cannot also "
     "be \"up to\""},
    {"khoảng hàng trăm người", "vi", "cannot also be \"khoảng\""},
    {"gần hàng triệu USD", "vi", "cannot also be \"gần\""},
    {"수십 명 정도", "ko", "cannot also be \"정도\""},
    {"약 수백 명", "ko", "cannot also be \"약\""},
    {"hundreds to thousands", "en",
     "a range cannot end in the vague amount \"hundreds\""},
    {"between 10 and hundreds", "en",
     "a range cannot end in the vague amount \"hundreds\""},
    {"từ hàng trăm đến hàng nghìn", "vi", "a range cannot end in the vague"},
    {"수십~수백 명", "ko", "a range cannot end in the vague"},
    {"per year", "en", "no number found"},
    {"/năm", "vi", "no number found"},
    {"연간", "ko", "no number found"},
    {"$5 million per week", "en",
     "a rate \"per week\" is not read; rates are per year, month or day"},
    {"5 triệu đồng mỗi tuần", "vi", "a rate \"mỗi tuần\" is not read"},
    {"$5 million a year a month", "en",
     "two periods, \"a year\" and \"a month\""},
    {"월 500만 원/년", "ko", "two periods, \"월\" and \"/년\""},
    {"10억 원 연간", "ko", "unexpected \"연간\""},
    {"-5 people a day", "en", "negative amount (-5) of \"person/d\""},
    {"200 người mỗi giờ", "vi", "unexpected \"mỗi\""},
    {"200 người/giờ", "vi", "unexpected \"/\""},
    {"10% doanh nghiệp mỗi", "vi", "unexpected \"mỗi\""},
    {"100명/시간", "ko", "unexpected \"/\""},
    // Physical units: symbols are case-sensitive.
    {"5 MWW", "en", "unknown currency \"MWW\""},
    {"5 mW", "en",
     "\"mW\" is not a unit (unit symbols are case-sensitive; \"MW\" is "
     "one)"},
    {"5 mw", "en", "\"mw\" is not a unit"},
    {"5 mwh", "en", "\"MWh\" is one"},
    {"5 Gb", "en", "\"Gb\" is not a unit"},
    {"5 T", "en", "\"T\" is not a unit"},
    {"5 mbps", "en", "\"Mbps\" is one"},
    {"5 HA", "vi", "\"HA\" is not a unit"},
    {"5 Hà", "vi", "unrecognized words \"Hà\""},
    {"5 bps", "en", "unrecognized words \"bps\""},
    {"5 short tons", "en", "unrecognized words \"short\""},
    {"300 hectares farmland", "en", "unrecognized words \"farmland\""},
    {"100 km/h", "en", "unexpected \"/\""},
    {"5 MW people", "en", "names two units, \"MW\" and \"person\""},
    {"$5 MW", "en", "names two units"},
    {"5% MW", "en", "names two units"},
    {"100 MW to 2 GW", "en", "the text names two units, \"MW\" and \"GW\""},
    {"-5 MW", "en", "a negative amount (-5) of \"MW\""},
    {"100 Mbps a year", "en",
     "a data rate (\"Mbit/s\") is already per second; it has no rate per "
     "year, month or day"},
};
INSTANTIATE_TEST_SUITE_P(Bad, NormalizeQuantityErrorTest,
                         ::testing::ValuesIn(kBadCases), BadQuantityCaseName);

TEST(NormalizeQuantityTest, RejectsTextOverTheLengthLimit) {
  std::string text = "1" + std::string(300, '0');
  absl::StatusOr<v1::Quantity> q = NormalizeQuantity(text, "en", {});
  ASSERT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(q.status().message()),
              HasSubstr("longer than 256 bytes"));
  EXPECT_THAT(std::string(q.status().message()),
              HasSubstr(absl::StrCat("cannot read \"", text.substr(0, 80))));
}

TEST(NormalizeQuantityTest, RejectsAmountsOverTheDecimalLimit) {
  std::string text = "1" + std::string(99, '0') + " trillion";
  absl::StatusOr<v1::Quantity> q = NormalizeQuantity(text, "en", {});
  ASSERT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(q.status().message()),
              HasSubstr("longer than 100 characters"));
}

TEST(NormalizeQuantityTest, AcceptsTextAtTheLengthLimit) {
  std::string text = "5 " + std::string(248, ' ') + "people";
  ASSERT_EQ(text.size(), kMaxRawTextBytes);
  EXPECT_TRUE(NormalizeQuantity(text, "en", {}).ok());
}

TEST(NormalizeQuantityTest, MessageOfInvalidUtf8IsValidUtf8) {
  absl::StatusOr<v1::Quantity> q = NormalizeQuantity("5 \xff", "en", {});
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(std::string(q.status().message()), HasSubstr("\"5 \\xff\""));
}

// Unit hints.
struct HintCase {
  const char* text;
  const char* language;
  v1::UnitDimension dimension;
  std::vector<std::string> allowed;
  const char* unit;    // expected unit, or "" for an error
  const char* reason;  // part of the error
};

class UnitHintTest : public ::testing::TestWithParam<HintCase> {};

TEST_P(UnitHintTest, ChoosesOrChecksUnit) {
  const HintCase& c = GetParam();
  UnitHint hint{c.dimension, c.allowed};
  absl::StatusOr<v1::Quantity> q = NormalizeQuantity(c.text, c.language, hint);
  if (*c.unit != '\0') {
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_EQ(q->unit(), c.unit);
  } else {
    ASSERT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument)
        << (q.ok() ? q->ShortDebugString() : "");
    EXPECT_THAT(std::string(q.status().message()),
                HasSubstr(QuoteText(c.text)));
    EXPECT_THAT(std::string(q.status().message()), HasSubstr(c.reason));
  }
}

std::string HintCaseName(const ::testing::TestParamInfo<HintCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const HintCase kHintCases[] = {
    {"53,000", "en", v1::UNIT_DIMENSION_COUNT, {}, "count", ""},
    {"53,000", "en", v1::UNIT_DIMENSION_UNSPECIFIED, {}, "count", ""},
    {"53,000", "en", v1::UNIT_DIMENSION_COUNT, {"person"}, "person", ""},
    {"53,000", "en", v1::UNIT_DIMENSION_UNSPECIFIED, {"usd"}, "USD", ""},
    {"85.9 billion", "en", v1::UNIT_DIMENSION_MONEY, {"USD"}, "USD", ""},
    {"85.9 billion",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {},
     "",
     "no currency in \"85.9 billion\""},
    {"85.9 billion",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {"USD", "EUR"},
     "",
     "no currency"},
    {"2.3", "en", v1::UNIT_DIMENSION_RATIO, {}, "", "no unit in \"2.3\""},
    {"30", "en", v1::UNIT_DIMENSION_DURATION, {}, "", "no unit in \"30\""},
    {"2.3",
     "en",
     v1::UNIT_DIMENSION_RATIO,
     {"per_1000_people"},
     "per_1000_people",
     ""},
    {"53,000",
     "en",
     v1::UNIT_DIMENSION_COUNT,
     {"person", "organization"},
     "",
     "unit \"count\" is not among the allowed units (person, organization)"},
    {"$5 billion", "en", v1::UNIT_DIMENSION_MONEY, {}, "USD", ""},
    {"$5 billion",
     "en",
     v1::UNIT_DIMENSION_COUNT,
     {},
     "",
     "unit \"USD\" is a MONEY unit, but a COUNT unit is expected"},
    {"$5 billion",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {"EUR"},
     "",
     "unit \"USD\" is not among the allowed units (EUR)"},
    {"5,000 people", "en", v1::UNIT_DIMENSION_COUNT, {"person"}, "person", ""},
    {"5,000 people",
     "en",
     v1::UNIT_DIMENSION_COUNT,
     {"organization"},
     "",
     "unit \"person\" is not among the allowed units (organization)"},
    {"5,000 people",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {},
     "",
     "unit \"person\" is a COUNT unit, but a MONEY unit is expected"},
    {"5%", "en", v1::UNIT_DIMENSION_RATIO, {}, "percent", ""},
    {"5%",
     "en",
     v1::UNIT_DIMENSION_COUNT,
     {},
     "",
     "unit \"percent\" is a RATIO unit"},
    {"30 years", "en", v1::UNIT_DIMENSION_DURATION, {}, "year", ""},
    {"khoảng 53.000", "vi", v1::UNIT_DIMENSION_COUNT, {"person"}, "person", ""},
    {"85,9 tỷ", "vi", v1::UNIT_DIMENSION_MONEY, {}, "", "no currency"},
    {"20곳",
     "ko",
     v1::UNIT_DIMENSION_COUNT,
     {"organization"},
     "organization",
     ""},
    {"5만 명",
     "ko",
     v1::UNIT_DIMENSION_COUNT,
     {"organization"},
     "",
     "unit \"person\" is not among the allowed units"},
    // Rates have their base unit's dimension.
    {"$5 million a year", "en", v1::UNIT_DIMENSION_MONEY, {}, "USD/a", ""},
    {"$5 million a year",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {"USD"},
     "",
     "unit \"USD/a\" is not among the allowed units (USD)"},
    {"$5 million a year",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {"usd/a", "usd/mo"},
     "USD/a",
     ""},
    {"5 million a year",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {"usd/a"},
     "USD/a",
     ""},
    {"5 million", "en", v1::UNIT_DIMENSION_MONEY, {"USD/a"}, "USD/a", ""},
    {"5 million a month",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {"USD/a"},
     "",
     "unit \"USD/mo\" is not among the allowed units (USD/a)"},
    {"5 million a year",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {},
     "",
     "no currency in \"5 million a year\""},
    {"$5 million a year",
     "en",
     v1::UNIT_DIMENSION_COUNT,
     {},
     "",
     "unit \"USD/a\" is a MONEY unit, but a COUNT unit is expected"},
    {"200 a day", "en", v1::UNIT_DIMENSION_COUNT, {}, "count/d", ""},
    {"200 a day", "en", v1::UNIT_DIMENSION_UNSPECIFIED, {}, "count/d", ""},
    {"200 a day", "en", v1::UNIT_DIMENSION_COUNT, {"person/d"}, "person/d", ""},
    {"200 a day", "en", v1::UNIT_DIMENSION_RATIO, {}, "", "no unit in"},
    {"3.5 pp", "en", v1::UNIT_DIMENSION_RATIO, {}, "percentage_point", ""},
    {"3.5",
     "en",
     v1::UNIT_DIMENSION_RATIO,
     {"percentage_point"},
     "percentage_point",
     ""},
    {"3.5%",
     "en",
     v1::UNIT_DIMENSION_RATIO,
     {"percentage_point"},
     "",
     "unit \"percent\" is not among the allowed units (percentage_point)"},
    {"hundreds of millions of dollars",
     "en",
     v1::UNIT_DIMENSION_MONEY,
     {},
     "USD",
     ""},
    {"hàng trăm",
     "vi",
     v1::UNIT_DIMENSION_COUNT,
     {"organization"},
     "organization",
     ""},
    // Physical units.
    {"2,500 MW", "en", v1::UNIT_DIMENSION_POWER, {}, "MW", ""},
    {"2,500 MW", "en", v1::UNIT_DIMENSION_POWER, {"MW", "GW"}, "MW", ""},
    {"2,500", "en", v1::UNIT_DIMENSION_POWER, {"MW"}, "MW", ""},
    {"2,500",
     "en",
     v1::UNIT_DIMENSION_POWER,
     {},
     "",
     "no unit in \"2,500\" (a POWER amount needs one of its units: W, kW, "
     "MW, GW)"},
    {"300",
     "en",
     v1::UNIT_DIMENSION_AREA,
     {},
     "",
     "no unit in \"300\" (an AREA amount needs one of its units: m2, ha, "
     "km2)"},
    {"2,500 MW",
     "en",
     v1::UNIT_DIMENSION_MASS,
     {},
     "",
     "unit \"MW\" is a POWER unit, but a MASS unit is expected"},
    {"2,500 MW",
     "en",
     v1::UNIT_DIMENSION_ENERGY,
     {},
     "",
     "unit \"MW\" is a POWER unit, but an ENERGY unit is expected"},
    {"300 hectares",
     "en",
     v1::UNIT_DIMENSION_AREA,
     {"km2"},
     "",
     "unit \"ha\" is not among the allowed units (km2)"},
    {"2,000 a year", "en", v1::UNIT_DIMENSION_MASS, {"t/a"}, "t/a", ""},
    {"2,000 tonnes a year", "en", v1::UNIT_DIMENSION_MASS, {}, "t/a", ""},
    {"100 a month",
     "en",
     v1::UNIT_DIMENSION_DATA_RATE,
     {"Mbit/s"},
     "",
     "a data rate (\"Mbit/s\") is already per second"},
};
INSTANTIATE_TEST_SUITE_P(Hints, UnitHintTest, ::testing::ValuesIn(kHintCases),
                         HintCaseName);

// CanonicalizeQuantity.
v1::Quantity MakeQuantity(const char* amount, const char* unit,
                          v1::Comparator comparator, const char* lower = "",
                          const char* upper = "") {
  v1::Quantity q;
  q.set_amount(amount);
  q.set_unit(unit);
  q.set_comparator(comparator);
  q.set_lower_bound(lower);
  q.set_upper_bound(upper);
  q.set_surface_text("as written");
  return q;
}

struct CanonicalCase {
  v1::Quantity in;
  const char* amount;  // expected, or "" for an error
  const char* unit;
  v1::Comparator comparator;
  const char* reason;
};

// Decimals of 121 and 92 digits (the table holds pointers into them).
const std::string k121Digits = "1" + std::string(120, '0');
constexpr char k92Digits[] =
    "10000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000";

class CanonicalizeQuantityTest
    : public ::testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalizeQuantityTest, Canonicalizes) {
  const CanonicalCase& c = GetParam();
  absl::StatusOr<v1::Quantity> q = CanonicalizeQuantity(c.in);
  if (*c.amount == '\0') {
    ASSERT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument)
        << (q.ok() ? q->ShortDebugString() : "");
    EXPECT_THAT(std::string(q.status().message()), HasSubstr(c.reason));
    return;
  }
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->amount(), c.amount);
  EXPECT_EQ(q->unit(), c.unit);
  EXPECT_EQ(q->comparator(), c.comparator);
  EXPECT_EQ(q->surface_text(), "as written");
  if (c.comparator == RANGE) {
    EXPECT_EQ(q->lower_bound(), q->amount());
  }
}

const CanonicalCase kCanonicalCases[] = {
    {MakeQuantity("085.90", "usd", v1::COMPARATOR_UNSPECIFIED), "85.9", "USD",
     EXACT, ""},
    {MakeQuantity("53000", "person", APPROX), "53000", "person", APPROX, ""},
    {MakeQuantity("53000", "Person", EXACT), "53000", "person", EXACT, ""},
    {MakeQuantity("2.30", "per_1000_people", EXACT), "2.3", "per_1000_people",
     EXACT, ""},
    {MakeQuantity("-0.5", "percent", EXACT), "-0.5", "percent", EXACT, ""},
    {MakeQuantity("-0", "count", EXACT), "0", "count", EXACT, ""},
    {MakeQuantity("100", "count", RANGE, "100", "200"), "100", "count", RANGE,
     ""},
    {MakeQuantity("", "count", RANGE, "0100", "200.0"), "100", "count", RANGE,
     ""},
    {MakeQuantity("5", "count", RANGE, "5", "5"), "5", "count", RANGE, ""},
    {MakeQuantity("1e5", "count", EXACT), "", "", EXACT,
     "amount: not a decimal number"},
    {MakeQuantity("", "count", EXACT), "", "", EXACT, "amount: is empty"},
    {MakeQuantity("5", "", EXACT), "", "", EXACT, "unit: is empty"},
    {MakeQuantity("5", "USDD", EXACT), "", "", EXACT,
     "unknown currency \"USDD\""},
    {MakeQuantity("5", "people", EXACT), "", "", EXACT,
     "unknown unit \"people\""},
    {MakeQuantity("150", "count", RANGE, "100", "200"), "", "", RANGE,
     "must equal lower_bound 100"},
    {MakeQuantity("200", "count", RANGE, "200", "100"), "", "", RANGE,
     "200 is above upper_bound 100"},
    {MakeQuantity("100", "count", RANGE, "100", ""), "", "", RANGE,
     "upper_bound: is empty"},
    {MakeQuantity("100", "count", EXACT, "100", "200"), "", "", EXACT,
     "only a COMPARATOR_RANGE quantity has bounds"},
    {MakeQuantity("100", "count", static_cast<v1::Comparator>(42)), "", "",
     EXACT, "comparator: unknown value 42"},
    {MakeQuantity("-5", "person", EXACT), "", "", EXACT, "negative amount"},
    {MakeQuantity("-5", "year", EXACT), "", "", EXACT, "negative amount"},
    {MakeQuantity(k121Digits.c_str(), "count", EXACT), "", "", EXACT,
     "longer than 100"},
    {MakeQuantity("3.5", "PERCENTAGE_POINT", EXACT), "3.5", "percentage_point",
     EXACT, ""},
    {MakeQuantity("5000000", "usd/a", EXACT), "5000000", "USD/a", EXACT, ""},
    {MakeQuantity("200", "Person/D", AT_LEAST), "200", "person/d", AT_LEAST,
     ""},
    {MakeQuantity("5", "VND/Mo", RANGE, "5", "10"), "5", "VND/mo", RANGE, ""},
    {MakeQuantity("5", "USD/w", EXACT), "", "", EXACT,
     "unknown period \"w\" in \"USD/w\""},
    {MakeQuantity("5", "USD/a/a", EXACT), "", "", EXACT, "unknown period"},
    {MakeQuantity("5", "/a", EXACT), "", "", EXACT, "unknown unit \"/a\""},
    {MakeQuantity("5", "USDD/a", EXACT), "", "", EXACT,
     "unknown currency \"USDD\""},
    {MakeQuantity("-5", "person/d", EXACT), "", "", EXACT, "negative amount"},
    {MakeQuantity("2500", "MW", EXACT), "2500", "MW", EXACT, ""},
    {MakeQuantity("3.50", "kW.h", EXACT), "3.5", "kW.h", EXACT, ""},
    {MakeQuantity("2000", "t/A", EXACT), "2000", "t/a", EXACT, ""},
    {MakeQuantity("100", "Mbit/s", AT_LEAST), "100", "Mbit/s", AT_LEAST, ""},
    {MakeQuantity("2500", "mw", EXACT), "", "", EXACT,
     "unit: unknown unit \"mw\" (physical units are UCUM codes, "
     "case-sensitive and written as listed: did you mean \"MW\"?)"},
    {MakeQuantity("5", "MWh", EXACT), "", "", EXACT, "did you mean \"MW.h\"?"},
    {MakeQuantity("5", "Mbit/s/a", EXACT), "", "", EXACT,
     "is a data rate, already per second"},
    {MakeQuantity("-5", "MW", EXACT), "", "", EXACT, "negative amount"},
    {MakeQuantity("-5", "t/a", EXACT), "", "", EXACT, "negative amount"},
    // The value index keeps it in W: 92 digits of GW are 101 there.
    {MakeQuantity(k92Digits, "GW", EXACT), "", "", EXACT,
     "has more than 100 digits in W"},
    {MakeQuantity("1", "GW", RANGE, "1", k92Digits), "", "", EXACT,
     "upper_bound: the amount"},
    {MakeQuantity(k92Digits, "count", EXACT), k92Digits, "count", EXACT, ""},
};
INSTANTIATE_TEST_SUITE_P(Canonical, CanonicalizeQuantityTest,
                         ::testing::ValuesIn(kCanonicalCases));

TEST(CanonicalizeQuantityTest, AcceptsItsOwnOutputAndNormalizeOutput) {
  for (const auto& cases :
       {std::vector<QuantityCase>(std::begin(kSeedCases), std::end(kSeedCases)),
        std::vector<QuantityCase>(std::begin(kKoreanCases),
                                  std::end(kKoreanCases)),
        std::vector<QuantityCase>(std::begin(kMoreScaleCases),
                                  std::end(kMoreScaleCases)),
        std::vector<QuantityCase>(std::begin(kPercentagePointCases),
                                  std::end(kPercentagePointCases)),
        std::vector<QuantityCase>(std::begin(kVagueCases),
                                  std::end(kVagueCases)),
        std::vector<QuantityCase>(std::begin(kRateCases), std::end(kRateCases)),
        std::vector<QuantityCase>(std::begin(kMeasureCases),
                                  std::end(kMeasureCases))}) {
    for (const QuantityCase& c : cases) {
      absl::StatusOr<v1::Quantity> q =
          NormalizeQuantity(c.text, c.language, {});
      ASSERT_TRUE(q.ok()) << c.text;
      absl::StatusOr<v1::Quantity> again = CanonicalizeQuantity(*q);
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_EQ(again->SerializeAsString(), q->SerializeAsString()) << c.text;
    }
  }
}

TEST(CheckUnitFitsHintTest, AcceptsAnyUnitWithoutHint) {
  EXPECT_TRUE(CheckUnitFitsHint("USD", {}).ok());
  EXPECT_TRUE(CheckUnitFitsHint("person", {}).ok());
}

}  // namespace
}  // namespace factstore::normalizer
