// PowerCutFileSystem: a RocksDB file system for tests that can simulate the
// machine losing power under a store, then leave on disk only what a real
// disk would be guaranteed to hold: the bytes of each file up to its last
// completed sync.
//
//   auto fs = std::make_shared<PowerCutFileSystem>();
//   std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
//   StoreOptions options;
//   options.env = env.get();
//   FS_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                       Store::OpenPrimary(path, options));
//   ... writes ...
//   fs->CutPower();  // nothing written from now on reaches the disk
//   store.reset();   // RocksDB closes; its writes fail, which is fine
//   FS_RETURN_IF_ERROR(fs->RestoreAfterCut());  // drop the unsynced bytes
//   // Reopen with the default file system and look at what survived.
//
// What is simulated: file contents. For every file opened for writing
// through it, the file system counts the bytes written and the bytes made
// durable. Only a completed Sync or Fsync of the file makes its bytes so far
// durable. Neither RangeSync nor Flush nor Close does: RangeSync
// (sync_file_range) only starts writeback, without waiting for it and
// without persisting the file's size, and RocksDB never relies on it for
// durability; Close leaves data in the page cache.
//
// What is not simulated: directory entries. Creating, renaming and deleting
// files before the cut are durable at once, as if every directory were
// fsynced right after each change. A file created before the cut but never
// synced therefore survives as an empty file (its entry is durable, its
// bytes are not), which is also what a journaling file system often leaves:
// a zero-length file. Deleting it instead would be a directory change the
// model does not make. Torn writes are not simulated either: a file is cut
// exactly at its last synced length, never in the middle of a record.
//
// After CutPower, every operation that would change the disk fails with an
// IOError and changes nothing: creating or reopening a file for writing,
// appending, flushing, syncing (files and directories), truncating,
// renaming, linking, deleting, creating or deleting directories. Failing
// rather than silently dropping means RocksDB never acknowledges a write
// after the cut; it stops with a background error and its Close reports
// errors, which is what a test wants. Reads and closing files still work.
//
// Until RestoreAfterCut, files still hold everything written before the
// cut: the unsynced bytes are removed then, not at the cut, so nothing
// should read the store in between.
//
// Only files opened through NewWritableFile and ReopenWritableFile are
// tracked. RocksDB's info log (LOG) is not: the wrapped file system opens it
// itself through NewLogger, so it keeps being written after the cut and is
// never cut. It holds diagnostics only, nothing recovery reads.
// NewRandomRWFile and ReuseWritableFile (WAL recycling) are refused, since
// their writes could not be cut correctly; factstore's store uses neither.
//
// Thread safety: all methods may be called concurrently, as RocksDB does from
// its foreground and background threads. The file system must outlive every
// file it opened (RocksDB keeps it alive through its Env while a database is
// open).
#ifndef FACTSTORE_STORAGE_POWER_CUT_FILE_SYSTEM_H_
#define FACTSTORE_STORAGE_POWER_CUT_FILE_SYSTEM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "common/mutex.h"
#include "rocksdb/file_system.h"

namespace factstore::storage {

class PowerCutFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // Wraps rocksdb::FileSystem::Default(), with the power on.
  PowerCutFileSystem();
  ~PowerCutFileSystem() override;

  static const char* kClassName() { return "FactstorePowerCutFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // From now on, every operation that would change the disk fails with an
  // IOError and changes nothing (see the list above). Idempotent.
  void CutPower();

  // Truncates every tracked file to its synced length (files never synced
  // become empty), forgets them, and turns the power back on: later writes
  // go through and are tracked anew. Returns FAILED_PRECONDITION without
  // changing anything if the power is on or a tracked file is still open
  // (destroy the store first), and the file system's error if a truncation
  // fails.
  absl::Status RestoreAfterCut();

  // Bytes written to tracked files and not yet synced: what RestoreAfterCut
  // would remove now.
  uint64_t UnsyncedBytes() const;

  // Whether the power is cut now.
  bool power_cut() const;

  // rocksdb::FileSystem, the side that changes the disk. Each fails with an
  // IOError after the cut; the ones that open files for writing start
  // tracking them. (The default file system does not implement Truncate by
  // name; RocksDB copes, and so does RestoreAfterCut.)
  rocksdb::IOStatus NewWritableFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSRandomRWFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name,
                                 const rocksdb::IOOptions& io_opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src,
                               const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;

 private:
  // The file and directory objects handed out; defined in the .cc file.
  class TrackedFile;
  class CutAwareDirectory;

  // What is known about one file opened for writing. Shared between files_
  // (under the file's current name) and the open file object, so that
  // renaming or deleting an open file keeps the two in step. Guarded by mu_.
  struct FileState {
    // Length of the file as written through this file system.
    uint64_t written = 0;
    // Of those, the bytes a completed Sync or Fsync has made durable.
    uint64_t synced = 0;
    // File objects that refer to it (a reopened file may have two).
    int open_count = 0;
  };

  // Returns an IOError naming `operation` if the power is cut.
  rocksdb::IOStatus CheckPower(const char* operation) const;
  // Starts tracking `fname`, whose first `durable_bytes` are on disk already,
  // replacing what was known under that name.
  std::shared_ptr<FileState> Track(const std::string& fname,
                                   uint64_t durable_bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  bool power_cut_ ABSL_GUARDED_BY(mu_) = false;
  // Tracked files by their current name.
  std::map<std::string, std::shared_ptr<FileState>> files_ ABSL_GUARDED_BY(mu_);
};

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_POWER_CUT_FILE_SYSTEM_H_
