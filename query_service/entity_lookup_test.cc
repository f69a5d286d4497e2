// The specification of StoreQueries' entity listing and external-id lookups
// over a real store: ListEntities by type and in id order, its pages and
// their commit, LookupEntity and BatchLookupEntities, what an older commit
// shows after an entity changed its type or identifiers, and erasure.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/errors.h"
#include "factstore/v1/query_service.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query_service/store_queries.h"
#include "storage/commit_batch.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::query {
namespace {

using ::factstore::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Appends a revision at `commit` to `record`.
void AddRevision(storage::EntityRecord* record, uint64_t commit,
                 const std::string& id, v1::EntityType type,
                 const std::map<std::string, std::string>& external_ids) {
  storage::EntityRevision* revision = record->add_revisions();
  revision->set_commit(commit);
  v1::Entity* entity = revision->mutable_entity();
  entity->set_id(id);
  entity->set_type(type);
  entity->set_name(id);
  for (const auto& [system, value] : external_ids) {
    (*entity->mutable_external_ids())[system] = value;
  }
}

v1::ExternalId Wikidata(const std::string& value) {
  v1::ExternalId id;
  id.set_system("wikidata");
  id.set_value(value);
  return id;
}

template <typename Entities>
std::vector<std::string> Ids(const Entities& entities) {
  std::vector<std::string> ids;
  for (const v1::Entity& entity : entities) ids.push_back(entity.id());
  return ids;
}

// Commit 1: place:da-nang (place, wikidata Q25282), place:seoul (place,
// Q8684), org:fpt (organization, Q1057370), doc:a (document).
// Commit 2: org:fpt-software (organization, Q1057370 too: a duplicate), and
// place:seoul becomes an organization with wikidata Q8685 instead.
class EntityLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::OpenPrimary(dir_.path() + "/db",
                                             storage::SmallTestStoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    AddRevision(&da_nang_, 1, "place:da-nang", v1::ENTITY_TYPE_PLACE,
                {{"wikidata", "Q25282"}});
    AddRevision(&seoul_, 1, "place:seoul", v1::ENTITY_TYPE_PLACE,
                {{"wikidata", "Q8684"}});
    AddRevision(&fpt_, 1, "org:fpt", v1::ENTITY_TYPE_ORGANIZATION,
                {{"wikidata", "Q1057370"}});
    AddRevision(&doc_, 1, "doc:a", v1::ENTITY_TYPE_DOCUMENT, {});
    ASSERT_NO_FATAL_FAILURE(Commit({da_nang_, seoul_, fpt_, doc_}));
    storage::EntityRecord fpt_software;
    AddRevision(&fpt_software, 2, "org:fpt-software",
                v1::ENTITY_TYPE_ORGANIZATION, {{"wikidata", "Q1057370"}});
    AddRevision(&seoul_, 2, "place:seoul", v1::ENTITY_TYPE_ORGANIZATION,
                {{"wikidata", "Q8685"}});
    ASSERT_NO_FATAL_FAILURE(Commit({fpt_software, seoul_}));
    queries_ = std::make_unique<StoreQueries>(store_.get());
  }

  void Commit(const std::vector<storage::EntityRecord>& entities) {
    storage::CommitBatch batch(*store_);
    for (const storage::EntityRecord& entity : entities) {
      batch.PutEntity(entity);
    }
    ASSERT_TRUE(store_->Write(batch, /*sync=*/false).ok());
  }

