// MentionDocuments: fills in what describes each mention's source document
// (url, title, publisher, publication date, language) from the document,
// which keeps it once (Entity.document) instead of every mention keeping a
// copy (ingest_service/fact_ops.cc stores mentions without them).
//
//   MentionDocuments documents(store, commit);
//   FS_RETURN_IF_ERROR(documents.Fill(&fact));
//   FS_RETURN_IF_ERROR(documents.Fill(response.mutable_facts()));  // a page
//
// Documents are read as of one commit, each once per object: use one per
// read. A page's documents are found in the cache if one is given, and the
// others read at once (one RocksDB MultiGet) and kept there; of each only
// its document metadata is decoded (record_views.h DocumentAsOf).
// Not thread-safe.
#ifndef FACTSTORE_QUERY_SERVICE_MENTION_DOCUMENTS_H_
#define FACTSTORE_QUERY_SERVICE_MENTION_DOCUMENTS_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "factstore/v1/types.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "query_service/document_cache.h"
#include "storage/store.h"

namespace factstore::query {

class MentionDocuments {
 public:
  // REQUIRES: `store` and `cache` (if not null) outlive this object; it is
  // made after the read's commit is chosen (document_cache.h).
  MentionDocuments(const storage::Store* store, uint64_t commit,
                   DocumentCache* cache = nullptr)
      : store_(store),
        commit_(commit),
        cache_(cache),
        epoch_(cache != nullptr ? cache->epoch() : DocumentCache::kUncached) {}
  // Not copyable: documents_ points into the object's own decoded_.
  MentionDocuments(const MentionDocuments&) = delete;
  MentionDocuments& operator=(const MentionDocuments&) = delete;

  // Sets the document fields of each mention of `fact` that its document has
  // at the commit. Returns the error of reading a document; a document that
  // does not exist (then) leaves the mention as stored.
  absl::Status Fill(v1::Fact* fact) { return Fill(absl::MakeSpan(&fact, 1)); }
  // The same for each fact of a page, reading the documents not read before
  // at once.
  absl::Status Fill(absl::Span<v1::Fact* const> facts);
  absl::Status Fill(google::protobuf::RepeatedPtrField<v1::Fact>* facts);

 private:
  // The metadata of `document_id` at commit_, from its serialized record,
  // into documents_ (and decoded_).
  absl::Status Decode(const std::string& document_id, absl::string_view record);
  // The same from a cache entry: its decoded latest document when commit_
  // is at or after it (kept alive in held_, not copied), else decoded from
  // its record.
  absl::Status Take(const std::string& document_id,
                    std::shared_ptr<const DocumentCache::Entry> entry);

  const storage::Store* store_;
  const uint64_t commit_;
  DocumentCache* const cache_;
  const uint64_t epoch_;
  // Document id -> what it had at commit_ (empty metadata if it did not
  // exist then): an element of decoded_ or the latest document of an entry
  // in held_; null if the store has no record of it.
  absl::flat_hash_map<std::string, const v1::DocumentMetadata*> documents_;
  // The documents this object decoded; a deque, so that they stay where
  // documents_ points as more are added.
  std::deque<v1::DocumentMetadata> decoded_;
  // The cache entries whose latest documents documents_ points at.
  std::vector<std::shared_ptr<const DocumentCache::Entry>> held_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_MENTION_DOCUMENTS_H_
