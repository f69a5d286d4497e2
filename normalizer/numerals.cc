#include "normalizer/numerals.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/decimal.h"

namespace factstore::normalizer {
namespace {

absl::Status NotANumber(absl::string_view raw, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(QuoteText(raw), " is not a number: ", why));
}

// Whether `groups` are thousands groups: 1-3 digits not starting with 0, then
// groups of exactly 3.
bool AreThousandsGroups(const std::vector<absl::string_view>& groups) {
  if (groups.empty() || groups[0].empty() || groups[0].size() > 3 ||
      groups[0][0] == '0') {
    return false;
  }
  for (size_t i = 1; i < groups.size(); ++i) {
    if (groups[i].size() != 3) return false;
  }
  return true;
}

std::string Concat(const std::vector<absl::string_view>& groups) {
  std::string out;
  for (absl::string_view g : groups) out.append(g.data(), g.size());
  return out;
}

}  // namespace

absl::StatusOr<std::string> ReadDigitGroups(absl::string_view raw,
                                            Language language) {
  std::vector<absl::string_view> groups;
  std::vector<char> separators;
  size_t start = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == ',' || c == '.') {
      if (i == start) return NotANumber(raw, "misplaced separator");
      groups.push_back(raw.substr(start, i - start));
      separators.push_back(c);
      start = i + 1;
    } else if (!absl::ascii_isdigit(c)) {
      return NotANumber(raw, "unexpected character");
    }
  }
  if (start >= raw.size()) return NotANumber(raw, "misplaced separator");
  groups.push_back(raw.substr(start));

  std::string plain;  // digits and at most one '.'
  if (separators.empty()) {
    plain = std::string(raw);
  } else {
    size_t commas = 0;
    for (char s : separators) commas += s == ',';
    const size_t dots = separators.size() - commas;
    if (commas > 0 && dots > 0) {
      // Both kinds: the last separator is the decimal point.
      const char decimal = separators.back();
      for (size_t i = 0; i + 1 < separators.size(); ++i) {
        if (separators[i] == decimal) {
          return NotANumber(raw, "two decimal separators");
        }
      }
      std::vector<absl::string_view> integer(groups.begin(), groups.end() - 1);
      if (!AreThousandsGroups(integer)) {
        return NotANumber(raw, "digit groups are not groups of three");
      }
      plain = absl::StrCat(Concat(integer), ".", groups.back());
    } else if (separators.size() >= 2) {
      if (!AreThousandsGroups(groups)) {
        return NotANumber(raw, "digit groups are not groups of three");
      }
      plain = Concat(groups);
    } else {
      const char separator = separators[0];
      const bool grouped = AreThousandsGroups(groups);
      const bool vietnamese = language == Language::kVietnamese;
      const char thousands = vietnamese ? '.' : ',';
      if (separator == thousands && grouped) {
        plain = Concat(groups);
      } else if (separator == thousands && !vietnamese) {
        return NotANumber(
            raw,
            "\",\" separates thousands only before three digits (the decimal "
            "point is \".\")");
      } else {
        plain = absl::StrCat(groups[0], ".", groups[1]);
      }
    }
  }
  absl::StatusOr<std::string> canonical = CanonicalizeDecimal(plain);
  if (!canonical.ok()) {
    return NotANumber(
        raw, absl::StrCat("longer than ", kMaxDecimalLength, " characters"));
  }
  return canonical;
}

}  // namespace factstore::normalizer
