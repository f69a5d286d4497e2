#include "normalizer/eval/form_evaluation.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace factstore::normalizer {
namespace {

std::vector<Form> LoadSet() {
  std::vector<Form> forms;
  for (const char* file : {"forms_en.tsv", "forms_vi.tsv", "forms_ko.tsv"}) {
    std::ifstream in(std::string("normalizer/eval/") + file);
    EXPECT_TRUE(in.good()) << file;
    std::stringstream content;
    content << in.rdbuf();
    auto parsed = ParseForms(content.str(), file);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (parsed.ok()) forms.insert(forms.end(), parsed->begin(), parsed->end());
  }
  return forms;
}

// Forms read exactly right on the set, as recorded in docs/units.md.
constexpr int kRecordedExact = 312;

TEST(FormEvaluationTest, TheSetHasAtLeast300FormsAboutAThirdPerLanguage) {
  Evaluation evaluation = Evaluate(LoadSet());
  EXPECT_GE(evaluation.all.forms, 300);
  for (const char* language : {"en", "vi", "ko"}) {
    EXPECT_GE(evaluation.by_language[language].forms, 90) << language;
  }
}

// The accuracy recorded in docs/units.md may only go up: a change to the
// normalizers that reads fewer forms right fails here.
TEST(FormEvaluationTest, AccuracyDoesNotFallBelowTheRecordedFigure) {
  Evaluation evaluation = Evaluate(LoadSet());
  std::string misses;
  for (const std::string& miss : evaluation.misses) misses += miss + "\n";
  EXPECT_GE(evaluation.all.exact, kRecordedExact) << misses;
}

TEST(FormEvaluationTest, ComparesWhatTheNormalizersGive) {
  auto forms = ParseForms(
      "# comment\n"
      "en\tmoney\tUS$85.9 billion\t85900000000 USD EXACT\n"
      "en\tpercent\t10-15%\t10..15 percent RANGE\n"
      "vi\tdate\tđến năm 2028\t2028 YEAR BY\n"
      "en\tperiod\tfrom 2020 to 2024\t2020-01-01..2025-01-01\n"
      "en\treject\t85.9 billion USDD\tREJECT\n"
      "en\tmoney\t$5\t6 USD EXACT\n",
      "inline");
  ASSERT_TRUE(forms.ok()) << forms.status();
  ASSERT_EQ(forms->size(), 6u);
  Evaluation evaluation = Evaluate(*forms);
  EXPECT_EQ(evaluation.all.exact, 5);
  ASSERT_EQ(evaluation.misses.size(), 1u);
  EXPECT_NE(evaluation.misses[0].find("got      5 USD EXACT"),
            std::string::npos)
      << evaluation.misses[0];
  EXPECT_EQ(evaluation.by_kind["money"].forms, 2);
}

TEST(FormEvaluationTest, MalformedLinesAreNamed) {
  auto missing = ParseForms("en\tmoney\t$5\n", "f.tsv");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("f.tsv:1"), std::string::npos);
  EXPECT_FALSE(ParseForms("fr\tmoney\t$5\t5 USD EXACT\n", "f.tsv").ok());
  EXPECT_FALSE(ParseForms("en\tcash\t$5\t5 USD EXACT\n", "f.tsv").ok());
}

}  // namespace
}  // namespace factstore::normalizer
