#include "query_service/mention_documents.h"

#include "storage/record_views.h"

namespace factstore::query {

absl::Status MentionDocuments::Fill(v1::Fact* fact) {
  for (v1::Mention& mention : *fact->mutable_mentions()) {
    auto it = documents_.find(mention.document_id());
    if (it == documents_.end()) {
      v1::DocumentMetadata metadata;
      auto record = store_->ReadEntity(mention.document_id());
      if (record.ok()) {
        const storage::EntityRevision* revision =
            storage::EntityRevisionAsOf(*record, commit_);
        if (revision != nullptr) metadata = revision->entity().document();
      } else if (!absl::IsNotFound(record.status())) {
        return record.status();
      }
      it = documents_.emplace(mention.document_id(), std::move(metadata)).first;
    }
    storage::FillMentionDocument(it->second, &mention);
  }
  return absl::OkStatus();
}

}  // namespace factstore::query
