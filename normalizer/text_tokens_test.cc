#include "normalizer/text_tokens.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unicode/normalizer2.h"
#include "unicode/unistr.h"

namespace factstore::normalizer {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// "kind:text" for each token, with "+" before tokens that touch the one
// before them.
std::vector<std::string> Describe(absl::string_view text) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(text);
  if (!tokens.ok()) return {std::string(tokens.status().message())};
  std::vector<std::string> out;
  for (size_t i = 0; i < tokens->size(); ++i) {
    const Token& t = (*tokens)[i];
    const char* kind = t.kind == TokenKind::kDigits ? "d"
                       : t.kind == TokenKind::kWord ? "w"
                                                    : "s";
    out.push_back(
        absl::StrCat(i > 0 && !t.space_before ? "+" : "", kind, ":", t.text));
  }
  return out;
}

TEST(TokenizeTest, SplitsDigitsWordsAndSymbols) {
  EXPECT_THAT(Describe("US$85.9bn"),
              ElementsAre("w:US", "+s:$", "+d:85", "+s:.", "+d:9", "+w:bn"));
  EXPECT_THAT(
      Describe("approximately 53,000 people"),
      ElementsAre("w:approximately", "d:53", "+s:,", "+d:000", "w:people"));
  EXPECT_THAT(Describe("10-15%"), ElementsAre("d:10", "+s:-", "+d:15", "+s:%"));
}

TEST(TokenizeTest, SplitsWordsAtScriptChanges) {
  EXPECT_THAT(Describe("IT기업"), ElementsAre("w:IT", "+w:기업"));
  EXPECT_THAT(Describe("5만3천명"),
              ElementsAre("d:5", "+w:만", "+d:3", "+w:천명"));
}

TEST(TokenizeTest, ComposesAndMapsDigits) {
  // Decomposed "ỷ" is composed; full-width digits and signs read as ASCII.
  EXPECT_THAT(Describe("ty\xCC\x89"), ElementsAre("w:tỷ"));
  EXPECT_THAT(Describe("１２３％"), ElementsAre("d:123", "+s:%"));
  EXPECT_THAT(Describe("٣٤"), ElementsAre("d:34"));  // Arabic-Indic digits
}

TEST(TokenizeTest, KeysFoldCaseAndDiacritics) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize("Tỷ ĐỒNG Đ USD");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 4u);
  EXPECT_EQ((*tokens)[0].key, "ty");
  EXPECT_EQ((*tokens)[1].key, "dong");
  EXPECT_EQ((*tokens)[2].key, "d");
  EXPECT_EQ((*tokens)[2].lower, "đ");
  EXPECT_EQ((*tokens)[1].lower, "đồng");
  EXPECT_EQ((*tokens)[3].lower, "usd");
  EXPECT_TRUE((*tokens)[3].upper_ascii);
  EXPECT_FALSE((*tokens)[0].upper_ascii);
}

// Every field of every token, for comparing two tokenizations.
std::string DescribeFully(const absl::StatusOr<std::vector<Token>>& tokens) {
  if (!tokens.ok()) return std::string(tokens.status().message());
  std::string out;
  for (const Token& t : *tokens) {
    absl::StrAppend(&out, static_cast<int>(t.kind), "|", t.text, "|", t.key,
                    "|", t.lower, "|", t.space_before, t.upper_ascii, t.hangul,
                    "\n");
  }
  return out;
}

// Text of ASCII characters only is cut without ICU; it must be cut as ICU
// cuts it: every character among letters, digits and spaces, and random
// texts of all 128 characters.
TEST(TokenizeTest, AsciiTextIsCutAsIcuCutsIt) {
  std::vector<std::string> texts = {"US$1,234.5 million",
                                    "approximately 12,345 people",
                                    "March 5, 2024",
                                    "by 2030",
                                    "Q3 2024",
                                    "",
                                    " \t\n ",
                                    "MiXeD cAsE WORDS",
                                    "5bn9x"};
  for (int c = 0; c < 128; ++c) {
    texts.push_back(absl::StrCat("a", std::string(1, static_cast<char>(c)),
                                 "b 1", std::string(1, static_cast<char>(c)),
                                 "2"));
  }
  uint64_t state = 42;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    const int length = static_cast<int>(state % 24);
    for (int j = 0; j < length; ++j) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text.push_back(static_cast<char>((state >> 33) % 128));
    }
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    texts.push_back(std::move(text));
  }
  for (const std::string& text : texts) {
    EXPECT_EQ(DescribeFully(Tokenize(text)),
              DescribeFully(TokenizeWithIcu(text)))
        << absl::CHexEscape(text);
  }
}

