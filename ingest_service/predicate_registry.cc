#include "ingest_service/predicate_registry.h"

#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"

namespace factstore::ingest {

absl::StatusOr<std::unique_ptr<PredicateRegistry>> PredicateRegistry::Load(
    const storage::Store& store) {
  std::unique_ptr<PredicateRegistry> registry(new PredicateRegistry());
  if (absl::Status read = registry->Reload(store); !read.ok()) return read;
  return registry;
}

absl::Status PredicateRegistry::Reload(const storage::Store& store) {
  auto scan = store.Scan(storage::ColumnFamily::kPredicates, "", "");
  for (; scan->Valid(); scan->Next()) {
    storage::PredicateRecord record;
    if (!record.ParseFromArray(scan->value().data(),
                               static_cast<int>(scan->value().size())) ||
        record.revisions().empty()) {
      return absl::DataLossError("predicate record does not parse");
    }
    Update(record.revisions().rbegin()->predicate());
  }
  return scan->status();
}

std::shared_ptr<const v1::Predicate> PredicateRegistry::Find(
    absl::string_view name) const {
  MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

void PredicateRegistry::Update(const v1::Predicate& predicate) {
  auto copy = std::make_shared<const v1::Predicate>(predicate);
  MutexLock lock(&mu_);
  by_name_[predicate.name()] = std::move(copy);
}

}  // namespace factstore::ingest
