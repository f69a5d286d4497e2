#include "replication/store_snapshot.h"

#include <memory>

#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "storage/key_codec.h"

namespace factstore::replication {
namespace {

// Releases a RocksDB snapshot when it goes out of scope.
class SnapshotHold {
 public:
  explicit SnapshotHold(rocksdb::DB* db)
      : db_(db), snapshot_(db->GetSnapshot()) {}
  ~SnapshotHold() { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace

absl::Status ForEachSnapshotBatch(
    const storage::Store& store, size_t target_bytes,
    const std::function<absl::Status(std::string batch, bool last)>& emit) {
  SnapshotHold hold(store.db());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = hold.get();
  // Reading everything once: do not push the hot set out of the cache.
  read_options.fill_cache = false;
  // One batch is held back until the next is started, so that the final
  // one can be emitted with last = true.
  std::unique_ptr<rocksdb::WriteBatch> ready;
  auto batch = std::make_unique<rocksdb::WriteBatch>();
  for (storage::ColumnFamily cf : storage::kAllColumnFamilies) {
    rocksdb::ColumnFamilyHandle* handle = store.handle(cf);
    std::unique_ptr<rocksdb::Iterator> it(
        store.db()->NewIterator(read_options, handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (cf == storage::ColumnFamily::kMeta &&
          it->key() == rocksdb::Slice(storage::kLogPositionKey.data(),
                                      storage::kLogPositionKey.size())) {
        continue;  // each replica keeps its own
      }
      if (batch->Count() > 0 &&
          batch->GetDataSize() + it->key().size() + it->value().size() >
              target_bytes) {
        if (ready != nullptr) {
          absl::Status sent = emit(ready->Data(), /*last=*/false);
          if (!sent.ok()) return sent;
        }
        ready = std::move(batch);
        batch = std::make_unique<rocksdb::WriteBatch>();
      }
      rocksdb::Status put = batch->Put(handle, it->key(), it->value());
      if (!put.ok()) return storage::FromRocksStatus(put, "snapshot batch");
    }
    if (!it->status().ok()) {
      return storage::FromRocksStatus(it->status(),
                                      "read the store for a snapshot");
    }
  }
  if (ready != nullptr) {
    absl::Status sent = emit(ready->Data(), /*last=*/batch->Count() == 0);
    if (!sent.ok() || batch->Count() == 0) return sent;
  }
  return emit(batch->Data(), /*last=*/true);
}

absl::StatusOr<std::string> NewStoreBatch(bool index_words) {
  absl::StatusOr<storage::StoreIdentity> identity =
      storage::Store::NewIdentity(index_words);
  if (!identity.ok()) return identity.status();
  // kMeta is RocksDB's default family, which Put without a family writes.
  rocksdb::WriteBatch batch;
  rocksdb::Status put = batch.Put(std::string(storage::kIdentityKey),
                                  identity->SerializeAsString());
  if (put.ok()) {
    put = batch.Put(std::string(storage::kHeadKey),
                    storage::StoreHead().SerializeAsString());
  }
  if (!put.ok()) return storage::FromRocksStatus(put, "new store batch");
  return batch.Data();
}

}  // namespace factstore::replication
