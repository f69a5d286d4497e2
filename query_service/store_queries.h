// StoreQueries: the read RPCs of the query service, answered from a store at
// a given commit. The gRPC layer (query_service_impl.h) decides the commit
// (read-your-writes waits, time travel, page-token snapshots) and calls
// these; they only read.
//
// Every read is exact at its commit: records keep their revisions, and
// index entries of facts asserted later are skipped (storage/record_views.h).
// ListFacts reads from the index its filter selects, so a selective query
// examines keys in proportion to its result, not to the store.
//
// Thread-safe (reads only).
#ifndef FACTSTORE_QUERY_SERVICE_STORE_QUERIES_H_
#define FACTSTORE_QUERY_SERVICE_STORE_QUERIES_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/limits.h"
#include "factstore/v1/query_service.pb.h"
#include "query_service/document_cache.h"
#include "query_service/page_token.h"
#include "storage/store.h"

namespace factstore::query {

// Default for --max_keys_per_read: a ListFacts, ListEntities or
// SearchEntities page stops after examining this many index entries even if
// it is not full (the next page continues from there); ResolveValue refuses
// a subject and predicate with more claims than this, and the lookups by
// external id identifiers carried by more entities.
inline constexpr int64_t kMaxKeysExaminedPerPage = 100000;

// Returns true when the caller has gone away or its deadline passed; long
// scans check it and stop.
using StopCheck = std::function<bool()>;

class StoreQueries {
 public:
  // REQUIRES: `store` and `document_cache` (if not null) outlive this
  // object; max_keys_per_read >= 1. Mentions' documents are read through
  // `document_cache` when given (document_cache.h).
  explicit StoreQueries(const storage::Store* store,
                        int64_t max_keys_per_read = kMaxKeysExaminedPerPage,
                        DocumentCache* document_cache = nullptr);

  // Page tokens of the paged RPCs: nullopt for an empty token, the verified
  // cursor otherwise, INVALID_ARGUMENT for a bad token.
  absl::StatusOr<std::optional<PageCursor>> ListFactsCursor(
      const v1::ListFactsRequest& request) const;
  absl::StatusOr<std::optional<PageCursor>> ListEntitiesCursor(
      const v1::ListEntitiesRequest& request) const;
  absl::StatusOr<std::optional<PageCursor>> SearchEntitiesCursor(
      const v1::SearchEntitiesRequest& request) const;
  absl::StatusOr<std::optional<PageCursor>> ListPredicatesCursor(
      const v1::ListPredicatesRequest& request) const;
  absl::StatusOr<std::optional<PageCursor>> SearchFactsCursor(
      const v1::SearchFactsRequest& request) const;

