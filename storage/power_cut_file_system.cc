#include "storage/power_cut_file_system.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace factstore::storage {

// A file opened for writing: forwards to the real file and reports appends,
// syncs and truncations to the file system, which decides what a power cut
// keeps.
//
// Appends and syncs check the power before and after the real operation, but
// do not hold the lock across it, so that RocksDB's threads do not queue on
// one another's disk I/O. A sync counts only if the power was still on when
// it completed, and then only for the bytes whose appends had completed
// before it started: those are the bytes the real fsync is sure to cover.
class PowerCutFileSystem::TrackedFile
    : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<rocksdb::FSWritableFile> file,
              PowerCutFileSystem* fs, std::shared_ptr<FileState> state)
      : FSWritableFileOwnerWrapper(std::move(file)),
        fs_(fs),
        state_(std::move(state)) {}

  ~TrackedFile() override {
    MutexLock lock(&fs_->mu_);
    --state_->open_count;
  }

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("append");
    if (s.ok()) s = target()->Append(data, options, dbg);
    if (s.ok()) s = RecordWrite(/*offset=*/-1, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& verification,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("append");
    if (s.ok()) s = target()->Append(data, options, verification, dbg);
    if (s.ok()) s = RecordWrite(/*offset=*/-1, data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("positioned append");
    if (s.ok()) s = target()->PositionedAppend(data, offset, options, dbg);
    if (s.ok()) s = RecordWrite(static_cast<int64_t>(offset), data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(
      const rocksdb::Slice& data, uint64_t offset,
      const rocksdb::IOOptions& options,
      const rocksdb::DataVerificationInfo& verification,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("positioned append");
    if (s.ok()) {
      s = target()->PositionedAppend(data, offset, options, verification, dbg);
    }
    if (s.ok()) s = RecordWrite(static_cast<int64_t>(offset), data.size());
    return s;
  }

  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    MutexLock lock(&fs_->mu_);
    if (fs_->power_cut_) return PowerCutError("truncate");
    rocksdb::IOStatus s = target()->Truncate(size, options, dbg);
    if (s.ok()) {
      state_->written = size;
      state_->synced = std::min(state_->synced, size);
    }
    return s;
  }

  // Flush hands RocksDB's buffer to the operating system; like Close, it
  // makes nothing durable.
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("flush");
    if (s.ok()) s = target()->Flush(options, dbg);
    return s;
  }

  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg) override {
    uint64_t covered = 0;
    rocksdb::IOStatus s = StartSync("sync", &covered);
    if (s.ok()) s = target()->Sync(options, dbg);
    if (s.ok()) s = FinishSync("sync", covered);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    uint64_t covered = 0;
    rocksdb::IOStatus s = StartSync("fsync", &covered);
    if (s.ok()) s = target()->Fsync(options, dbg);
    if (s.ok()) s = FinishSync("fsync", covered);
    return s;
  }

  // Starts writeback only (sync_file_range): never counted as durable.
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("range sync");
    if (s.ok()) s = target()->RangeSync(offset, nbytes, options, dbg);
    return s;
  }

  // Preallocation changes the disk too, if only its free space.
  void PrepareWrite(size_t offset, size_t len,
                    const rocksdb::IOOptions& options,
                    rocksdb::IODebugContext* dbg) override {
    if (fs_->CheckPower("preallocate").ok()) {
      target()->PrepareWrite(offset, len, options, dbg);
    }
  }
  rocksdb::IOStatus Allocate(uint64_t offset, uint64_t len,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("preallocate");
    if (s.ok()) s = target()->Allocate(offset, len, options, dbg);
    return s;
  }

  // Close is inherited: it is forwarded even after the cut, since it
  // releases the descriptor and writes no data of its own; and whatever it
  // does, RestoreAfterCut later drops every unsynced byte.

 private:
  // `offset` < 0 means at the end of the file.
  rocksdb::IOStatus RecordWrite(int64_t offset, size_t size) {
    MutexLock lock(&fs_->mu_);
    if (fs_->power_cut_) {
      // The bytes reached the page cache after the cut; they are not synced,
      // so RestoreAfterCut removes them. RocksDB must not count on them.
      return PowerCutError("append");
    }
    uint64_t end = offset < 0 ? state_->written + size
                              : static_cast<uint64_t>(offset) + size;
    state_->written = std::max(state_->written, end);
    return rocksdb::IOStatus::OK();
  }

  rocksdb::IOStatus StartSync(const char* operation, uint64_t* covered) {
    MutexLock lock(&fs_->mu_);
    if (fs_->power_cut_) return PowerCutError(operation);
    *covered = state_->written;
    return rocksdb::IOStatus::OK();
  }

  rocksdb::IOStatus FinishSync(const char* operation, uint64_t covered) {
    MutexLock lock(&fs_->mu_);
    // The power went while the sync ran: the caller must not take the data
    // as durable, so neither do we.
    if (fs_->power_cut_) return PowerCutError(operation);
    state_->synced =
        std::max(state_->synced, std::min(covered, state_->written));
    return rocksdb::IOStatus::OK();
  }

  static rocksdb::IOStatus PowerCutError(const char* operation) {
    return rocksdb::IOStatus::IOError("power cut", operation);
  }

  PowerCutFileSystem* const fs_;
  const std::shared_ptr<FileState> state_;
};

