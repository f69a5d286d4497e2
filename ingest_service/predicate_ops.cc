#include "ingest_service/predicate_ops.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "ingest_service/request_validator.h"
#include "normalizer/units.h"
#include "storage/record_views.h"

namespace factstore::ingest {

RegisterPredicatesOp::RegisterPredicatesOp(
    const v1::RegisterPredicatesRequest& request, PredicateRegistry* registry,
    Callback callback)
    : registry_(registry), callback_(std::move(callback)) {
  set_validate_only(request.validate_only());
  for (int i = 0; i < request.predicates_size(); ++i) {
    v1::Predicate predicate = request.predicates(i);
    predicate.clear_updated_commit();
    if (predicate.cardinality() == v1::CARDINALITY_UNSPECIFIED) {
      predicate.set_cardinality(v1::CARDINALITY_MANY);
    }
    std::string path = absl::StrCat("predicates[", i, "]");
    Violations violations;
    ValidatePredicate(predicate, path, &violations);
    for (int u = 0; u < predicate.allowed_units_size(); ++u) {
      const std::string& unit = predicate.allowed_units(u);
      std::string field = absl::StrCat(path, ".allowed_units[", u, "]");
      if (!normalizer::IsKnownUnit(unit)) {
        violations.Add(field, absl::StrCat("unknown unit \"", unit,
                                           "\" (see docs/units.md)"));
      } else if (predicate.unit_dimension() != v1::UNIT_DIMENSION_UNSPECIFIED &&
                 normalizer::DimensionOfUnit(unit) !=
                     predicate.unit_dimension()) {
        violations.Add(field, absl::StrCat("unit \"", unit,
                                           "\" is not of the predicate's "
                                           "unit_dimension"));
      }
    }
    errors_.push_back(violations.empty() ? std::nullopt
                                         : std::optional<v1::ItemError>(
                                               violations.ToItemError()));
    predicates_.push_back(std::move(predicate));
  }
}

absl::Status RegisterPredicatesOp::Apply(CommitContext& ctx) {
  response_.Clear();
  absl::flat_hash_map<std::string, int> seen;
  for (size_t i = 0; i < predicates_.size(); ++i) {
    v1::PredicateResult* result = response_.add_results();
    const v1::Predicate& predicate = predicates_[i];
    std::optional<v1::ItemError> error = errors_[i];
    std::string path = absl::StrCat("predicates[", i, "]");
    if (!error.has_value()) {
      auto [it, inserted] = seen.emplace(predicate.name(), static_cast<int>(i));
      if (!inserted) {
        Violations v;
        v.Add(absl::StrCat(path, ".name"),
              absl::StrCat("repeats predicates[", it->second, "].name"));
        error = v.ToItemError();
      }
    }
    auto existing = ctx.predicates().Get(predicate.name());
    if (!existing.ok()) return existing.status();
    if (!error.has_value() && *existing != nullptr) {
      const v1::Predicate& current =
          (*existing)->revisions().rbegin()->predicate();
      if (current.value_type() != predicate.value_type()) {
        Violations v;
        v.Add(absl::StrCat(path, ".value_type"),
              absl::StrCat("predicate \"", predicate.name(), "\" takes ",
                           v1::ValueType_Name(current.value_type()),
                           "; a registered predicate's value type cannot "
                           "change (register a new name)"));
        error = v.ToItemError(absl::StatusCode::kFailedPrecondition);
      }
    }
    if (error.has_value()) {
      result->set_outcome(v1::OUTCOME_REJECTED);
      *result->mutable_error() = *std::move(error);
      continue;
    }
    storage::PredicateRecord record;
    v1::Outcome outcome = v1::OUTCOME_CREATED;
    if (*existing != nullptr) {
      record = **existing;
      outcome = google::protobuf::util::MessageDifferencer::Equals(
                    record.revisions().rbegin()->predicate(), predicate)
                    ? v1::OUTCOME_UNCHANGED
                    : v1::OUTCOME_UPDATED;
    } else {
      ctx.head().set_predicate_count(ctx.head().predicate_count() + 1);
    }
    if (outcome != v1::OUTCOME_UNCHANGED) {
      storage::PredicateRevision* revision = record.add_revisions();
      revision->set_commit(ctx.commit());
      *revision->mutable_predicate() = predicate;
      ctx.predicates().Put(predicate.name(), record);
      storage::Change change;
      change.set_kind(storage::CHANGE_KIND_PREDICATE_REGISTERED);
      change.set_predicate(predicate.name());
      ctx.AddChange(std::move(change));
    }
    result->set_outcome(validate_only() ? v1::OUTCOME_VALID : outcome);
    storage::PredicateAsOf(record, ctx.commit(), ctx.store_id(),
                           result->mutable_predicate());
  }
  return absl::OkStatus();
}

absl::Status RegisterPredicatesOp::Replay(const storage::RequestRecord&,
                                          CommitContext&) {
  return absl::UnimplementedError("RegisterPredicates takes no request_id");
}

void RegisterPredicatesOp::RecordItems(storage::RequestRecord*) const {}

void RegisterPredicatesOp::Done(const absl::Status& status,
                                const std::string& commit_token) {
  if (status.ok() && !validate_only()) {
    for (const v1::PredicateResult& result : response_.results()) {
      if (result.outcome() == v1::OUTCOME_CREATED ||
          result.outcome() == v1::OUTCOME_UPDATED) {
        registry_->Update(result.predicate());
      }
    }
  }
  response_.set_commit_token(commit_token);
  callback_(status, std::move(response_));
}

}  // namespace factstore::ingest
