// The committer operations that write facts: ingesting a batch and
// retracting facts.
#ifndef FACTSTORE_INGEST_SERVICE_FACT_OPS_H_
#define FACTSTORE_INGEST_SERVICE_FACT_OPS_H_

#include <functional>
#include <string>
#include <vector>

#include "factstore/v1/ingest_service.pb.h"
#include "ingest_service/fact_preparer.h"
#include "ingest_service/write_op.h"

namespace factstore::ingest {

// Two mentions are the same source when they quote the same passage of the
// same document.
bool SameMention(const v1::Mention& a, const v1::Mention& b);

// The modality the live mentions of `record` give the fact
// (storage/source_weighing.h), or `without_mentions` when it has none.
v1::Modality DerivedModality(const storage::FactRecord& record,
                             v1::Modality without_mentions);

// Appends to `record` a revision stamped `commit` with `modality` and `rank`
// if its latest revision has another modality or rank; true if it did.
// REQUIRES: `record` has a revision.
bool SetFactAttributes(uint64_t commit, v1::Modality modality, v1::Rank rank,
                       storage::FactRecord* record);

// The commit-log change of `kind` for the fact whose stored content is
// `content`.
storage::Change FactChange(storage::ChangeKind kind, const v1::Fact& content);

// Commits a batch of prepared facts (IngestFacts, or one batch of
// StreamIngestFacts).
//
// For each fact: creates the entities it asked to create, checks that every
// entity it refers to exists with an allowed type and the predicate's
// cardinality, then creates the fact, adds its new mentions, gives a source
// it has another modality or rank, updates its own modality (derived from
// its mentions) or rank, or reports it UNCHANGED.
class IngestFactsOp : public WriteOp {
 public:
  // Receives the status of the whole operation and, when OK, the response.
  using Callback =
      std::function<void(const absl::Status&, v1::IngestFactsResponse&&)>;

  struct Options {
    bool all_or_nothing = false;
    // Results carry only outcome, id and error, not the normalized fact.
    bool compact_results = false;
  };

  IngestFactsOp(PreparedFacts facts, Options options, Callback callback);

  absl::Status Apply(CommitContext& ctx) override;
  absl::Status Replay(const storage::RequestRecord& record,
                      CommitContext& ctx) override;
  void RecordItems(storage::RequestRecord* record) const override;
  void Done(const absl::Status& status,
            const std::string& commit_token) override;
  int weight() const override {
    return static_cast<int>(prepared_.facts.size());
  }
  const char* method() const override { return "IngestFacts"; }

 private:
  // Applies one valid fact; returns its error if it is rejected.
  std::optional<v1::ItemError> ApplyFact(CommitContext& ctx, int index,
                                         v1::FactResult* result);
  std::optional<v1::ItemError> CheckCardinality(CommitContext& ctx,
                                                const PreparedFact& prepared);
  // Merges prepared_.facts[index] into `*record`, its stored version (new and
  // reweighed mentions; a revision if the derived modality or the rank
  // changed) and sets `*outcome`; returns the
  // error, with `ctx` unchanged, if the fact is rejected.
  std::optional<v1::ItemError> MergeIntoStoredFact(CommitContext& ctx,
                                                   int index,
                                                   const std::string& path,
                                                   storage::FactRecord* record,
                                                   v1::Outcome* outcome);
  // Returns an error for `path` if prepared_.facts[index] repeats an earlier
  // valid fact of the batch with the same mentions; REQUIRES: index <
  // prepared_.facts.size().
  std::optional<v1::ItemError> CheckNotRepeated(int index,
                                                const std::string& path) const;
  void FillResultFact(CommitContext& ctx, const std::string& fact_id,
                      uint64_t as_of, v1::FactResult* result);

  PreparedFacts prepared_;
  const Options options_;
  Callback callback_;
  v1::IngestFactsResponse response_;
};

// Retracts facts by id (RetractFacts).
class RetractFactsOp : public WriteOp {
 public:
  using Callback =
      std::function<void(const absl::Status&, v1::RetractFactsResponse&&)>;

  RetractFactsOp(v1::RetractFactsRequest request, Callback callback);

  absl::Status Apply(CommitContext& ctx) override;
  absl::Status Replay(const storage::RequestRecord& record,
                      CommitContext& ctx) override;
  void RecordItems(storage::RequestRecord* record) const override;
  void Done(const absl::Status& status,
            const std::string& commit_token) override;
  int weight() const override { return request_.fact_ids_size(); }
  const char* method() const override { return "RetractFacts"; }

 private:
  v1::RetractFactsRequest request_;
  Callback callback_;
  v1::RetractFactsResponse response_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_FACT_OPS_H_
