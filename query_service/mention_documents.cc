#include "query_service/mention_documents.h"

#include <utility>
#include <vector>

#include "storage/record_views.h"

namespace factstore::query {

absl::Status MentionDocuments::Fill(absl::Span<v1::Fact* const> facts) {
  // The documents not read before, each once; they get their metadata below
  // (an absent one keeps the empty metadata it is entered with).
  std::vector<std::string> unread;
  for (const v1::Fact* fact : facts) {
    for (const v1::Mention& mention : fact->mentions()) {
      if (documents_.try_emplace(mention.document_id()).second) {
        unread.push_back(mention.document_id());
      }
    }
  }
  if (!unread.empty()) {
    // On an error none of them counts as read.
    const auto forget_unread = [&](absl::Status error) {
      for (const std::string& id : unread) documents_.erase(id);
      return error;
    };
    std::vector<absl::StatusOr<std::string>> records =
        store_->ReadEntityValues(unread);
    for (size_t i = 0; i < unread.size(); ++i) {
      if (absl::IsNotFound(records[i].status())) continue;
      if (!records[i].ok()) return forget_unread(records[i].status());
      absl::StatusOr<v1::DocumentMetadata> document =
          storage::DocumentAsOf(*records[i], commit_);
      if (!document.ok()) return forget_unread(document.status());
      documents_[unread[i]] = *std::move(document);
    }
  }
  for (v1::Fact* fact : facts) {
    for (v1::Mention& mention : *fact->mutable_mentions()) {
      storage::FillMentionDocument(documents_.at(mention.document_id()),
                                   &mention);
    }
  }
  return absl::OkStatus();
}

absl::Status MentionDocuments::Fill(
    google::protobuf::RepeatedPtrField<v1::Fact>* facts) {
  std::vector<v1::Fact*> pointers;
  pointers.reserve(static_cast<size_t>(facts->size()));
  for (v1::Fact& fact : *facts) pointers.push_back(&fact);
  return Fill(absl::MakeSpan(pointers));
}

}  // namespace factstore::query