  // Every page of `request` from the first at `commit`, each later page at
  // its token's commit as the service pins it; the ids in order.
  std::vector<std::string> ListAll(const StoreQueries& queries,
                                   v1::ListEntitiesRequest request,
                                   uint64_t commit, int* pages = nullptr) {
    std::vector<std::string> ids;
    for (int page = 1; page <= 100; ++page) {
      auto cursor = queries.ListEntitiesCursor(request);
      EXPECT_TRUE(cursor.ok()) << cursor.status();
      if (!cursor.ok()) return ids;
      if (cursor->has_value()) {
        EXPECT_EQ((*cursor)->commit(), commit);
      }
      v1::ListEntitiesResponse response;
      absl::Status listed = queries.ListEntities(request, commit, *cursor,
                                                 StopCheck(), &response);
      EXPECT_TRUE(listed.ok()) << listed;
      for (const std::string& id : Ids(response.entities())) ids.push_back(id);
      if (!listed.ok() || response.next_page_token().empty()) {
        if (pages != nullptr) *pages = page;
        return ids;
      }
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "more than 100 pages";
    return ids;
  }
  std::vector<std::string> ListAll(const v1::ListEntitiesRequest& request,
                                   uint64_t commit) {
    return ListAll(*queries_, request, commit);
  }

  static v1::ListEntitiesRequest OfTypes(std::vector<v1::EntityType> types) {
    v1::ListEntitiesRequest request;
    for (v1::EntityType type : types) request.add_types(type);
    return request;
  }

  absl::StatusOr<v1::LookupEntityResponse> Lookup(const v1::ExternalId& id,
                                                  uint64_t commit) {
    v1::LookupEntityRequest request;
    *request.mutable_external_id() = id;
    v1::LookupEntityResponse response;
    absl::Status found =
        queries_->LookupEntity(request, commit, StopCheck(), &response);
    if (!found.ok()) return found;
    return response;
  }

  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<StoreQueries> queries_;
  storage::EntityRecord da_nang_, seoul_, fpt_, doc_;
};

// ---- ListEntities ----

TEST_F(EntityLookupTest, WithoutTypesEveryEntityIsListedInIdOrder) {
  EXPECT_THAT(ListAll(v1::ListEntitiesRequest(), 2),
              ElementsAre("doc:a", "org:fpt", "org:fpt-software",
                          "place:da-nang", "place:seoul"));
  // At commit 1 the duplicate did not exist yet.
  EXPECT_THAT(ListAll(v1::ListEntitiesRequest(), 1),
              ElementsAre("doc:a", "org:fpt", "place:da-nang", "place:seoul"));
  EXPECT_THAT(ListAll(v1::ListEntitiesRequest(), 0), IsEmpty());
}

TEST_F(EntityLookupTest, ATypeListsItsEntitiesAsOfTheReadCommit) {
  EXPECT_THAT(ListAll(OfTypes({v1::ENTITY_TYPE_DOCUMENT}), 2),
              ElementsAre("doc:a"));
  // place:seoul became an organization at commit 2.
  EXPECT_THAT(ListAll(OfTypes({v1::ENTITY_TYPE_PLACE}), 2),
              ElementsAre("place:da-nang"));
  EXPECT_THAT(ListAll(OfTypes({v1::ENTITY_TYPE_PLACE}), 1),
              ElementsAre("place:da-nang", "place:seoul"));
  EXPECT_THAT(ListAll(OfTypes({v1::ENTITY_TYPE_ORGANIZATION}), 2),
              ElementsAre("org:fpt", "org:fpt-software", "place:seoul"));
  EXPECT_THAT(ListAll(OfTypes({v1::ENTITY_TYPE_ORGANIZATION}), 1),
              ElementsAre("org:fpt"));
  EXPECT_THAT(ListAll(OfTypes({v1::ENTITY_TYPE_PERSON}), 2), IsEmpty());
}

TEST_F(EntityLookupTest, SeveralTypesListByTypeNumberThenIdEachOnce) {
  EXPECT_THAT(
      ListAll(OfTypes({v1::ENTITY_TYPE_DOCUMENT, v1::ENTITY_TYPE_ORGANIZATION,
                       v1::ENTITY_TYPE_DOCUMENT}),
              2),
      ElementsAre("org:fpt", "org:fpt-software", "place:seoul", "doc:a"));
}

TEST_F(EntityLookupTest, PagesOfOneTogetherListEveryEntityOnce) {
  for (const v1::ListEntitiesRequest& base :
       {v1::ListEntitiesRequest(),
        OfTypes({v1::ENTITY_TYPE_ORGANIZATION, v1::ENTITY_TYPE_PLACE})}) {
    v1::ListEntitiesRequest paged = base;
    paged.set_page_size(1);
    int pages = 0;
    EXPECT_EQ(ListAll(*queries_, paged, 2, &pages), ListAll(base, 2));
    EXPECT_GE(pages, 4);
  }
}

TEST_F(EntityLookupTest, PagesStopAfterMaxKeysPerReadAndGoOn) {
  // One index entry a page: pages that found nothing still continue, and
  // together they list the same entities.
  StoreQueries one_key(store_.get(), /*max_keys_per_read=*/1);
  const v1::ListEntitiesRequest organizations =
      OfTypes({v1::ENTITY_TYPE_ORGANIZATION, v1::ENTITY_TYPE_PLACE});
  int pages = 0;
  EXPECT_EQ(ListAll(one_key, organizations, 2, &pages),
            ListAll(organizations, 2));
  // Organizations: org:fpt, org:fpt-software, place:seoul; places:
  // place:da-nang, place:seoul (a place only at commit 1): five entries.
  EXPECT_GE(pages, 5);
}

TEST_F(EntityLookupTest, LaterPagesReadTheCommitOfTheFirstPage) {
  v1::ListEntitiesRequest request;
  request.set_page_size(2);
  v1::ListEntitiesResponse first;
  ASSERT_TRUE(
      queries_->ListEntities(request, 1, std::nullopt, StopCheck(), &first)
          .ok());
  EXPECT_THAT(Ids(first.entities()), ElementsAre("doc:a", "org:fpt"));
  request.set_page_token(first.next_page_token());
  auto cursor = queries_->ListEntitiesCursor(request);
  ASSERT_TRUE(cursor.ok() && cursor->has_value());
  EXPECT_EQ((*cursor)->commit(), 1u);
}

TEST_F(EntityLookupTest, BadListRequestsAreRefusedNamingTheField) {
  v1::ListEntitiesResponse response;
  v1::ListEntitiesRequest request;
  request.add_types(v1::ENTITY_TYPE_PLACE);
  request.add_types(v1::ENTITY_TYPE_UNSPECIFIED);
  absl::Status status =
      queries_->ListEntities(request, 2, std::nullopt, StopCheck(), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "types[1]")) << status;

