#include "common/decimal.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace factstore {
namespace {

// A non-negative decimal as a digit string and the number of digits after
// the point: "85.9" is {"859", 1}.
struct Unsigned {
  std::string digits;
  int scale = 0;
};

Unsigned Split(absl::string_view canonical) {
  Unsigned u;
  size_t dot = canonical.find('.');
  if (dot == absl::string_view::npos) {
    u.digits = std::string(canonical);
  } else {
    u.digits =
        absl::StrCat(canonical.substr(0, dot), canonical.substr(dot + 1));
    u.scale = static_cast<int>(canonical.size() - dot - 1);
  }
  return u;
}

// Builds the canonical form of digits * 10^-scale (digits may have leading
// zeros and scale may be negative).
std::string Join(bool negative, std::string digits, int scale) {
  if (scale < 0) {
    digits.append(static_cast<size_t>(-scale), '0');
    scale = 0;
  }
  if (static_cast<int>(digits.size()) <= scale) {
    digits.insert(0, static_cast<size_t>(scale) - digits.size() + 1, '0');
  }
  std::string integer = digits.substr(0, digits.size() - scale);
  std::string fraction = digits.substr(digits.size() - scale);
  size_t first = integer.find_first_not_of('0');
  integer = first == std::string::npos ? "0" : integer.substr(first);
  size_t last = fraction.find_last_not_of('0');
  fraction = last == std::string::npos ? "" : fraction.substr(0, last + 1);
  std::string out;
  if (negative && !(integer == "0" && fraction.empty())) out = "-";
  out += integer;
  if (!fraction.empty()) absl::StrAppend(&out, ".", fraction);
  return out;
}

// Compares non-negative canonical decimals.
int CompareMagnitudes(absl::string_view a, absl::string_view b) {
  size_t a_dot = std::min(a.find('.'), a.size());
  size_t b_dot = std::min(b.find('.'), b.size());
  if (a_dot != b_dot) return a_dot < b_dot ? -1 : 1;
  // Same number of integer digits: canonical forms compare as strings, with
  // a shorter fraction first when one is a prefix of the other.
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// The exponent of canonical `value` when it is a power of ten at least 1
// ("1" -> 0, "1000" -> 3); -1 otherwise.
int PowerOfTen(absl::string_view value) {
  if (value.empty() || value[0] != '1') return -1;
  for (size_t i = 1; i < value.size(); ++i) {
    if (value[i] != '0') return -1;
  }
  return static_cast<int>(value.size()) - 1;
}

}  // namespace

bool IsCanonicalDecimal(absl::string_view s) {
  if (s.empty() || s.size() > kMaxDecimalLength) return false;
  absl::string_view body = s;
  if (body[0] == '-') body.remove_prefix(1);
  if (body.empty()) return false;
  size_t dot = body.find('.');
  absl::string_view integer = body.substr(0, dot);
  if (integer.empty()) return false;
  for (char c : integer) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  if (integer.size() > 1 && integer[0] == '0') return false;
  if (dot != absl::string_view::npos) {
    absl::string_view fraction = body.substr(dot + 1);
    if (fraction.empty() || fraction.back() == '0') return false;
    for (char c : fraction) {
      if (!absl::ascii_isdigit(c)) return false;
    }
  } else if (s[0] == '-' && integer == "0") {
    return false;  // "-0"
  }
  return true;
}

absl::StatusOr<std::string> CanonicalizeDecimal(absl::string_view s) {
  absl::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  std::string digits;
  int scale = 0;
  bool seen_dot = false;
  for (char c : body) {
    if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else if (absl::ascii_isdigit(c)) {
      digits.push_back(c);
      if (seen_dot) ++scale;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("not a decimal number: \"", s, "\""));
    }
  }
  if (digits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a decimal number: \"", s, "\""));
  }
  std::string out = Join(negative, std::move(digits), scale);
  if (out.size() > kMaxDecimalLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "decimal number longer than ", kMaxDecimalLength, " characters"));
  }
  return out;
}