// A directory whose fsync fails after the cut. Directory entries are not
// simulated, so before the cut it just forwards.
class PowerCutFileSystem::CutAwareDirectory
    : public rocksdb::FSDirectoryWrapper {
 public:
  CutAwareDirectory(std::unique_ptr<rocksdb::FSDirectory> dir,
                    const PowerCutFileSystem* fs)
      : FSDirectoryWrapper(std::move(dir)), fs_(fs) {}

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckPower("directory fsync");
    if (s.ok()) s = FSDirectoryWrapper::Fsync(options, dbg);
    return s;
  }
  rocksdb::IOStatus FsyncWithDirOptions(
      const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg,
      const rocksdb::DirFsyncOptions& dir_fsync_options) override {
    rocksdb::IOStatus s = fs_->CheckPower("directory fsync");
    if (s.ok()) {
      s = FSDirectoryWrapper::FsyncWithDirOptions(options, dbg,
                                                  dir_fsync_options);
    }
    return s;
  }

 private:
  const PowerCutFileSystem* const fs_;
};

PowerCutFileSystem::PowerCutFileSystem()
    : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

PowerCutFileSystem::~PowerCutFileSystem() = default;

void PowerCutFileSystem::CutPower() {
  MutexLock lock(&mu_);
  power_cut_ = true;
}

bool PowerCutFileSystem::power_cut() const {
  MutexLock lock(&mu_);
  return power_cut_;
}

absl::Status PowerCutFileSystem::RestoreAfterCut() {
  MutexLock lock(&mu_);
  if (!power_cut_) {
    return absl::FailedPreconditionError("RestoreAfterCut without a power cut");
  }
  for (const auto& [name, state] : files_) {
    if (state->open_count > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          name, " is still open; close the store before restoring"));
    }
  }
  for (const auto& [name, state] : files_) {
    // RocksDB 7.8's default file system does not implement Truncate by
    // name, so the restore truncates through POSIX itself.
    if (truncate(name.c_str(), static_cast<off_t>(state->synced)) != 0) {
      return absl::InternalError(
          absl::StrCat("truncating ", name, ": ", std::strerror(errno)));
    }
  }
  files_.clear();
  power_cut_ = false;
  return absl::OkStatus();
}

uint64_t PowerCutFileSystem::UnsyncedBytes() const {
  MutexLock lock(&mu_);
  // A linked file is tracked under two names; count it once.
  std::set<const FileState*> seen;
  uint64_t total = 0;
  for (const auto& [name, state] : files_) {
    if (seen.insert(state.get()).second)
      total += state->written - state->synced;
  }
  return total;
}

rocksdb::IOStatus PowerCutFileSystem::CheckPower(const char* operation) const {
  MutexLock lock(&mu_);
  if (power_cut_) return rocksdb::IOStatus::IOError("power cut", operation);
  return rocksdb::IOStatus::OK();
}

std::shared_ptr<PowerCutFileSystem::FileState> PowerCutFileSystem::Track(
    const std::string& fname, uint64_t durable_bytes) {
  auto state = std::make_shared<FileState>();
  state->written = durable_bytes;
  state->synced = durable_bytes;
  files_[fname] = state;
  return state;
}

rocksdb::IOStatus PowerCutFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  // Held across the open so that no file appears after the cut.
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "create " + fname);
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->NewWritableFile(fname, file_opts, &file, dbg);
  if (!s.ok()) return s;
  // The file is created empty (or truncated): nothing of it is durable yet.
  std::shared_ptr<FileState> state = Track(fname, 0);
  state->open_count = 1;
  *result =
      std::make_unique<TrackedFile>(std::move(file), this, std::move(state));
  return s;
}

