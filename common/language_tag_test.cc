#include "common/language_tag.h"

#include <string>

#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(LanguageTagTest, WellFormedTagsAreAccepted) {
  for (const char* tag : {"en", "vi", "ko", "haw", "ko-KR", "zh-Hant-TW",
                          "en-US-x-twain", "sr-Latn"}) {
    EXPECT_TRUE(IsLanguageTag(tag)) << tag;
  }
}

TEST(LanguageTagTest, MalformedTagsAreRefused) {
  for (const char* tag : {"", "e", "engl", "e1", "en-", "en--US", "-en",
                          "en_US", "en-toolongsubtag", "vi VN", "한국어"}) {
    EXPECT_FALSE(IsLanguageTag(tag)) << tag;
  }
  EXPECT_FALSE(IsLanguageTag("en-" + std::string(40, 'a')));
}

TEST(LanguageTagTest, ATagServesItsPrimaryLanguageAndItsVariants) {
  EXPECT_TRUE(InLanguage("ko", "ko"));
  EXPECT_TRUE(InLanguage("ko-KR", "ko"));
  EXPECT_TRUE(InLanguage("ko-kr", "KO-KR"));
  EXPECT_TRUE(InLanguage("ko", "ko-KR"));
  EXPECT_FALSE(InLanguage("ko-KP", "ko-KR"));
  EXPECT_FALSE(InLanguage("kok", "ko"));
  EXPECT_FALSE(InLanguage("vi", "ko"));
  EXPECT_EQ(PrimaryLanguage("zh-Hant-TW"), "zh");
  EXPECT_EQ(PrimaryLanguage("vi"), "vi");
}

}  // namespace
}  // namespace factstore
