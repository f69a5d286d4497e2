#include "common/language_tag.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/limits.h"

namespace factstore {

// Written by hand: ICU's uloc_forLanguageTag accepts far more (private use,
// grandfathered tags, and it repairs what it can), where factstore wants a
// plain, predictable form check.
bool IsLanguageTag(absl::string_view tag) {
  if (tag.empty() || tag.size() > kMaxLanguageTagBytes) return false;
  absl::string_view primary = PrimaryLanguage(tag);
  if (primary.size() < 2 || primary.size() > 3) return false;
  for (char c : primary) {
    if (!absl::ascii_isalpha(c)) return false;
  }
  if (primary.size() == tag.size()) return true;
  absl::string_view rest = tag.substr(primary.size() + 1);
  size_t part_length = 0;
  for (char c : rest) {
    if (c == '-') {
      if (part_length == 0) return false;
      part_length = 0;
    } else if (!absl::ascii_isalnum(c) || ++part_length > 8) {
      return false;
    }
  }
  return part_length > 0;
}

absl::string_view PrimaryLanguage(absl::string_view tag) {
  return tag.substr(0, tag.find('-'));
}

bool InLanguage(absl::string_view tag, absl::string_view wanted) {
  absl::string_view wanted_primary = PrimaryLanguage(wanted);
  if (absl::EqualsIgnoreCase(tag, wanted) ||
      absl::EqualsIgnoreCase(tag, wanted_primary)) {
    return true;
  }
  return wanted_primary.size() == wanted.size() &&
         absl::EqualsIgnoreCase(PrimaryLanguage(tag), wanted);
}

}  // namespace factstore
