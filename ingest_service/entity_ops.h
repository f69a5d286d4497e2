// The committer operations on entities: upserting, erasing and merging.
#ifndef FACTSTORE_INGEST_SERVICE_ENTITY_OPS_H_
#define FACTSTORE_INGEST_SERVICE_ENTITY_OPS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "factstore/v1/ingest_service.pb.h"
#include "ingest_service/write_op.h"

namespace factstore::ingest {

// The record revision of a new or changed entity, with the folded forms of
// its name and aliases for the name index. Folding uses ICU; call it on the
// RPC thread when possible.
storage::EntityRevision MakeEntityRevision(const v1::Entity& entity,
                                           uint64_t commit);

// Creates or replaces entities (UpsertEntities).
class UpsertEntitiesOp : public WriteOp {
 public:
  using Callback =
      std::function<void(const absl::Status&, v1::UpsertEntitiesResponse&&)>;

  // Validates every entity and folds its names (thread-safe; runs on the RPC
  // thread).
  UpsertEntitiesOp(const v1::UpsertEntitiesRequest& request, Callback callback);

  absl::Status Apply(CommitContext& ctx) override;
  absl::Status Replay(const storage::RequestRecord& record,
                      CommitContext& ctx) override;
  void RecordItems(storage::RequestRecord* record) const override;
  void Done(const absl::Status& status,
            const std::string& commit_token) override;
  int weight() const override { return static_cast<int>(revisions_.size()); }
  const char* method() const override { return "UpsertEntities"; }

 private:
  bool all_or_nothing_;
  std::vector<storage::EntityRevision> revisions_;
  std::vector<std::optional<v1::ItemError>> errors_;
  Callback callback_;
  v1::UpsertEntitiesResponse response_;
};

// Erases an entity and everything about it (EraseEntity). Runs alone in its
// group.
class EraseEntityOp : public WriteOp {
 public:
  using Callback =
      std::function<void(const absl::Status&, v1::EraseEntityResponse&&)>;

  EraseEntityOp(v1::EraseEntityRequest request, Callback callback);

  absl::Status Apply(CommitContext& ctx) override;
  absl::Status Replay(const storage::RequestRecord& record,
                      CommitContext& ctx) override;
  void RecordItems(storage::RequestRecord* record) const override;
  void Done(const absl::Status& status,
            const std::string& commit_token) override;
  int weight() const override { return 1; }
  bool exclusive() const override { return true; }
  bool erases() const override { return true; }
  const char* method() const override { return "EraseEntity"; }

 private:
  // Sets response_.tombstone for an erasure at `commit`.
  void FillTombstone(uint64_t commit, int64_t time_micros,
                     const std::string& commit_token);

  v1::EraseEntityRequest request_;
  Callback callback_;
  v1::EraseEntityResponse response_;
};

// Merges a duplicate entity into another (MergeEntities). Runs alone in its
// group.
//
// The duplicate gets a last revision that makes it a redirect; the survivor
// gets a revision with the duplicate's names as aliases and its labels and
// external ids where it had none. Each fact naming the duplicate as subject,
// value or qualifier gets the survivor in its place, hence a new id: the new
// fact is asserted (or, when it already exists, gains the mentions) and the
// old one gets a last revision that moves it there. Mentions naming the
// duplicate as document or speaker are replaced by copies naming the
// survivor. Nothing is overwritten, so reads before the merge's commit still
// see the duplicate and its facts.
class MergeEntitiesOp : public WriteOp {
 public:
  using Callback =
      std::function<void(const absl::Status&, v1::MergeEntitiesResponse&&)>;

  MergeEntitiesOp(v1::MergeEntitiesRequest request, Callback callback);

  absl::Status Apply(CommitContext& ctx) override;
  absl::Status Replay(const storage::RequestRecord& record,
                      CommitContext& ctx) override;
  void RecordItems(storage::RequestRecord* record) const override;
  void Done(const absl::Status& status,
            const std::string& commit_token) override;
  int weight() const override { return 1; }
  bool exclusive() const override { return true; }
  const char* method() const override { return "MergeEntities"; }

 private:
  v1::MergeEntitiesRequest request_;
  Callback callback_;
  v1::MergeEntitiesResponse response_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_ENTITY_OPS_H_
