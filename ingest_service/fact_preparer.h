// FactPreparer: the part of ingesting a fact that needs no lock on the store.
// It runs on the RPC threads, in parallel, before the fact reaches the
// committer:
//   - checks the fact's shape (request_validator.h),
//   - looks the predicate up in the registry and checks the value's kind,
//   - normalizes raw values and dates in the fact's language
//     (normalizer/), keeping the source's wording in surface_text,
//   - resolves entity names to ids through the name index,
//   - derives the content id.
// What depends on the state at commit time (do the referenced entities
// exist, is the fact new) is the committer's job.
//
// Thread-safe.
#ifndef FACTSTORE_INGEST_SERVICE_FACT_PREPARER_H_
#define FACTSTORE_INGEST_SERVICE_FACT_PREPARER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/ingest_service.pb.h"
#include "factstore/v1/types.pb.h"
#include "google/protobuf/arena.h"
#include "ingest_service/name_resolver.h"
#include "ingest_service/predicate_registry.h"
#include "storage/word_postings.h"

namespace factstore::ingest {

// An entity the committer must create unless it exists by then.
struct EntityToCreate {
  std::string id;
  v1::EntityType type = v1::ENTITY_TYPE_OTHER;
  std::string name;
  // Which field asked for it, for error messages.
  std::string field;
};

// Entity types a reference allows (empty: any). Most references allow one
// or two, kept inline: every fact has a few references, and a heap
// allocation for each, freed on another thread once the batch is answered,
// was a cost of every fact.
using EntityTypes = absl::InlinedVector<v1::EntityType, 2>;

// A reference to an entity that must exist (or be created) at commit time,
// with the types it may have.
struct EntityReference {
  std::string id;
  std::string field;
  EntityTypes allowed_types;
};

// One fact after preparation.
struct PreparedFact {
  // The normalized fact: id, subject, predicate, value, valid time,
  // qualifiers, modality, rank and mentions set; input-only fields cleared.
  // Every mention has its modality and rank; the fact's modality is the one
  // its mentions give it (storage/source_weighing.h). Set by
  // FactPreparer::Prepare, never null after it; it lives on the arena
  // Prepare was given, not in this struct.
  v1::Fact* fact = nullptr;
  // The predicate's definition it was checked against.
  std::shared_ptr<const v1::Predicate> predicate;
  // Entities the fact refers to, and those to create first.
  std::vector<EntityReference> references;
  std::vector<EntityToCreate> creates;
  // Set when the fact is rejected.
  std::optional<v1::ItemError> error;
  // The words of its text value and quotes, cut for the word index (when
  // the preparer was asked to), so that the committer need not. The texts
  // are views into `fact`.
  std::vector<storage::CutText> cut_texts;
};

// The facts of one request, prepared, and the arena their normalized facts
// are on. A batch of a thousand facts would otherwise make some fifteen
// thousand small allocations on the thread that prepares it, and free them
// one by one on another once the batch is answered; on the arena they are
// carved from a few blocks and freed with them. Movable (a moved-from one
// has no arena); `facts` must not outlive `arena` (members are destroyed in
// reverse order, so the struct's own destruction is safe).
struct PreparedFacts {
  PreparedFacts();
  std::unique_ptr<google::protobuf::Arena> arena;
  std::vector<PreparedFact> facts;
};

// Remembers, for one request, which name resolved to which id, so that
// several facts naming the same new entity create it once.
using NameCache = absl::flat_hash_map<std::string, std::string>;

class FactPreparer {
 public:
  // `cut_words`: fill PreparedFact::cut_texts (the store keeps a word
  // index).
  FactPreparer(const PredicateRegistry* registry, const NameResolver* resolver,
               bool cut_words = false)
      : registry_(registry), resolver_(resolver), cut_words_(cut_words) {}

  // Prepares `input`, found at `path` in the request ("facts[3]"), with its
  // normalized fact on `arena`, which must outlive the result.
  // REQUIRES: arena != nullptr.
  PreparedFact Prepare(const v1::Fact& input, absl::string_view path,
                       v1::MissingEntityPolicy policy, NameCache* names,
                       google::protobuf::Arena* arena) const;

 private:
  const PredicateRegistry* registry_;
  const NameResolver* resolver_;
  const bool cut_words_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_FACT_PREPARER_H_