  request.mutable_types()->Set(1, 99);  // not an EntityType number
  status =
      queries_->ListEntities(request, 2, std::nullopt, StopCheck(), &response);
  EXPECT_TRUE(absl::StrContains(status.message(), "types[1]")) << status;

  v1::ListEntitiesRequest negative;
  negative.set_page_size(-1);
  status =
      queries_->ListEntities(negative, 2, std::nullopt, StopCheck(), &response);
  EXPECT_TRUE(absl::StrContains(status.message(), "page_size")) << status;

  // A token of one listing does not continue another.
  v1::ListEntitiesRequest all;
  all.set_page_size(1);
  ASSERT_TRUE(
      queries_->ListEntities(all, 2, std::nullopt, StopCheck(), &response)
          .ok());
  v1::ListEntitiesRequest places = OfTypes({v1::ENTITY_TYPE_PLACE});
  places.set_page_token(response.next_page_token());
  auto cursor = queries_->ListEntitiesCursor(places);
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(cursor.status().message(), "page_token"))
      << cursor.status();
}

// ---- LookupEntity, BatchLookupEntities ----

TEST_F(EntityLookupTest, AnExternalIdFindsItsEntity) {
  auto found = Lookup(Wikidata("Q25282"), 2);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Ids(found->entities()), ElementsAre("place:da-nang"));
  EXPECT_EQ(found->entities(0).type(), v1::ENTITY_TYPE_PLACE);
  EXPECT_FALSE(found->commit_token().empty());
}

TEST_F(EntityLookupTest, DuplicatesCarryingOneIdAreAllFoundByIdAsOfTheCommit) {
  auto found = Lookup(Wikidata("Q1057370"), 2);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Ids(found->entities()),
              ElementsAre("org:fpt", "org:fpt-software"));
  found = Lookup(Wikidata("Q1057370"), 1);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Ids(found->entities()), ElementsAre("org:fpt"));
}

