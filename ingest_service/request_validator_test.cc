// The character checks of request_validator.h against ICU's own
// classification, character by character: ids refuse control characters and
// white space, texts refuse control characters (multiline ones allow tab,
// line feed and carriage return).
#include "ingest_service/request_validator.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace factstore::ingest {
namespace {

std::string Utf8(UChar32 c) {
  char buffer[U8_MAX_LENGTH];
  int32_t length = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buffer), length, U8_MAX_LENGTH, c,
            error);
  EXPECT_FALSE(error) << c;
  return std::string(buffer, length);
}

// Every ASCII character, the C1 controls, and white space, format and
// letters beyond ASCII.
std::vector<UChar32> CharactersToCheck() {
  std::vector<UChar32> characters;
  for (UChar32 c = 0; c < 0xa1; ++c) characters.push_back(c);
  for (UChar32 c : {0x00e9, 0x1680, 0x2000, 0x200b, 0x2028, 0x2029, 0x202f,
                    0x3000, 0xfeff, 0xd55c, 0x1f600}) {
    characters.push_back(c);
  }
  return characters;
}

TEST(CharacterCheckTest, IdsRefuseWhatIcuCallsControlOrWhiteSpace) {
  for (UChar32 c : CharactersToCheck()) {
    const bool refused_by_icu =
        u_charType(c) == U_CONTROL_CHAR || u_isUWhiteSpace(c);
    Violations violations;
    CheckId(absl::StrCat("id", Utf8(c), "x"), "id", 64, true, &violations);
    EXPECT_EQ(!violations.empty(), refused_by_icu)
        << absl::StrCat("U+", absl::Hex(c, absl::kZeroPad4)) << ": "
        << violations.Summary();
  }
}

TEST(CharacterCheckTest, TextsRefuseWhatIcuCallsControl) {
  for (UChar32 c : CharactersToCheck()) {
    const bool control = u_charType(c) == U_CONTROL_CHAR;
    const bool line_break_or_tab = c == '\n' || c == '\t' || c == '\r';
    for (bool multiline : {false, true}) {
      Violations violations;
      CheckText(absl::StrCat("a", Utf8(c), "b"), "text", 64, true, multiline,
                &violations);
      EXPECT_EQ(!violations.empty(),
                control && !(multiline && line_break_or_tab))
          << absl::StrCat("U+", absl::Hex(c, absl::kZeroPad4))
          << (multiline ? " (multiline): " : ": ") << violations.Summary();
    }
  }
}

}  // namespace
}  // namespace factstore::ingest
