#include "storage/commit_progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace factstore::storage {
namespace {

constexpr size_t kRecordBytes = 21;  // 20 digits and '\n'

std::string PathIn(const std::string& data_dir) {
  return absl::StrCat(data_dir, "/", kCommitProgressFile);
}

}  // namespace

absl::StatusOr<std::unique_ptr<CommitProgressWriter>>
CommitProgressWriter::Open(const std::string& data_dir) {
  int fd = open(PathIn(data_dir).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", PathIn(data_dir), ": ", strerror(errno)));
  }
  return std::unique_ptr<CommitProgressWriter>(new CommitProgressWriter(fd));
}

CommitProgressWriter::~CommitProgressWriter() { close(fd_); }

void CommitProgressWriter::Publish(uint64_t commit) {
  // One small pwrite of a fixed-size record: readers see the old or the new
  // number.
  std::string record = absl::StrFormat("%020d\n", commit);
  ssize_t ignored = pwrite(fd_, record.data(), record.size(), 0);
  (void)ignored;
}

absl::StatusOr<uint64_t> ReadCommitProgress(const std::string& data_dir) {
  int fd = open(PathIn(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("no ", PathIn(data_dir)));
  }
  char buffer[kRecordBytes];
  ssize_t n = pread(fd, buffer, sizeof(buffer), 0);
  close(fd);
  uint64_t commit = 0;
  if (n != static_cast<ssize_t>(kRecordBytes) ||
      !absl::SimpleAtoi(absl::string_view(buffer, kRecordBytes - 1), &commit)) {
    return absl::NotFoundError(
        absl::StrCat(PathIn(data_dir), " is incomplete"));
  }
  return commit;
}

}  // namespace factstore::storage
