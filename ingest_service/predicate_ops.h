// The committer operation that registers predicates.
#ifndef FACTSTORE_INGEST_SERVICE_PREDICATE_OPS_H_
#define FACTSTORE_INGEST_SERVICE_PREDICATE_OPS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "factstore/v1/ingest_service.pb.h"
#include "ingest_service/predicate_registry.h"
#include "ingest_service/write_op.h"

namespace factstore::ingest {

// Registers or updates predicates (RegisterPredicates). A predicate's value
// type cannot change once registered (FAILED_PRECONDITION): facts already
// stored depend on it. Everything else may change; it applies to facts
// written afterwards.
class RegisterPredicatesOp : public WriteOp {
 public:
  using Callback = std::function<void(const absl::Status&,
                                      v1::RegisterPredicatesResponse&&)>;

  // Validates each predicate (runs on the RPC thread). `registry` learns the
  // new definitions once they are committed.
  RegisterPredicatesOp(const v1::RegisterPredicatesRequest& request,
                       PredicateRegistry* registry, Callback callback);

  absl::Status Apply(CommitContext& ctx) override;
  absl::Status Replay(const storage::RequestRecord& record,
                      CommitContext& ctx) override;
  void RecordItems(storage::RequestRecord* record) const override;
  void Done(const absl::Status& status,
            const std::string& commit_token) override;
  int weight() const override { return static_cast<int>(predicates_.size()); }
  const char* method() const override { return "RegisterPredicates"; }

 private:
  std::vector<v1::Predicate> predicates_;
  std::vector<std::optional<v1::ItemError>> errors_;
  PredicateRegistry* registry_;
  Callback callback_;
  v1::RegisterPredicatesResponse response_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_PREDICATE_OPS_H_
