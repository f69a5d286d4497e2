#include "normalizer/name_folding.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "normalizer/test_names.h"

namespace factstore::normalizer {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct FoldCase {
  const char* text;
  const char* folded;
};

class FoldNameTest : public ::testing::TestWithParam<FoldCase> {};

TEST_P(FoldNameTest, Folds) {
  EXPECT_EQ(FoldName(GetParam().text), GetParam().folded);
}

TEST_P(FoldNameTest, FoldingIsIdempotent) {
  std::string once = FoldName(GetParam().text);
  EXPECT_EQ(FoldName(once), once);
}

TEST_P(FoldNameTest, WithWordsAgreesWithFoldName) {
  EXPECT_EQ(FoldNameWithWords(GetParam().text).folded, GetParam().folded);
}

std::string FoldCaseName(const ::testing::TestParamInfo<FoldCase>& info) {
  return CaseName("fold", info.index, info.param.text);
}

const FoldCase kFoldCases[] = {
    // Da Nang in every spelling the sources use.
    {"Đà Nẵng", "danang"},
    {"Da Nang", "danang"},
    {"DA NANG", "danang"},
    {"Da-Nang", "danang"},
    {"Danang", "danang"},
    {"da nang", "danang"},
    {"  Đà   Nẵng  ", "danang"},
    {"đà nẵng", "danang"},
    {"ĐÀ NẴNG", "danang"},
    // Decomposed input (as some systems send Vietnamese) folds the same.
    {"Da\xCC\x80 Na\xCC\x86\xCC\x83ng", "danang"},
    {"Thành phố Hồ Chí Minh", "thanhphohochiminh"},
    {"Ho Chi Minh City", "hochiminhcity"},
    {"Nguyễn Mạnh Hùng", "nguyenmanhhung"},
    {"Nguyen Manh Hung", "nguyenmanhhung"},
    {"Hà Nội", "hanoi"},
    {"Hanoi", "hanoi"},
    {"Việt Nam", "vietnam"},
    {"Viet Nam", "vietnam"},
    {"Vietnam", "vietnam"},
    {"Bộ Thông tin và Truyền thông", "bothongtinvatruyenthong"},
    {"Đại học Quốc gia", "daihocquocgia"},
    {"Ưu đãi", "uudai"},
    {"Ơn", "on"},
    // Other Latin letters and ligatures.
    {"Straße", "strasse"},
    {"Ærø", "aero"},
    {"Øresund", "oresund"},
    {"Łódź", "lodz"},
    {"ﬁnance", "finance"},
    {"Crème Brûlée", "cremebrulee"},
    {"São Paulo", "saopaulo"},
    {"İstanbul", "istanbul"},
    // Full-width and compatibility forms.
    {"ＦＰＴ", "fpt"},
    {"ＦＰＴ Software", "fptsoftware"},
    {"Ⅻ", "xii"},
    {"№ 1", "no1"},
    // Punctuation, symbols and spaces go.
    {"FPT Corp.", "fptcorp"},
    {"AT&T", "att"},
    {"O'Brien", "obrien"},
    {"C++", "c"},
    {"Vietnam-Korea Institute of Science and Technology (VKIST)",
     "vietnamkoreainstituteofscienceandtechnologyvkist"},
    {"Resolution No. 136/2024/QH15", "resolutionno1362024qh15"},
    {"©2024", "2024"},
    {"a\tb\nc", "abc"},
    {"\xE2\x80\x8B"
     "FPT",
     "fpt"},  // zero-width space
    {"Da\xC2\xAD"
     "nang",
     "danang"},  // soft hyphen
    // Hangul, Han and other scripts survive.
    {"다낭", "다낭"},
    {"다 낭", "다낭"},
    {"호찌민시", "호찌민시"},
    {"대한민국", "대한민국"},
    {"한국소프트웨어산업협회", "한국소프트웨어산업협회"},
    {"東京", "東京"},
    {"岘港", "岘港"},
    {"ベトナム", "ベトナム"},
    {"हिन्दी", "हिन्दी"},
    {"Москва", "москва"},
    {"Ψυχή", "ψυχη"},
    {"ΑΘΗΝΑ", "αθηνα"},
    {"Đà Nẵng (다낭)", "danang다낭"},
    // Digits are kept.
    {"Vinasa 2024", "vinasa2024"},
    {"PTIT", "ptit"},
    // Nothing left.
    {"", ""},
    {"   ", ""},
    {"---", ""},
    {"!?", ""},
};
INSTANTIATE_TEST_SUITE_P(Names, FoldNameTest, ::testing::ValuesIn(kFoldCases),
                         FoldCaseName);

TEST(FoldNameTest, SkipsInvalidUtf8) {
  EXPECT_EQ(FoldName("Da\xff Nang"), "danang");
  EXPECT_EQ(FoldName("\xff\xfe"), "");
  EXPECT_EQ(FoldName("Đà \xe1\xba Nẵng"), "danang");
  EXPECT_EQ(FoldName("\xed\xa0\x80"), "");  // a UTF-16 surrogate
  EXPECT_EQ(FoldName("\xc0\xaf"), "");      // an overlong "/"
  EXPECT_EQ(FoldNameWithWords("Da\xff Nang").folded, "danang");
}

TEST(FoldNameTest, HandlesEmbeddedNul) {
  EXPECT_EQ(FoldName(absl::string_view("Da\0Nang", 7)), "danang");
}

TEST(FoldNameTest, HandlesLongText) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "Đà Nẵng ";
  std::string expected;
  for (int i = 0; i < 2000; ++i) expected += "danang";
  EXPECT_EQ(FoldName(text), expected);
}

