#include "query_service/document_cache.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "storage/record_views.h"

namespace factstore::query {
namespace {

using SharedEntry = std::shared_ptr<const DocumentCache::Entry>;

void DeleteEntry(const rocksdb::Slice& /*key*/, void* value) {
  delete static_cast<SharedEntry*>(value);
}

rocksdb::Slice AsSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

}  // namespace

DocumentCache::DocumentCache(size_t capacity_bytes)
    : entries_(capacity_bytes > 0 ? rocksdb::NewLRUCache(capacity_bytes)
                                  : nullptr) {}

void DocumentCache::Follow(uint32_t store_id, const storage::StoreHead& head) {
  // Entries of another history may have any epoch up to highest_epoch_.
  if (store_id != followed_store_id_ || head.last_commit() < followed_commit_) {
    history_offset_ = highest_epoch_;
  }
  followed_store_id_ = store_id;
  followed_commit_ = head.last_commit();
  if (head.last_commit() == 0 ||
      head.documents_kept_commit() != head.last_commit()) {
    epoch_.store(kUncached);
    return;
  }
  const uint64_t epoch = history_offset_ + head.documents_changed_commit() + 1;
  highest_epoch_ = std::max(highest_epoch_, epoch);
  epoch_.store(epoch);
}

std::shared_ptr<const DocumentCache::Entry> DocumentCache::Find(
    absl::string_view document_id, uint64_t epoch) const {
  if (entries_ == nullptr || epoch == kUncached) return nullptr;
  SharedEntry entry;
  if (rocksdb::Cache::Handle* handle = entries_->Lookup(AsSlice(document_id));
      handle != nullptr) {
    entry = *static_cast<SharedEntry*>(entries_->Value(handle));
    entries_->Release(handle);
  }
  if (entry == nullptr || entry->epoch < epoch) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return entry;
}

std::shared_ptr<const DocumentCache::Entry> DocumentCache::MakeEntry(
    uint64_t epoch, std::string record) {
  auto entry = std::make_shared<Entry>();
  entry->epoch = epoch;
  entry->record = std::move(record);
  uint64_t latest_revision = 0;
  absl::StatusOr<v1::DocumentMetadata> latest = storage::DocumentAsOf(
      entry->record, std::numeric_limits<uint64_t>::max(), &latest_revision);
  if (latest.ok()) {
    entry->latest_from = latest_revision;
    entry->latest = *std::move(latest);
  }
  return entry;
}

void DocumentCache::Insert(absl::string_view document_id,
                           std::shared_ptr<const Entry> entry) {
  if (entries_ == nullptr || entry->epoch == kUncached) return;
  // The cache adds its own bookkeeping of each entry (its handle and key).
  // The decoded document's strings are about its encoded size.
  const size_t charge =
      sizeof(Entry) + entry->record.capacity() +
      (entry->latest.has_value() ? entry->latest->ByteSizeLong() : 0);
  // An entry of an older epoch than the one kept only costs a read later;
  // a failed insert (the cache full of entries in use) only the same.
  entries_
      ->Insert(AsSlice(document_id), new SharedEntry(std::move(entry)), charge,
               &DeleteEntry)
      .PermitUncheckedError();
}

size_t DocumentCache::usage_bytes() const {
  return entries_ == nullptr ? 0 : entries_->GetUsage();
}

}  // namespace factstore::query