int CompareDecimals(absl::string_view a, absl::string_view b) {
  bool a_negative = !a.empty() && a[0] == '-';
  bool b_negative = !b.empty() && b[0] == '-';
  if (a_negative != b_negative) return a_negative ? -1 : 1;
  if (a_negative) return -CompareMagnitudes(a.substr(1), b.substr(1));
  return CompareMagnitudes(a, b);
}

std::string ShiftDecimal(absl::string_view value, int exponent) {
  if (exponent == 0) return std::string(value);
  bool negative = !value.empty() && value[0] == '-';
  Unsigned u = Split(negative ? value.substr(1) : value);
  return Join(negative, std::move(u.digits), u.scale - exponent);
}

std::string AddDecimals(absl::string_view a, absl::string_view b) {
  // The quantity grammar adds many zeros (numbers are read as sums of
  // terms); canonical operands make these exact without the digit loop.
  if (b == "0") return std::string(a);
  if (a == "0") return std::string(b);
  bool a_negative = !a.empty() && a[0] == '-';
  bool b_negative = !b.empty() && b[0] == '-';
  absl::string_view a_magnitude = a_negative ? a.substr(1) : a;
  absl::string_view b_magnitude = b_negative ? b.substr(1) : b;
  Unsigned x = Split(a_magnitude);
  Unsigned y = Split(b_magnitude);
  int scale = std::max(x.scale, y.scale);
  x.digits.append(static_cast<size_t>(scale - x.scale), '0');
  y.digits.append(static_cast<size_t>(scale - y.scale), '0');
  // Equally long, with room for a carry.
  size_t width = std::max(x.digits.size(), y.digits.size()) + 1;
  x.digits.insert(0, width - x.digits.size(), '0');
  y.digits.insert(0, width - y.digits.size(), '0');
  bool negative = a_negative;
  if (a_negative != b_negative) {
    // The difference of the magnitudes, the larger first; the sign is the
    // larger's.
    int order = CompareMagnitudes(a_magnitude, b_magnitude);
    if (order == 0) return "0";
    if (order < 0) {
      std::swap(x, y);
      negative = b_negative;
    }
  }
  std::string result(width, '0');
  int carry = 0;
  for (size_t i = width; i-- > 0;) {
    int d = x.digits[i] - '0';
    if (a_negative == b_negative) {
      d += (y.digits[i] - '0') + carry;
      carry = d / 10;
      d %= 10;
    } else {
      d -= (y.digits[i] - '0') + carry;
      carry = d < 0 ? 1 : 0;
      if (d < 0) d += 10;
    }
    result[i] = static_cast<char>('0' + d);
  }
  return Join(negative, std::move(result), scale);
}

std::string MultiplyDecimals(absl::string_view a, absl::string_view b) {
  // Most multipliers the quantity grammar meets are 1 or powers of ten
  // ("million", "tỷ", "만"): a shift of the other operand.
  if (a == "0" || b == "0") return "0";
  if (int exponent = PowerOfTen(b); exponent >= 0) {
    return ShiftDecimal(a, exponent);
  }
  if (int exponent = PowerOfTen(a); exponent >= 0) {
    return ShiftDecimal(b, exponent);
  }
  Unsigned x = Split(a);
  Unsigned y = Split(b);
  std::vector<int> product(x.digits.size() + y.digits.size(), 0);
  for (size_t i = 0; i < x.digits.size(); ++i) {
    for (size_t j = 0; j < y.digits.size(); ++j) {
      product[i + j + 1] += (x.digits[i] - '0') * (y.digits[j] - '0');
    }
  }
  for (size_t k = product.size() - 1; k > 0; --k) {
    product[k - 1] += product[k] / 10;
    product[k] %= 10;
  }
  std::string digits;
  digits.reserve(product.size());
  for (int d : product) digits.push_back(static_cast<char>('0' + d));
  return Join(false, std::move(digits), x.scale + y.scale);
}

}  // namespace factstore
