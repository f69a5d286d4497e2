#include "storage/commit_token.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace factstore::storage {
namespace {

absl::Status Malformed(absl::string_view token, absl::string_view field,
                       absl::string_view why) {
  return InvalidField(
      field, absl::StrCat("invalid commit token \"",
                          absl::CHexEscape(token.substr(0, 64)), "\": ", why));
}

bool AllDigits(absl::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

// Tokens are made for every fact a read returns, several times a fact, so
// they are put together with StrCat, not a format string parsed at each call.
std::string EncodeCommitToken(uint32_t store_id, uint64_t commit) {
  return absl::StrCat(absl::Hex(store_id, absl::kZeroPad8), "-", commit);
}

std::string EncodeResumeToken(uint32_t store_id, CommitPosition position) {
  if (position.offset == CommitPosition::kWholeCommit) {
    return EncodeCommitToken(store_id, position.commit);
  }
  return absl::StrCat(absl::Hex(store_id, absl::kZeroPad8), "-",
                      position.commit, ".", position.offset);
}

absl::StatusOr<CommitPosition> DecodeResumeToken(absl::string_view token,
                                                 uint32_t store_id,
                                                 absl::string_view field) {
  if (token.size() < 10 || token[8] != '-') {
    return Malformed(token, field, "not a factstore commit token");
  }
  uint32_t token_store = 0;
  for (char c : token.substr(0, 8)) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) {
      return Malformed(token, field, "not a factstore commit token");
    }
  }
  if (!absl::SimpleHexAtoi(token.substr(0, 8), &token_store)) {
    return Malformed(token, field, "not a factstore commit token");
  }
  if (token_store != store_id) {
    return Malformed(token, field, "it belongs to another store");
  }
  absl::string_view rest = token.substr(9);
  CommitPosition position;
  size_t dot = rest.find('.');
  absl::string_view commit_text = rest.substr(0, dot);
  if (!AllDigits(commit_text) ||
      !absl::SimpleAtoi(commit_text, &position.commit)) {
    return Malformed(token, field, "bad commit number");
  }
  if (dot != absl::string_view::npos) {
    absl::string_view offset_text = rest.substr(dot + 1);
    if (!AllDigits(offset_text) ||
        !absl::SimpleAtoi(offset_text, &position.offset) ||
        position.offset == CommitPosition::kWholeCommit) {
      return Malformed(token, field, "bad position");
    }
  }
  return position;
}

absl::StatusOr<uint64_t> DecodeCommitToken(absl::string_view token,
                                           uint32_t store_id,
                                           absl::string_view field) {
  auto position = DecodeResumeToken(token, store_id, field);
  if (!position.ok()) return position.status();
  if (position->offset != CommitPosition::kWholeCommit) {
    return Malformed(token, field,
                     "a watch resume token is not a commit token");
  }
  return position->commit;
}

}  // namespace factstore::storage
