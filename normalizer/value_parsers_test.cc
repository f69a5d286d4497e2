#include "normalizer/value_parsers.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "normalizer/test_names.h"
#include "normalizer/text_tokens.h"

namespace factstore::normalizer {
namespace {

using ::testing::HasSubstr;

struct BooleanCase {
  const char* text;
  const char* language;
  bool value;
};

class ParseBooleanTest : public ::testing::TestWithParam<BooleanCase> {};

TEST_P(ParseBooleanTest, Reads) {
  absl::StatusOr<bool> value =
      ParseBoolean(GetParam().text, GetParam().language);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, GetParam().value);
}

std::string BooleanCaseName(const ::testing::TestParamInfo<BooleanCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const BooleanCase kBooleanCases[] = {
    {"yes", "en", true},     {"Yes", "en", true},    {"YES", "en", true},
    {"yes.", "en", true},    {" yes ", "en", true},  {"true", "en", true},
    {"True", "en", true},    {"no", "en", false},    {"No", "en", false},
    {"no!", "en", false},    {"false", "en", false}, {"FALSE", "en", false},
    {"có", "vi", true},      {"Có", "vi", true},     {"co", "vi", true},
    {"đúng", "vi", true},    {"Đúng", "vi", true},   {"dung", "vi", true},
    {"không", "vi", false},  {"Không", "vi", false}, {"khong", "vi", false},
    {"sai", "vi", false},    {"Sai", "vi", false},   {"예", "ko", true},
    {"네", "ko", true},      {"네.", "ko", true},    {"아니오", "ko", false},
    {"아니요", "ko", false}, {"아니", "ko", false},  {"yes", "vi", true},
    {"không", "en", false},  {"예", "", true},
};
INSTANTIATE_TEST_SUITE_P(Booleans, ParseBooleanTest,
                         ::testing::ValuesIn(kBooleanCases), BooleanCaseName);

class ParseBooleanErrorTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseBooleanErrorTest, RejectsWithMessageQuotingText) {
  absl::StatusOr<bool> value = ParseBoolean(GetParam(), "en");
  ASSERT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(value.status().message()),
              HasSubstr(absl::StrCat("cannot read ", QuoteText(GetParam()),
                                     " as a yes/no value")));
}

INSTANTIATE_TEST_SUITE_P(Bad, ParseBooleanErrorTest,
                         ::testing::Values("", "maybe", "1", "0", "yes no",
                                           "yess", "y", "n", "not true", ".yes",
                                           "yes?", "\xff", "có không",
                                           "예 아니오"));

}  // namespace
}  // namespace factstore::normalizer
