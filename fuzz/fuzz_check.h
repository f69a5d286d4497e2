// FUZZ_CHECK: the invariant checks of factstore's fuzz targets. A failed
// check prints where and why and aborts, which libFuzzer (and the corpus
// driver) report as a crash with the input that caused it:
//
//   FUZZ_CHECK(IsCanonicalDecimal(q.amount())) << "amount " << q.amount();
#ifndef FACTSTORE_FUZZ_FUZZ_CHECK_H_
#define FACTSTORE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace factstore::fuzz {

// Collects the message of a failed check; aborts when it goes away.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    message_ << file << ":" << line << ": check failed: " << condition;
  }
  ~CheckFailure() {
    std::string text = message_.str();
    std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    if (first_) {
      message_ << ": ";
      first_ = false;
    }
    message_ << value;
    return *this;
  }

 private:
  std::ostringstream message_;
  bool first_ = true;
};

// Bytes shown safely in a message.
inline std::string Show(absl::string_view bytes) {
  return "\"" + absl::CHexEscape(bytes) + "\"";
}

// True if `text` is well-formed UTF-8: no overlong forms, no surrogates,
// nothing above U+10FFFF. Written out here so that the targets do not check
// the code under test against itself.
inline bool IsStrictUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length;
    unsigned int cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3F);
    }
    if ((length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace factstore::fuzz

#define FUZZ_CHECK(condition) \
  if (condition) {            \
  } else                      \
    ::factstore::fuzz::CheckFailure(__FILE__, __LINE__, #condition)

#endif  // FACTSTORE_FUZZ_FUZZ_CHECK_H_
