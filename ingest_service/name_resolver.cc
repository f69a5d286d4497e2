#include "ingest_service/name_resolver.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/limits.h"
#include "normalizer/name_folding.h"
#include "storage/key_codec.h"
#include "storage/record_views.h"

namespace factstore::ingest {

absl::StatusOr<std::vector<NamedEntity>> NameResolver::Find(
    absl::string_view name) const {
  std::string folded = normalizer::FoldName(name);
  std::vector<NamedEntity> found;
  if (folded.empty()) return found;
  auto scan = store_->ScanPrefix(
      storage::ColumnFamily::kNames,
      storage::NameExactPrefix(storage::NameKind::kFullName, folded));
  for (; scan->Valid(); scan->Next()) {
    storage::NameKeyParts parts;
    if (!storage::DecodeNameKey(scan->key(), &parts)) {
      return absl::DataLossError("malformed name index key");
    }
    auto record = store_->ReadEntity(parts.entity_id);
    if (absl::IsNotFound(record.status())) continue;
    if (!record.ok()) return record.status();
    // Keys of names an entity no longer has stay for time travel; only the
    // newest revision decides a match now.
    const storage::EntityRevision& newest = *record->revisions().rbegin();
    // A merged entity's names are its survivor's aliases now.
    if (!newest.merged_into().empty()) continue;
    for (const storage::NameForm& form : newest.name_forms()) {
      if (form.folded() == folded) {
        found.push_back({parts.entity_id, newest.entity().type()});
        break;
      }
    }
  }
  if (absl::Status s = scan->status(); !s.ok()) return s;
  return found;
}

v1::DocumentMetadata NameResolver::StoredDocument(
    const std::string& document_id) const {
  auto record = store_->ReadEntity(document_id);
  if (!record.ok() || record->revisions().empty()) return {};
  return record->revisions().rbegin()->entity().document();
}

std::string DeriveEntityId(v1::EntityType type, absl::string_view name) {
  const char* prefix = "other";
  switch (type) {
    case v1::ENTITY_TYPE_PERSON:
      prefix = "person";
      break;
    case v1::ENTITY_TYPE_ORGANIZATION:
      prefix = "org";
      break;
    case v1::ENTITY_TYPE_PLACE:
      prefix = "place";
      break;
    case v1::ENTITY_TYPE_EVENT:
      prefix = "event";
      break;
    case v1::ENTITY_TYPE_DOCUMENT:
      prefix = "doc";
      break;
    case v1::ENTITY_TYPE_PRODUCT:
      prefix = "product";
      break;
    default:
      break;
  }
  std::vector<std::string> words;
  for (absl::string_view word : absl::StrSplit(
           name, absl::ByAnyChar(" \t\n-_/.,;:'\"()"), absl::SkipEmpty())) {
    std::string folded = normalizer::FoldName(word);
    if (!folded.empty()) words.push_back(std::move(folded));
  }
  std::string id = absl::StrCat(prefix, ":", absl::StrJoin(words, "-"));
  if (id.size() > kMaxIdBytes) {
    // Cut at a character boundary so the id stays valid UTF-8.
    size_t cut = kMaxIdBytes;
    while (cut > 0 && (static_cast<unsigned char>(id[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    id.resize(cut);
  }
  return id;
}

}  // namespace factstore::ingest