rocksdb::IOStatus PowerCutFileSystem::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "reopen " + fname);
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s =
      target()->ReopenWritableFile(fname, file_opts, &file, dbg);
  if (!s.ok()) return s;
  std::shared_ptr<FileState> state;
  auto it = files_.find(fname);
  if (it != files_.end()) {
    // Written through this file system before: what was synced stays so.
    state = it->second;
  } else {
    // Its bytes predate the simulation (or a restore), so they are durable.
    uint64_t size = 0;
    s = target()->GetFileSize(fname, rocksdb::IOOptions(), &size, dbg);
    if (!s.ok()) return s;
    state = Track(fname, size);
  }
  ++state->open_count;
  *result =
      std::make_unique<TrackedFile>(std::move(file), this, std::move(state));
  return s;
}

rocksdb::IOStatus PowerCutFileSystem::ReuseWritableFile(
    const std::string& fname, const std::string& /*old_fname*/,
    const rocksdb::FileOptions& /*file_opts*/,
    std::unique_ptr<rocksdb::FSWritableFile>* /*result*/,
    rocksdb::IODebugContext* /*dbg*/) {
  // A recycled WAL keeps its old bytes past the new ones, which recovery
  // reads; cutting it at its synced length would not model that.
  return rocksdb::IOStatus::NotSupported(
      "PowerCutFileSystem does not model recycled files", fname);
}

rocksdb::IOStatus PowerCutFileSystem::NewRandomRWFile(
    const std::string& fname, const rocksdb::FileOptions& /*file_opts*/,
    std::unique_ptr<rocksdb::FSRandomRWFile>* /*result*/,
    rocksdb::IODebugContext* /*dbg*/) {
  return rocksdb::IOStatus::NotSupported(
      "PowerCutFileSystem does not model random-access writes", fname);
}

rocksdb::IOStatus PowerCutFileSystem::NewDirectory(
    const std::string& name, const rocksdb::IOOptions& io_opts,
    std::unique_ptr<rocksdb::FSDirectory>* result,
    rocksdb::IODebugContext* dbg) {
  // Opening a directory changes nothing on disk, so it works after the cut;
  // its fsync does not.
  std::unique_ptr<rocksdb::FSDirectory> dir;
  rocksdb::IOStatus s = target()->NewDirectory(name, io_opts, &dir, dbg);
  if (!s.ok()) return s;
  *result = std::make_unique<CutAwareDirectory>(std::move(dir), this);
  return s;
}

rocksdb::IOStatus PowerCutFileSystem::DeleteFile(
    const std::string& fname, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "delete " + fname);
  rocksdb::IOStatus s = target()->DeleteFile(fname, options, dbg);
  if (s.ok()) files_.erase(fname);
  return s;
}

rocksdb::IOStatus PowerCutFileSystem::Truncate(
    const std::string& fname, size_t size, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "truncate " + fname);
  rocksdb::IOStatus s = target()->Truncate(fname, size, options, dbg);
  auto it = files_.find(fname);
  if (s.ok() && it != files_.end()) {
    it->second->written = size;
    it->second->synced = std::min<uint64_t>(it->second->synced, size);
  }
  return s;
}

rocksdb::IOStatus PowerCutFileSystem::CreateDir(
    const std::string& dirname, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "mkdir " + dirname);
  return target()->CreateDir(dirname, options, dbg);
}

rocksdb::IOStatus PowerCutFileSystem::CreateDirIfMissing(
    const std::string& dirname, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "mkdir " + dirname);
  return target()->CreateDirIfMissing(dirname, options, dbg);
}

rocksdb::IOStatus PowerCutFileSystem::DeleteDir(
    const std::string& dirname, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "rmdir " + dirname);
  return target()->DeleteDir(dirname, options, dbg);
}

rocksdb::IOStatus PowerCutFileSystem::RenameFile(
    const std::string& src, const std::string& target_name,
    const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_)
    return rocksdb::IOStatus::IOError("power cut", "rename " + src);
  rocksdb::IOStatus s = target()->RenameFile(src, target_name, options, dbg);
  if (!s.ok()) return s;
  // Whatever the target name held is gone; the source's state moves over.
  auto it = files_.find(src);
  std::shared_ptr<FileState> moved;
  if (it != files_.end()) {
    moved = std::move(it->second);
    files_.erase(it);
  }
  if (moved != nullptr) {
    files_[target_name] = std::move(moved);
  } else {
    files_.erase(target_name);
  }
  return s;
}

rocksdb::IOStatus PowerCutFileSystem::LinkFile(
    const std::string& src, const std::string& target_name,
    const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  MutexLock lock(&mu_);
  if (power_cut_) return rocksdb::IOStatus::IOError("power cut", "link " + src);
  rocksdb::IOStatus s = target()->LinkFile(src, target_name, options, dbg);
  if (!s.ok()) return s;
  // Both names are one file now: share its state, so that a restore cuts
  // it the same under either name.
  auto it = files_.find(src);
  if (it != files_.end()) files_[target_name] = it->second;
  return s;
}

}  // namespace factstore::storage
