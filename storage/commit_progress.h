// The primary's commit progress, published for followers.
//
// A RocksDB secondary only learns about new writes when it catches up, so it
// cannot tell by itself how far behind it is. After every commit the primary
// overwrites a tiny file in the data directory (PRIMARY_COMMIT: the commit
// number as 20 decimal digits and a newline); followers read it to report
// how many commits they do not see yet. It is advisory: no data depends on
// it, and it is not synced.
#ifndef FACTSTORE_STORAGE_COMMIT_PROGRESS_H_
#define FACTSTORE_STORAGE_COMMIT_PROGRESS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace factstore::storage {

inline constexpr char kCommitProgressFile[] = "PRIMARY_COMMIT";

class CommitProgressWriter {
 public:
  // Opens (creating) the progress file in `data_dir`.
  static absl::StatusOr<std::unique_ptr<CommitProgressWriter>> Open(
      const std::string& data_dir);
  ~CommitProgressWriter();

  // Records `commit` as the last one. Not thread-safe (the committer calls
  // it).
  void Publish(uint64_t commit);

 private:
  explicit CommitProgressWriter(int fd) : fd_(fd) {}
  int fd_;
};

// Reads the last commit the primary published in `data_dir`; NOT_FOUND if
// it has published none.
absl::StatusOr<uint64_t> ReadCommitProgress(const std::string& data_dir);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_COMMIT_PROGRESS_H_
