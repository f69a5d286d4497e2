#include "normalizer/value_parsers.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "normalizer/text_tokens.h"

namespace factstore::normalizer {
namespace {

// Folded forms (FoldName) of the yes/no words.
constexpr struct {
  absl::string_view word;
  bool value;
} kBooleanWords[] = {
    {"yes", true},   {"true", true}, {"no", false},     {"false", false},
    {"co", true},    {"dung", true}, {"khong", false},  {"sai", false},
    {"예", true},    {"네", true},   {"아니오", false}, {"아니요", false},
    {"아니", false},
};

absl::Status NotABoolean(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot read ", QuoteText(text), " as a yes/no value: ", why));
}

}  // namespace

absl::StatusOr<bool> ParseBoolean(absl::string_view text,
                                  absl::string_view /*language*/) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(text);
  if (!tokens.ok()) return NotABoolean(text, tokens.status().message());
  const Token* word = nullptr;
  for (const Token& token : *tokens) {
    bool trailing_mark = token.kind == TokenKind::kSymbol &&
                         (token.text == "." || token.text == "!") &&
                         word != nullptr;
    if (trailing_mark) continue;
    if (token.kind != TokenKind::kWord || word != nullptr) {
      word = nullptr;
      break;
    }
    word = &token;
  }
  if (word != nullptr) {
    for (const auto& b : kBooleanWords) {
      if (word->key == b.word) return b.value;
    }
  }
  return NotABoolean(text,
                     "expected yes, no, true, false, có, không, đúng, sai, 예, "
                     "네, 아니오 or 아니요");
}

}  // namespace factstore::normalizer
