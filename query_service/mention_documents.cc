#include "query_service/mention_documents.h"

#include <memory>
#include <utility>
#include <vector>

#include "storage/record_views.h"

namespace factstore::query {

absl::Status MentionDocuments::Fill(absl::Span<v1::Fact* const> facts) {
  // The documents not read before, each once; they get their metadata below
  // (an absent one keeps the null it is entered with).
  std::vector<std::string> unread;
  for (const v1::Fact* fact : facts) {
    for (const v1::Mention& mention : fact->mentions()) {
      if (documents_.try_emplace(mention.document_id()).second) {
        unread.push_back(mention.document_id());
      }
    }
  }
  // On an error none of them counts as read.
  const auto forget_unread = [&](absl::Status error) {
    for (const std::string& id : unread) documents_.erase(id);
    return error;
  };
  // Those the cache has not got are read from the store at once.
  std::vector<std::string> to_read;
  for (const std::string& id : unread) {
    std::shared_ptr<const DocumentCache::Entry> cached =
        cache_ != nullptr ? cache_->Find(id, epoch_) : nullptr;
    if (cached == nullptr) {
      to_read.push_back(id);
    } else if (absl::Status taken = Take(id, std::move(cached)); !taken.ok()) {
      return forget_unread(taken);
    }
  }
  if (!to_read.empty()) {
    std::vector<absl::StatusOr<std::string>> records =
        store_->ReadEntityValues(to_read);
    for (size_t i = 0; i < to_read.size(); ++i) {
      if (absl::IsNotFound(records[i].status())) continue;
      if (!records[i].ok()) return forget_unread(records[i].status());
      if (cache_ == nullptr) {
        if (absl::Status decoded = Decode(to_read[i], *records[i]);
            !decoded.ok()) {
          return forget_unread(decoded);
        }
        continue;
      }
      // Absences are not kept (document_cache.h says why).
      std::shared_ptr<const DocumentCache::Entry> entry =
          DocumentCache::MakeEntry(epoch_, *std::move(records[i]));
      if (absl::Status taken = Take(to_read[i], entry); !taken.ok()) {
        return forget_unread(taken);
      }
      cache_->Insert(to_read[i], std::move(entry));
    }
  }
  for (v1::Fact* fact : facts) {
    for (v1::Mention& mention : *fact->mutable_mentions()) {
      const v1::DocumentMetadata* document =
          documents_.at(mention.document_id());
      if (document != nullptr) {
        storage::FillMentionDocument(*document, &mention);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status MentionDocuments::Decode(const std::string& document_id,
                                      absl::string_view record) {
  absl::StatusOr<v1::DocumentMetadata> document =
      storage::DocumentAsOf(record, commit_);
  if (!document.ok()) return document.status();
  documents_[document_id] = &decoded_.emplace_back(*std::move(document));
  return absl::OkStatus();
}

absl::Status MentionDocuments::Take(
    const std::string& document_id,
    std::shared_ptr<const DocumentCache::Entry> entry) {
  if (entry->latest.has_value() && commit_ >= entry->latest_from) {
    documents_[document_id] = &*entry->latest;
    held_.push_back(std::move(entry));
    return absl::OkStatus();
  }
  return Decode(document_id, entry->record);
}

absl::Status MentionDocuments::Fill(
    google::protobuf::RepeatedPtrField<v1::Fact>* facts) {
  std::vector<v1::Fact*> pointers;
  pointers.reserve(static_cast<size_t>(facts->size()));
  for (v1::Fact& fact : *facts) pointers.push_back(&fact);
  return Fill(absl::MakeSpan(pointers));
}

}  // namespace factstore::query