// Words of ASCII letters take a path without ICU's normalizer; it must give
// what the normalizer gives.
TEST(TokenizeTest, LowerCaseOfAsciiWordsIsNfkcCasefold) {
  const std::string letters =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz MiXeD";
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(letters);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 3u);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* casefold =
      icu::Normalizer2::getNFKCCasefoldInstance(status);
  ASSERT_TRUE(U_SUCCESS(status));
  for (const Token& token : *tokens) {
    std::string expected;
    casefold->normalize(icu::UnicodeString::fromUTF8(token.text), status)
        .toUTF8String(expected);
    ASSERT_TRUE(U_SUCCESS(status));
    EXPECT_EQ(token.lower, expected) << token.text;
  }
}

TEST(TokenizeTest, MarksHangul) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize("600억 달러");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_FALSE((*tokens)[0].hangul);
  EXPECT_TRUE((*tokens)[1].hangul);
  EXPECT_TRUE((*tokens)[2].hangul);
}

TEST(TokenizeTest, DropsFormatCharacters) {
  EXPECT_THAT(Describe("5\xE2\x80\x8B%"), ElementsAre("d:5", "+s:%"));
}

TEST(TokenizeTest, RejectsBadText) {
  EXPECT_THAT(Describe(""), ElementsAre("the text is empty"));
  EXPECT_THAT(Describe(" \t\n"), ElementsAre("the text is empty"));
  EXPECT_THAT(Describe("5 \xff"), ElementsAre("the text is not valid UTF-8"));
  EXPECT_THAT(Describe(std::string(257, '1')),
              ElementsAre("the text is longer than 256 bytes"));
  EXPECT_THAT(Describe(std::string(256, '1')),
              ElementsAre("d:" + std::string(256, '1')));
}

TEST(LanguageFromTagTest, ReadsPrimarySubtag) {
  EXPECT_EQ(LanguageFromTag("vi"), Language::kVietnamese);
  EXPECT_EQ(LanguageFromTag("vi-VN"), Language::kVietnamese);
  EXPECT_EQ(LanguageFromTag("VI"), Language::kVietnamese);
  EXPECT_EQ(LanguageFromTag("vie"), Language::kVietnamese);
  EXPECT_EQ(LanguageFromTag("ko"), Language::kKorean);
  EXPECT_EQ(LanguageFromTag("ko_KR"), Language::kKorean);
  EXPECT_EQ(LanguageFromTag("en"), Language::kEnglish);
  EXPECT_EQ(LanguageFromTag("en-GB"), Language::kEnglish);
  EXPECT_EQ(LanguageFromTag(""), Language::kEnglish);
  EXPECT_EQ(LanguageFromTag("fr"), Language::kEnglish);
  EXPECT_EQ(LanguageFromTag("vietnamese"), Language::kEnglish);
}

TEST(QuoteTextTest, QuotesAndEscapes) {
  EXPECT_EQ(QuoteText("abc"), "\"abc\"");
  EXPECT_EQ(QuoteText(""), "\"\"");
  EXPECT_EQ(QuoteText("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(QuoteText("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(QuoteText("Đà Nẵng"), "\"Đà Nẵng\"");
  EXPECT_EQ(QuoteText("5 \xff"), "\"5 \\xff\"");
}

TEST(QuoteTextTest, CutsLongTextAtCharacterBoundary) {
  std::string text(79, 'a');
  text += "đđđ";  // 2 bytes each: byte 80 falls inside the first
  EXPECT_EQ(QuoteText(text), "\"" + std::string(79, 'a') + "...\"");
  EXPECT_EQ(QuoteText(std::string(80, 'a')),
            "\"" + std::string(80, 'a') + "\"");
}

TEST(SegmentHangulTest, UsesFewestPieces) {
  auto is_piece = [](absl::string_view s) {
    return s == "년" || s == "까지" || s == "까" || s == "지" || s == "명" ||
           s == "이상" || s == "이";
  };
  EXPECT_THAT(SegmentHangul("년까지", is_piece), ElementsAre("년", "까지"));
  EXPECT_THAT(SegmentHangul("명이상", is_piece), ElementsAre("명", "이상"));
  EXPECT_THAT(SegmentHangul("명이", is_piece), ElementsAre("명", "이"));
  EXPECT_THAT(SegmentHangul("년도", is_piece), IsEmpty());
  EXPECT_THAT(SegmentHangul("", is_piece), IsEmpty());
  EXPECT_THAT(SegmentHangul("\xff", is_piece), IsEmpty());
  std::string long_word;
  for (int i = 0; i < 65; ++i) long_word += "년";
  EXPECT_THAT(SegmentHangul(long_word, is_piece), IsEmpty());
}

}  // namespace
}  // namespace factstore::normalizer