TEST_F(EntityLookupTest, AnIdentifierDroppedLaterIsFoundOnlyBefore) {
  auto before = Lookup(Wikidata("Q8684"), 1);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_THAT(Ids(before->entities()), ElementsAre("place:seoul"));
  // The entity's revision at commit 2 carries Q8685 instead.
  auto after = Lookup(Wikidata("Q8684"), 2);
  EXPECT_EQ(after.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(after.status()), reason::kEntityNotFound);
  EXPECT_TRUE(absl::StrContains(after.status().message(), "Q8684"))
      << after.status();
  auto renamed = Lookup(Wikidata("Q8685"), 2);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->entities(0).type(), v1::ENTITY_TYPE_ORGANIZATION);
  EXPECT_EQ(Lookup(Wikidata("Q8685"), 1).status().code(),
            absl::StatusCode::kNotFound);
  // A system is matched whole, as is a value.
  v1::ExternalId other_system = Wikidata("Q25282");
  other_system.set_system("wiki");
  EXPECT_EQ(Lookup(other_system, 2).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Lookup(Wikidata("Q2528"), 2).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(EntityLookupTest, BatchListsMatchesInRequestOrderAndTheMissing) {
  v1::BatchLookupEntitiesRequest request;
  *request.add_external_ids() = Wikidata("Q1057370");
  *request.add_external_ids() = Wikidata("Q0");
  *request.add_external_ids() = Wikidata("Q25282");
  v1::BatchLookupEntitiesResponse response;
  ASSERT_TRUE(
      queries_->BatchLookupEntities(request, 2, StopCheck(), &response).ok());
  ASSERT_EQ(response.matches_size(), 2);
  EXPECT_EQ(response.matches(0).external_id().value(), "Q1057370");
  EXPECT_THAT(Ids(response.matches(0).entities()),
              ElementsAre("org:fpt", "org:fpt-software"));
  EXPECT_EQ(response.matches(1).external_id().value(), "Q25282");
  EXPECT_THAT(Ids(response.matches(1).entities()),
              ElementsAre("place:da-nang"));
  ASSERT_EQ(response.missing_size(), 1);
  EXPECT_EQ(response.missing(0).value(), "Q0");
}

TEST_F(EntityLookupTest, LookupsReadAtMostMaxKeysPerRead) {
  StoreQueries one_key(store_.get(), /*max_keys_per_read=*/1);
  v1::LookupEntityRequest request;
  *request.mutable_external_id() = Wikidata("Q1057370");
  v1::LookupEntityResponse response;
  absl::Status status =
      one_key.LookupEntity(request, 2, StopCheck(), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(status), reason::kReadTooLarge);
  // One entry is within the budget.
  *request.mutable_external_id() = Wikidata("Q25282");
  EXPECT_TRUE(one_key.LookupEntity(request, 2, StopCheck(), &response).ok());
}

TEST_F(EntityLookupTest, BadLookupsAreRefusedNamingTheField) {
  v1::LookupEntityRequest single;
  single.mutable_external_id()->set_value("Q1");
  v1::LookupEntityResponse single_response;
  absl::Status status =
      queries_->LookupEntity(single, 2, StopCheck(), &single_response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "external_id.system"))
      << status;

  v1::BatchLookupEntitiesRequest batch;
  *batch.add_external_ids() = Wikidata("Q1");
  *batch.add_external_ids() = Wikidata(std::string(257, 'Q'));
  v1::BatchLookupEntitiesResponse response;
  status = queries_->BatchLookupEntities(batch, 2, StopCheck(), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "external_ids[1].value"))
      << status;

  v1::BatchLookupEntitiesRequest too_many;
  for (int i = 0; i < 1001; ++i) *too_many.add_external_ids() = Wikidata("Q1");
  status = queries_->BatchLookupEntities(too_many, 2, StopCheck(), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "external_ids")) << status;
}

// ---- Erasure ----

TEST_F(EntityLookupTest, AnErasedEntityIsNeitherListedNorFoundAtAnyCommit) {
  storage::CommitBatch erase(*store_);
  erase.DeleteEntity(da_nang_);
  ASSERT_TRUE(store_->Write(erase, /*sync=*/false).ok());
  for (uint64_t commit : {1, 2}) {
    EXPECT_THAT(ListAll(OfTypes({v1::ENTITY_TYPE_PLACE}), commit),
                ::testing::Not(::testing::Contains("place:da-nang")));
    EXPECT_EQ(Lookup(Wikidata("Q25282"), commit).status().code(),
              absl::StatusCode::kNotFound);
  }
  // Its index entries went with it.
  auto scan = store_->ScanPrefix(storage::ColumnFamily::kNames, "");
  for (; scan->Valid(); scan->Next()) {
    EXPECT_FALSE(absl::StrContains(scan->key(), "place:da-nang"));
  }
}

}  // namespace
}  // namespace factstore::query
