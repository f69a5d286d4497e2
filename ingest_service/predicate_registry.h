// PredicateRegistry: the ingest service's in-memory copy of the predicate
// registry, read on every fact to normalize and validate its value.
//
// Loaded from the store at start-up; the committer updates it after each
// commit that registers predicates, so it never shows an uncommitted entry.
// Thread-safe.
#ifndef FACTSTORE_INGEST_SERVICE_PREDICATE_REGISTRY_H_
#define FACTSTORE_INGEST_SERVICE_PREDICATE_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/mutex.h"
#include "factstore/v1/types.pb.h"
#include "storage/store.h"

namespace factstore::ingest {

class PredicateRegistry {
 public:
  // Reads every registered predicate (newest revision) from `store`.
  static absl::StatusOr<std::unique_ptr<PredicateRegistry>> Load(
      const storage::Store& store);

  // Reads every registered predicate from `store` again (replicated mode:
  // another writer may have registered some).
  absl::Status Reload(const storage::Store& store);

  // The current definition of `name`, or null if it is not registered.
  std::shared_ptr<const v1::Predicate> Find(absl::string_view name) const;

  // Records a committed definition.
  void Update(const v1::Predicate& predicate);

 private:
  PredicateRegistry() = default;

  mutable Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const v1::Predicate>>
      by_name_ ABSL_GUARDED_BY(mu_);
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_PREDICATE_REGISTRY_H_
