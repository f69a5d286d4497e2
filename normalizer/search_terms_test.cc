#include "normalizer/search_terms.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unicode/unistr.h"

namespace factstore::normalizer {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SearchTermsTest, EnglishWordsAreFoldedAndFunctionWordsDropped) {
  EXPECT_THAT(SearchTerms("Microelectronics and Semiconductors, in Da Nang."),
              ElementsAre("microelectronics", "semiconductors", "da", "nang"));
}

TEST(SearchTermsTest, VietnameseDiacriticsFoldAway) {
  EXPECT_THAT(SearchTerms("Ngành bán dẫn của Đà Nẵng"),
              ElementsAre("nganh", "ban", "dan", "cua", "da", "nang"));
  EXPECT_EQ(SearchTerms("BÁN DẪN"), SearchTerms("ban dan"));
}

TEST(SearchTermsTest, HangulIsIndexedAsSyllablePairs) {
  EXPECT_THAT(SearchTerms("반도체를 육성"),
              ElementsAre("반도", "도체", "체를", "육성"));
  // A query word's pairs are found among a longer word's.
  std::vector<std::string> word = SearchTerms("반도체");
  std::vector<std::string> longer = SearchTerms("반도체를");
  for (const std::string& term : word) {
    EXPECT_NE(std::find(longer.begin(), longer.end(), term), longer.end())
        << term;
  }
  EXPECT_THAT(SearchTerms("및"), ElementsAre("및"));
}

TEST(SearchTermsTest, MixedScriptsInOneWordSplitAtHangul) {
  EXPECT_THAT(SearchTerms("ICT산업"), ElementsAre("ict", "산업"));
}

TEST(SearchTermsTest, PossessivesAreTheirWord) {
  EXPECT_THAT(SearchTerms("FPT's chips and Samsung\u2019s fabs"),
              ElementsAre("fpt", "chips", "samsung", "fabs"));
}

TEST(SearchTermsTest, EnglishInflectionsMeetAtTheirStem) {
  // Every form of a word meets its plain form.
  for (const auto& [word, forms] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"semiconductor", {"semiconductors"}},
           {"service", {"services"}},
           {"trade", {"trades", "traded", "trading"}},
           {"business", {"businesses"}},
           {"process", {"processes", "processing", "processed"}},
           {"company", {"companies"}},
           {"design", {"designs", "designed", "designing"}},
           {"chip", {"chips"}},
       }) {
    for (const std::string& form : forms) {
      EXPECT_EQ(SearchStem(form), SearchStem(word)) << form << " / " << word;
    }
  }
  // Derivations and short words stay apart.
  EXPECT_NE(SearchStem("billion"), SearchStem("bill"));
  EXPECT_NE(SearchStem("investment"), SearchStem("invest"));
  EXPECT_EQ(SearchStem("news"), "news");
  EXPECT_EQ(SearchStem("status"), "status");
  EXPECT_EQ(SearchStem("analysis"), "analysis");
  // Other terms are their own word.
  EXPECT_EQ(SearchStem("ngan"), "ngan");
  EXPECT_EQ(SearchStem("nganh"), "nganh");
  EXPECT_EQ(SearchStem("nghe"), "nghe");
  EXPECT_EQ(SearchStem("반도"), "반도");
  EXPECT_EQ(SearchStem("2024s"), "2024s");
}

TEST(SearchTermsTest, NumbersAreTerms) {
  EXPECT_THAT(SearchTerms("US$85.9 billion"),
              ElementsAre("us", "859", "billion"));
}

TEST(SearchTermsTest, RepeatsAreCountedOnlyByOccurrences) {
  EXPECT_THAT(SearchTerms("chip chip CHIP"), ElementsAre("chip"));
  EXPECT_THAT(SearchTermOccurrences("chip chip CHIP"),
              ElementsAre("chip", "chip", "chip"));
}

