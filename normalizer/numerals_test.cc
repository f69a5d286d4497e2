#include "normalizer/numerals.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "normalizer/test_names.h"

namespace factstore::normalizer {
namespace {

using ::testing::HasSubstr;

struct NumeralCase {
  const char* raw;
  Language language;
  const char* value;  // "" for an error
};

class ReadDigitGroupsTest : public ::testing::TestWithParam<NumeralCase> {};

TEST_P(ReadDigitGroupsTest, Reads) {
  const NumeralCase& c = GetParam();
  absl::StatusOr<std::string> value = ReadDigitGroups(c.raw, c.language);
  if (*c.value == '\0') {
    ASSERT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument)
        << *value;
    EXPECT_THAT(std::string(value.status().message()),
                HasSubstr(absl::StrCat("\"", c.raw, "\" is not a number")));
  } else {
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(*value, c.value);
  }
}

std::string NumeralCaseName(const ::testing::TestParamInfo<NumeralCase>& info) {
  const char* language = info.param.language == Language::kVietnamese ? "vi"
                         : info.param.language == Language::kKorean   ? "ko"
                                                                      : "en";
  return CaseName(language, info.index, info.param.raw);
}

constexpr Language EN = Language::kEnglish;
constexpr Language VI = Language::kVietnamese;
constexpr Language KO = Language::kKorean;

const NumeralCase kNumeralCases[] = {
    {"0", EN, "0"},
    {"000", EN, "0"},
    {"42", EN, "42"},
    {"053", EN, "53"},
    {"1,000", EN, "1000"},
    {"53,000", EN, "53000"},
    {"740,000", EN, "740000"},
    {"1,234,567", EN, "1234567"},
    {"1,234.5", EN, "1234.5"},
    {"1,234,567.25", EN, "1234567.25"},
    {"85.9", EN, "85.9"},
    {"1.234", EN, "1.234"},
    {"0.50", EN, "0.5"},
    {"1.234.567", EN, "1234567"},
    {"1.234,5", EN, "1234.5"},
    {"85,9", EN, ""},
    {"1,5", EN, ""},
    {"12,34", EN, ""},
    {"1,2345", EN, ""},
    {"0,500", EN, ""},
    {"1,23,456", EN, ""},
    {"1,234,56", EN, ""},
    {"1234,567", EN, ""},
    {"1,234.5.6", EN, ""},
    {"1.234,5,6", EN, ""},
    {"1.2.3", EN, ""},
    {"53,000", KO, "53000"},
    {"1,234.5", KO, "1234.5"},
    {"85,9", KO, ""},
    {"53.000", VI, "53000"},
    {"1.000", VI, "1000"},
    {"1.234.567", VI, "1234567"},
    {"1.234,5", VI, "1234.5"},
    {"85,9", VI, "85.9"},
    {"1,234", VI, "1.234"},
    {"0,5", VI, "0.5"},
    {"85.9", VI, "85.9"},
    {"1.5", VI, "1.5"},
    {"1.50", VI, "1.5"},
    {"1.2345", VI, "1.2345"},
    {"0.500", VI, "0.5"},
    {"1,234.5", VI, "1234.5"},
    {"1,234,567", VI, "1234567"},
    {"1.23.456", VI, ""},
    {"1,2,3", VI, ""},
    {"1.234,5,6", VI, ""},
    {"", EN, ""},
    {",5", EN, ""},
    {"5,", EN, ""},
    {"5,,000", EN, ""},
    {"5a", EN, ""},
};
INSTANTIATE_TEST_SUITE_P(Numerals, ReadDigitGroupsTest,
                         ::testing::ValuesIn(kNumeralCases), NumeralCaseName);

TEST(ReadDigitGroupsTest, RejectsNumbersOverTheDecimalLimit) {
  EXPECT_TRUE(ReadDigitGroups(std::string(100, '9'), EN).ok());
  absl::StatusOr<std::string> value =
      ReadDigitGroups(std::string(101, '9'), EN);
  ASSERT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(value.status().message()),
              HasSubstr("longer than 100"));
}

}  // namespace
}  // namespace factstore::normalizer
