#include "query_service/read_target.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/language_tag.h"
#include "common/limits.h"
#include "common/status_macros.h"
#include "storage/commit_token.h"

namespace factstore::query {

absl::StatusOr<ReadTarget> ParseReadOptions(const v1::ReadOptions& options,
                                            uint32_t store_id,
                                            absl::string_view field) {
  ReadTarget target;
  if (options.languages_size() > kMaxReadLanguages) {
    return InvalidField(
        absl::StrCat(field, ".languages"),
        absl::StrCat(options.languages_size(), " languages, at most ",
                     kMaxReadLanguages));
  }
  for (int i = 0; i < options.languages_size(); ++i) {
    if (!IsLanguageTag(options.languages(i))) {
      return InvalidField(
          absl::StrCat(field, ".languages[", i, "]"),
          "is not a BCP-47 language tag like \"vi\", \"ko\" or \"en\"");
    }
  }
  if (!options.min_commit().empty()) {
    FS_ASSIGN_OR_RETURN(
        target.wait_for,
        storage::DecodeCommitToken(options.min_commit(), store_id,
                                   absl::StrCat(field, ".min_commit")));
  }
  if (!options.as_of().empty()) {
    FS_ASSIGN_OR_RETURN(
        uint64_t at, storage::DecodeCommitToken(options.as_of(), store_id,
                                                absl::StrCat(field, ".as_of")));
    target.at = at;
    target.wait_for = std::max(target.wait_for, at);
  } else if (options.has_as_of_time()) {
    const google::protobuf::Timestamp& t = options.as_of_time();
    if (t.seconds() < 0 || t.nanos() < 0 || t.nanos() > 999999999) {
      return InvalidField(absl::StrCat(field, ".as_of_time"),
                          "not a valid timestamp");
    }
    // Not TimeUtil::TimestampToNanoseconds: int64 nanoseconds end in 2262.
    target.at_time =
        absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  }
  return target;
}

absl::StatusOr<uint64_t> CommitAtTime(const storage::Store& store,
                                      absl::Time time, uint64_t visible) {
  // Commit times never decrease along the log, so binary search works.
  int64_t micros = absl::ToUnixMicros(time);
  uint64_t lo = 0, hi = visible;  // answer in [lo, hi]
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    FS_ASSIGN_OR_RETURN(storage::CommitRecord record, store.ReadCommit(mid));
    if (record.time_micros() <= micros) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

absl::StatusOr<uint64_t> ResolveReadCommit(const storage::Store& store,
                                           const ReadTarget& target,
                                           uint64_t visible) {
  if (target.at.has_value()) return *target.at;
  if (target.at_time.has_value()) {
    return CommitAtTime(store, *target.at_time, visible);
  }
  return visible;
}

}  // namespace factstore::query