TEST(FoldNameWithWordsTest, ListsSuffixesFromEachLaterWord) {
  NameFormParts parts = FoldNameWithWords("Ho Chi Minh City");
  EXPECT_EQ(parts.folded, "hochiminhcity");
  EXPECT_THAT(parts.word_suffixes,
              ElementsAre("chiminhcity", "minhcity", "city"));
}

TEST(FoldNameWithWordsTest, SplitsAtPunctuation) {
  NameFormParts parts = FoldNameWithWords("Đà-Nẵng");
  EXPECT_EQ(parts.folded, "danang");
  EXPECT_THAT(parts.word_suffixes, ElementsAre("nang"));
}

TEST(FoldNameWithWordsTest, FoldsWordsOfOtherScripts) {
  NameFormParts parts = FoldNameWithWords("Thành phố Đà Nẵng");
  EXPECT_EQ(parts.folded, "thanhphodanang");
  EXPECT_THAT(parts.word_suffixes, ElementsAre("phodanang", "danang", "nang"));
  parts = FoldNameWithWords("한국 소프트웨어 산업 협회");
  EXPECT_EQ(parts.folded, "한국소프트웨어산업협회");
  EXPECT_THAT(parts.word_suffixes,
              ElementsAre("소프트웨어산업협회", "산업협회", "협회"));
}

TEST(FoldNameWithWordsTest, OneWordHasNoSuffixes) {
  EXPECT_THAT(FoldNameWithWords("Danang").word_suffixes, IsEmpty());
  EXPECT_THAT(FoldNameWithWords("").word_suffixes, IsEmpty());
  EXPECT_THAT(FoldNameWithWords("  -- ").word_suffixes, IsEmpty());
}

TEST(FoldNameWithWordsTest, SkipsWordsThatFoldToNothing) {
  NameFormParts parts = FoldNameWithWords("FPT & Co");
  EXPECT_EQ(parts.folded, "fptco");
  EXPECT_THAT(parts.word_suffixes, ElementsAre("co"));
}

TEST(FoldNameWithWordsTest, CapsTheNumberOfSuffixes) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "w ";
  NameFormParts parts = FoldNameWithWords(text);
  EXPECT_EQ(parts.folded, std::string(40, 'w'));
  ASSERT_EQ(parts.word_suffixes.size(), kMaxWordSuffixes);
  EXPECT_EQ(parts.word_suffixes[0], std::string(39, 'w'));
}

TEST(FoldNameTest, IsSafeFromManyThreads) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &mismatches] {
      for (int i = 0; i < 300; ++i) {
        const FoldCase& c = kFoldCases[(t + i) % std::size(kFoldCases)];
        if (FoldName(c.text) != c.folded) ++mismatches[t];
        if (FoldNameWithWords(c.text).folded != c.folded) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << t;
}

}  // namespace
}  // namespace factstore::normalizer