TEST(SearchTermsTest, WordsAndTheirTermsMakeTheOccurrences) {
  std::vector<std::string> words;
  ForEachSearchWord(
      "FPT's chips, Samsung\u2019s 반도체를 và ngành bán dẫn",
      [&words](absl::string_view word) { words.emplace_back(word); });
  EXPECT_THAT(words, ElementsAre("FPT", "chips", "Samsung", "반도체를", "và",
                                 "ngành", "bán", "dẫn"));
  EXPECT_THAT(WordSearchTerms("반도체를"), ElementsAre("반도", "도체", "체를"));
  EXPECT_THAT(WordSearchTerms("ICT산업"), ElementsAre("ict", "산업"));
  EXPECT_THAT(WordSearchTerms("the"), IsEmpty());
  for (absl::string_view text :
       {"Microelectronics and Semiconductors, in Da Nang.",
        "Ngành bán dẫn của Đà Nẵng đạt 1,5 tỷ USD",
        "한국과 베트남 디지털 협력 포럼에서 반도체를 육성한다",
        "chip chip CHIP", "US$85.9 billion", "", " ,.;!? ", "\xff\xfe"}) {
    std::vector<std::string> joined;
    ForEachSearchWord(text, [&joined](absl::string_view word) {
      for (std::string& term : WordSearchTerms(word)) {
        joined.push_back(std::move(term));
      }
    });
    EXPECT_EQ(joined, SearchTermOccurrences(text)) << text;
  }
}