  absl::Status GetEntity(const v1::GetEntityRequest& request, uint64_t commit,
                         v1::GetEntityResponse* response) const;
  absl::Status BatchGetEntities(const v1::BatchGetEntitiesRequest& request,
                                uint64_t commit,
                                v1::BatchGetEntitiesResponse* response) const;
  // Reads the type index (or, for every type, the entities themselves): a
  // page examines at most max_keys_per_read entries.
  absl::Status ListEntities(const v1::ListEntitiesRequest& request,
                            uint64_t commit,
                            const std::optional<PageCursor>& cursor,
                            const StopCheck& stop,
                            v1::ListEntitiesResponse* response) const;
  // NOT_FOUND (reason ENTITY_NOT_FOUND) when no entity carries the
  // identifier at `commit`. The lookups examine at most max_keys_per_read
  // index entries in all: RESOURCE_EXHAUSTED (READ_TOO_LARGE) beyond.
  absl::Status LookupEntity(const v1::LookupEntityRequest& request,
                            uint64_t commit, const StopCheck& stop,
                            v1::LookupEntityResponse* response) const;
  absl::Status BatchLookupEntities(
      const v1::BatchLookupEntitiesRequest& request, uint64_t commit,
      const StopCheck& stop, v1::BatchLookupEntitiesResponse* response) const;
  // Asks `stop` before each batch of index entries after the first (and
  // every 256 entries), and returns CANCELLED when it says to stop.
  absl::Status SearchEntities(const v1::SearchEntitiesRequest& request,
                              uint64_t commit,
                              const std::optional<PageCursor>& cursor,
                              const StopCheck& stop,
                              v1::SearchEntitiesResponse* response) const;
  absl::Status GetFact(const v1::GetFactRequest& request, uint64_t commit,
                       v1::GetFactResponse* response) const;
  absl::Status BatchGetFacts(const v1::BatchGetFactsRequest& request,
                             uint64_t commit,
                             v1::BatchGetFactsResponse* response) const;
  absl::Status ListFacts(const v1::ListFactsRequest& request, uint64_t commit,
                         const std::optional<PageCursor>& cursor,
                         const StopCheck& stop,
                         v1::ListFactsResponse* response) const;
  // RESOURCE_EXHAUSTED (reason READ_TOO_LARGE) when the filter's plan reads
  // more than max_keys_per_read index entries: a count is not paged.
  absl::Status AggregateFacts(const v1::AggregateFactsRequest& request,
                              uint64_t commit, const StopCheck& stop,
                              v1::AggregateFactsResponse* response) const;
  // Reads the word index entries of every query word, then the facts that
  // have all the words, as of `commit`; every page ranks all of them again
  // (at the commit the token pins, so the same way). RESOURCE_EXHAUSTED
  // (reason READ_TOO_LARGE) when the words have more than max_keys_per_read
  // index entries together.
  absl::Status SearchFacts(const v1::SearchFactsRequest& request,
                           uint64_t commit,
                           const std::optional<PageCursor>& cursor,
                           const StopCheck& stop,
                           v1::SearchFactsResponse* response) const;
  // RESOURCE_EXHAUSTED (reason READ_TOO_LARGE) when the subject and
  // predicate have more than max_keys_per_read index entries (retracted
  // claims and claims after `commit` count too).
  absl::Status ResolveValue(const v1::ResolveValueRequest& request,
                            uint64_t commit, const StopCheck& stop,
                            v1::ResolveValueResponse* response) const;
  absl::Status ListPredicates(const v1::ListPredicatesRequest& request,
                              uint64_t commit,
                              const std::optional<PageCursor>& cursor,
                              v1::ListPredicatesResponse* response) const;

  // Checks a ListFacts filter without running it (INVALID_ARGUMENT naming
  // the field).
  static absl::Status ValidateFilter(const v1::FactFilter& filter);

  const storage::Store& store() const { return *store_; }
  std::string CommitToken(uint64_t commit) const;

 private:
  absl::StatusOr<std::optional<PageCursor>> DecodeCursor(
      const std::string& token, const google::protobuf::Message& query) const;
  PageCursor NewCursor(const google::protobuf::Message& query, uint64_t commit,
                       const std::optional<PageCursor>& previous) const;
  // Appends to `out`, by id, the entities that carry `id` at `commit` (with
  // the preferred label of `languages`), counting the index entries it
  // examines in `examined` against max_keys_per_read.
  absl::Status AddEntitiesWithExternalId(
      const v1::ExternalId& id, uint64_t commit,
      const google::protobuf::RepeatedPtrField<std::string>& languages,
      const StopCheck& stop, int64_t* examined,
      google::protobuf::RepeatedPtrField<v1::Entity>* out) const;

  // Reads entity `id` as of `commit` into `out`, following merge redirects
  // (setting out->redirected_from when it followed one); false if there is
  // no such entity then.
  absl::StatusOr<bool> EntityAt(const std::string& id, uint64_t commit,
                                v1::Entity* out) const;
  // Reads fact `id` as of `commit` into `out`, following the redirects of
  // facts a merge gave new ids (setting out->redirected_from when it
  // followed one); false if there is no such fact then.
  absl::StatusOr<bool> FactAt(const std::string& id, uint64_t commit,
                              v1::Fact* out) const;
  // Follows the merge redirects of every entity id of `filter`
  // (FollowEntityRedirect).
  absl::Status ResolveFilterEntities(
      v1::FactFilter* filter, uint64_t commit,
      google::protobuf::RepeatedPtrField<v1::Redirect>* redirects) const;
  // Replaces `*id`, an entity id, by the entity it had been merged into by
  // `commit` (following chains of merges) and adds the redirect to
  // `redirects`; leaves other ids alone.
  absl::Status FollowEntityRedirect(
      std::string* id, uint64_t commit,
      google::protobuf::RepeatedPtrField<v1::Redirect>* redirects) const;

  const storage::Store* store_;
  const int64_t max_keys_per_read_;
  DocumentCache* const document_cache_;
  PageTokenCodec tokens_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_STORE_QUERIES_H_
