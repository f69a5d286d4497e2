// Commit tokens: the opaque strings that name one commit of one store.
//
// Every write returns the token of its commit and every read reports the
// token of the commit it read at. A token carries the store's id, so a token
// from another store (or a typo) is rejected instead of silently meaning
// another commit. Clients must treat tokens as opaque; the format
// "<store id in hex>-<commit>" is for people reading logs.
//
// Watch resume tokens add the position within a commit: "<store>-<commit>.<n>"
// means "after the first n changes of that commit".
#ifndef FACTSTORE_STORAGE_COMMIT_TOKEN_H_
#define FACTSTORE_STORAGE_COMMIT_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace factstore::storage {

// A position in the commit log: after `offset` changes of `commit`, or after
// the whole commit when `offset` is kWholeCommit.
struct CommitPosition {
  static constexpr uint32_t kWholeCommit = 0xFFFFFFFFu;
  uint64_t commit = 0;
  uint32_t offset = kWholeCommit;
};

std::string EncodeCommitToken(uint32_t store_id, uint64_t commit);
std::string EncodeResumeToken(uint32_t store_id, CommitPosition position);

// Decodes a commit token of store `store_id`. Returns INVALID_ARGUMENT naming
// `field` if the token is malformed or belongs to another store.
absl::StatusOr<uint64_t> DecodeCommitToken(absl::string_view token,
                                           uint32_t store_id,
                                           absl::string_view field);

// Decodes a commit token or a resume token of store `store_id`.
absl::StatusOr<CommitPosition> DecodeResumeToken(absl::string_view token,
                                                 uint32_t store_id,
                                                 absl::string_view field);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_COMMIT_TOKEN_H_