// Words of ASCII text, Latin letters and Hangul syllables are cut without
// ICU; they must be the words ICU's word breaks give.
TEST(SearchTermsTest, WordsAreCutAsIcuCutsThem) {
  auto words = [](absl::string_view text, bool with_icu) {
    std::vector<std::string> out;
    auto visit = [&out](absl::string_view word) { out.emplace_back(word); };
    if (with_icu) {
      ForEachSearchWordWithIcu(text, visit);
    } else {
      ForEachSearchWord(text, visit);
    }
    return out;
  };
  std::vector<std::string> texts = {
      "FPT's chips, U.S. and S.Korea's 1,000.5 units; 10:30 a.m.",
      "don't 'quoted' 85.9 1,2,3 a.1 1.a 1a.b2 e.g. x;y 3;4 ab:cd", "",
      " \t\r\n\v\f ", "a__b _1 1_ __ _", "O'Neil's 'tis n't",
      "Đà Nẵng's 1,5 tỷ USD; Việt.Nam 반도체를 ICT산업 12.5조원 FPT의",
      "e\u0301 Vie\u0323\u0302t \xff\xfe a\xc3 \xe1\xbb",
      // A long run of Hangul stays one word (no dictionary cuts Korean).
      "한국과베트남디지털협력포럼에서발표된자료에따르면대한민국정부는",
      "한국과 베트남 디지털 협력 포럼에서 발표된 자료에 따르면 삼성전자의 "
      "규모는 2024년 5월 기준 약 12,345명로 집계되었다고 관계자들이 밝혔다.",
      "Theo số liệu công bố tại diễn đàn hợp tác số Việt Nam - Hàn Quốc, "
      "Tỉnh Long Hải đạt 10,04% ngày 2 tháng 1 năm 2007."};
  // Every ASCII character, and every character the shortcut takes for a
  // letter (with those just outside its ranges): alone, between letters,
  // between digits, between a letter and a digit, doubled, and beside a
  // Hangul syllable.
  std::vector<std::string> characters;
  for (int c = 0; c < 128; ++c)
    characters.emplace_back(1, static_cast<char>(c));
  for (auto [first, last] :
       {std::pair<int, int>{0xBF, 0x250}, {0x1DFF, 0x1F00}, {0xABFF, 0xD7A4}}) {
    for (int c = first; c <= last; ++c) {
      std::string utf8;
      icu::UnicodeString(static_cast<UChar32>(c)).toUTF8String(utf8);
      characters.push_back(std::move(utf8));
    }
  }
  for (const std::string& ch : characters) {
    texts.push_back(ch);
    texts.push_back(absl::StrCat("ab", ch, "cd 12", ch, "34 a", ch, "1 1", ch,
                                 "a a", ch, ch, "b 1", ch, ch, "2 ", ch, "x ",
                                 "\uD55C", ch, "\uAE00.", ch, "."));
  }
  // Random texts: over all of ASCII, and over the characters the rules name
  // with a few others, where joins and their near misses are frequent. Those
  // not in named_shortcut send the text to ICU; they are left out of every
  // other such text, so that most take the shortcut.
  const std::vector<std::string> named_shortcut = {
      "a", "Z",      "9",      "0",      " ",      ".",     "'",
      ",", ";",      ":",      "\"",     "-",      "\t",    "\n",
      "/", "\u00e0", "\u0111", "\u1ec7", "\uAC00", "\uD7A3"};
  std::vector<std::string> named = named_shortcut;
  for (const char* to_icu :
       {"_", "@", "\u00d7", "\u0301", "\u3131", "\u2019", "\u00a0"}) {
    named.push_back(to_icu);
  }
  uint64_t state = 7;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int i = 0; i < 6000; ++i) {
    std::string text;
    const int length = static_cast<int>(next() % 24);
    for (int j = 0; j < length; ++j) {
      if (i % 2 == 0) {
        text.push_back(static_cast<char>(next() % 128));
      } else {
        text +=
            named[next() % (i % 4 == 1 ? named.size() : named_shortcut.size())];
      }
    }
    texts.push_back(std::move(text));
  }
  int cut_without_icu = 0;
  for (const std::string& text : texts) {
    EXPECT_EQ(words(text, false), words(text, true)) << absl::CHexEscape(text);
    if (CutsSearchWordsWithoutIcu(text)) ++cut_without_icu;
  }
  // The comparisons are of the shortcut against ICU, not ICU against itself.
  EXPECT_GT(cut_without_icu, static_cast<int>(texts.size() / 2))
      << "of " << texts.size();
  for (absl::string_view text :
       {"FPT's chips, U.S. and S.Korea's 1,000.5 units; ab:cd",
        "Đà Nẵng's 1,5 tỷ USD 반도체를 ICT산업", ""}) {
    EXPECT_TRUE(CutsSearchWordsWithoutIcu(text)) << text;
  }
  for (absl::string_view text : {"a_b", "info@fpt.vn", "Vie\u0323\u0302t",
                                 "\u2019s", "\u6771\u4eac", "\xff"}) {
    EXPECT_FALSE(CutsSearchWordsWithoutIcu(text)) << text;
  }
}

TEST(SearchTermsTest, NothingToSearchGivesNoTerms) {
  EXPECT_THAT(SearchTerms(""), IsEmpty());
  EXPECT_THAT(SearchTerms(" ,.;!? "), IsEmpty());
  EXPECT_THAT(SearchTerms("the of and"), IsEmpty());
  EXPECT_THAT(SearchTerms("\xff\xfe"), IsEmpty());
}

TEST(SearchTermsTest, LongWordsAreCutAtACharacterBoundary) {
  std::string word(70, 'a');
  std::vector<std::string> terms = SearchTerms(word);
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].size(), kMaxSearchTermBytes);
  std::string vietnamese;
  for (int i = 0; i < 40; ++i) vietnamese += "ệ";  // folds to "e"
  EXPECT_EQ(SearchTerms(vietnamese)[0], std::string(40, 'e'));
  std::string cyrillic;
  for (int i = 0; i < 40; ++i) cyrillic += "ж";  // two bytes each
  terms = SearchTerms(cyrillic);
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].size(), kMaxSearchTermBytes);
}

}  // namespace
}  // namespace factstore::normalizer
