// Documents keep what describes them (url, title, publisher, publication
// date, language) once, and every read of a mention answers with it: set by
// the first mentions that give it, refused when a mention contradicts it,
// changed for every mention at once by an upsert, and read as of the commit.
#include "query_service/query_test_fixture.h"
#include "storage/commit_batch.h"
#include "storage/store.h"

namespace factstore {
namespace {

v1::Fact Described(v1::Fact fact, const std::string& url,
                   const std::string& publisher, const std::string& date) {
  v1::Mention* m = fact.mutable_mentions(0);
  m->set_url(url);
  m->set_title("First Vietnam - Korea Digital Forum held in Seoul");
  m->set_publisher(publisher);
  m->set_publication_date(date);
  return fact;
}

constexpr char kUrl[] = "https://example.org/vn-kr-digital-forum";

class DocumentTest : public QueryServiceTest {
 protected:
  v1::Entity Document(const std::string& id, v1::ReadOptions options = {}) {
    v1::GetEntityRequest request;
    request.set_id(id);
    *request.mutable_read_options() = options;
    v1::GetEntityResponse response;
    auto context = Context();
    grpc::Status status =
        query().GetEntity(context.get(), Fresh(request), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.entity();
  }
  // Ingests a fact citing doc:seoul-forum whose mention describes it (kUrl);
  // returns its id, and the commit in `commit`.
  std::string IngestDescribed(std::string* commit) {
    return IngestOne(
        Described(RawFact("place:seoul", "note.text", "capital",
                          "doc:seoul-forum", "in the capital Seoul"),
                  kUrl, "VietnamNet", "2024-08-03"),
        commit);
  }
  v1::Mention FirstMention(const std::string& fact_id,
                           v1::ReadOptions options = {}) {
    v1::GetFactResponse response;
    grpc::Status status = GetFact(fact_id, &response, options);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.fact().mentions_size() > 0 ? response.fact().mentions(0)
                                               : v1::Mention();
  }
};

TEST_F(DocumentTest, TheFirstMentionDescribesTheDocumentForEveryOther) {
  std::string described_at;
  std::string first = IngestDescribed(&described_at);
  v1::Entity document = Document("doc:seoul-forum");
  EXPECT_EQ(document.document().url(), kUrl);
  EXPECT_EQ(document.document().publisher(), "VietnamNet");
  EXPECT_EQ(document.document().publication_date(), "2024-08-03");
  EXPECT_EQ(document.document().language(), "en");

  // A later mention need not repeat it, and is read with it.
  std::string second = IngestOne(RawFact("org:fpt", "note.text", "exhibitor",
                                         "doc:seoul-forum", "FPT exhibited"));
  v1::Mention mention = FirstMention(second);
  EXPECT_EQ(mention.url(), kUrl);
  EXPECT_EQ(mention.publisher(), "VietnamNet");
  EXPECT_EQ(mention.publication_date(), "2024-08-03");

  // One that contradicts it is refused, naming the field, and changes
  // nothing.
  v1::IngestFactsRequest request;
  *request.add_facts() =
      Described(RawFact("org:vinasa", "note.text", "organizer",
                        "doc:seoul-forum", "Vinasa organized"),
                "https://example.org/other", "VietnamNet", "");
  v1::IngestFactsResponse refused = testing::Ingest(*cluster_, request);
  ASSERT_EQ(refused.results_size(), 1);
  EXPECT_EQ(refused.results(0).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(refused.results(0).error().violations(0).field(),
            "facts[0].mentions[0].url");
  EXPECT_THAT(refused.results(0).error().message(), HasSubstr(kUrl));

  // The document is changed by an upsert, for every mention at once; an
  // upsert that does not give the description keeps it.
  std::string renamed =
      Upsert(R"pb(entities {
                    id: "doc:seoul-forum"
                    type: ENTITY_TYPE_DOCUMENT
                    name: "First Vietnam - Korea Digital Forum"
                    document {
                      url: "https://example.org/moved"
                      publisher: "VietnamNet"
                      publication_date: "2024-08-03"
                      language: "en"
                    }
                  })pb");
  EXPECT_EQ(FirstMention(first).url(), "https://example.org/moved");
  EXPECT_EQ(FirstMention(second).url(), "https://example.org/moved");
  Upsert(R"pb(entities {
                id: "doc:seoul-forum"
                type: ENTITY_TYPE_DOCUMENT
                name: "First Vietnam - Korea Digital Forum (2024)"
              })pb");
  EXPECT_EQ(Document("doc:seoul-forum").document().url(),
            "https://example.org/moved");
  // As of before the upsert, the mentions read as they did then.
  v1::ReadOptions then;
  then.set_as_of(described_at);
  EXPECT_EQ(FirstMention(first, then).url(), kUrl);
  EXPECT_EQ(Document("doc:seoul-forum", then).document().url(), kUrl);

  // Lists, resolutions and the change feed read mentions the same way.
  v1::ListFactsRequest list;
  list.mutable_filter()->set_source_document("doc:seoul-forum");
  v1::ListFactsResponse listed = ListFactsOk(list);
  ASSERT_EQ(listed.facts_size(), 2);
  for (const v1::Fact& fact : listed.facts()) {
    ASSERT_GT(fact.mentions_size(), 0);
    EXPECT_EQ(fact.mentions(0).url(), "https://example.org/moved") << fact.id();
  }
  v1::WatchFactsRequest watch_request;
  watch_request.set_after(seed_commit_);
  WatchClient watch(query(), watch_request);
  ASSERT_TRUE(watch.WaitForEvents(2));
  // As of the commit of each event: the first, the url it had then.
  EXPECT_EQ(watch.Events()[0].fact().mentions(0).url(), kUrl);
  (void)renamed;
}

// The query service keeps documents' records between reads
// (document_cache.h) until a commit writes a document: reads after it see
// the change, reads as of before it what was there then.
TEST_F(DocumentTest, DocumentsAreKeptBetweenReadsUntilOneChanges) {
  query::DocumentCache* cache =
      cluster_->query_server()->follower()->document_cache();
  auto head = [&] {
    absl::StatusOr<storage::StoreHead> read =
        cluster_->ingest_server()->store()->ReadHead();
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *read : storage::StoreHead();
  };
  std::string described_at;
  std::string first = IngestDescribed(&described_at);
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  uint64_t hits = cache->hits();
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  EXPECT_GT(cache->hits(), hits);

  // Commits that write no document (an organization, a mention of the
  // document without its description) leave the kept record in use.
  const storage::StoreHead before = head();
  Upsert(R"pb(entities {
                id: "org:new-exhibitor"
                type: ENTITY_TYPE_ORGANIZATION
                name: "New Exhibitor"
              })pb");
  std::string second =
      IngestOne(RawFact("org:new-exhibitor", "note.text", "exhibitor",
                        "doc:seoul-forum", "exhibited"));
  const storage::StoreHead after = head();
  EXPECT_EQ(after.last_commit(), before.last_commit() + 2);
  EXPECT_EQ(after.documents_changed_commit(),
            before.documents_changed_commit());
  EXPECT_EQ(after.documents_kept_commit(), after.last_commit());
  hits = cache->hits();
  EXPECT_EQ(FirstMention(second).url(), kUrl);
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  EXPECT_GT(cache->hits(), hits);

  // One that changes it is seen by the next read.
  std::string moved =
      Upsert(R"pb(entities {
                    id: "doc:seoul-forum"
                    type: ENTITY_TYPE_DOCUMENT
                    name: "Moved"
                    document { url: "https://example.org/moved" language: "en" }
                  })pb");
  EXPECT_EQ(head().documents_changed_commit(), CommitOf(moved));
  EXPECT_EQ(FirstMention(first).url(), "https://example.org/moved");
  EXPECT_EQ(FirstMention(second).url(), "https://example.org/moved");
  v1::ReadOptions then;
  then.set_as_of(described_at);
  EXPECT_EQ(FirstMention(first, then).url(), kUrl);
}

// An erased document's kept record must not describe a document created
// again under its id: the erasure is a document change (document_cache.h).
TEST_F(DocumentTest, ADocumentCreatedAgainAfterItsErasureIsReadAnew) {
  query::DocumentCache* cache =
      cluster_->query_server()->follower()->document_cache();
  std::string first = IngestDescribed(nullptr);
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  uint64_t hits = cache->hits();
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  ASSERT_GT(cache->hits(), hits);  // the record is kept

  v1::EraseEntityResponse erased = Erase("doc:seoul-forum", "test");
  EXPECT_EQ(erased.erased_fact_count(), 1);
  Upsert(R"pb(entities {
                id: "doc:seoul-forum"
                type: ENTITY_TYPE_DOCUMENT
                name: "Created again"
                document {
                  url: "https://example.org/created-again"
                  publisher: "Korea Herald"
                  language: "en"
                }
              })pb");
  std::string second = IngestOne(RawFact("org:fpt", "note.text", "exhibitor",
                                         "doc:seoul-forum", "FPT exhibited"));
  v1::Mention mention = FirstMention(second);
  EXPECT_EQ(mention.url(), "https://example.org/created-again");
  EXPECT_EQ(mention.publisher(), "Korea Herald");
  EXPECT_EQ(mention.publication_date(), "");
  // The record read now is kept in its turn.
  hits = cache->hits();
  EXPECT_EQ(FirstMention(second).url(), "https://example.org/created-again");
  EXPECT_GT(cache->hits(), hits);
}

// A store whose last commit came from an earlier build, which did not keep
// documents_changed_commit: the query service keeps no document until a
// commit of this build says when documents last changed.
TEST_F(DocumentTest, NoDocumentIsKeptUntilThisBuildHasCommitted) {
  TestClusterOptions options;
  options.start_query = false;
  StartCluster(options);
  std::string first = IngestDescribed(nullptr);
  {
    // The head as an earlier build wrote it: without the two fields.
    storage::Store* store = cluster_->ingest_server()->store();
    absl::StatusOr<storage::StoreHead> head = store->ReadHead();
    ASSERT_TRUE(head.ok()) << head.status();
    head->clear_documents_changed_commit();
    head->clear_documents_kept_commit();
    storage::CommitBatch batch(*store);
    batch.PutHead(*head);
    ASSERT_TRUE(store->Write(batch, /*sync=*/false).ok());
  }
  ASSERT_TRUE(cluster_->RestartIngest());
  ASSERT_TRUE(cluster_->StartQuery());
  query::DocumentCache* cache =
      cluster_->query_server()->follower()->document_cache();
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  EXPECT_EQ(cache->hits(), 0u);

  // This build's first commit counts as a change of every document, and
  // keeps the field from then on.
  std::string created = Upsert(R"pb(entities {
                                      id: "org:new-exhibitor"
                                      type: ENTITY_TYPE_ORGANIZATION
                                      name: "New Exhibitor"
                                    })pb");
  absl::StatusOr<storage::StoreHead> head =
      cluster_->ingest_server()->store()->ReadHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->documents_changed_commit(), CommitOf(created));
  EXPECT_EQ(head->documents_kept_commit(), CommitOf(created));
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  EXPECT_EQ(FirstMention(first).url(), kUrl);
  EXPECT_GT(cache->hits(), 0u);
}

TEST_F(DocumentTest, AFactIsReadInItsDocumentsLanguage) {
  Upsert(R"pb(entities {
                id: "doc:vi-report"
                type: ENTITY_TYPE_DOCUMENT
                name: "Báo cáo"
                document { language: "vi" }
              })pb");
  // Neither the fact nor its mention says the language: "53.000" is read
  // the Vietnamese way, as fifty-three thousand.
  v1::Fact fact = RawFact("org:vinasa", "org.member_count", "53.000 người",
                          "doc:vi-report", "53.000 người", "");
  v1::IngestFactsResponse response = IngestAll({fact});
  ASSERT_EQ(response.results_size(), 1);
  EXPECT_EQ(response.results(0).fact().value().quantity().amount(), "53000");
  EXPECT_EQ(response.results(0).fact().mentions(0).language(), "vi");
}

TEST_F(DocumentTest, OnlyDocumentsAreDescribed) {
  auto request = testing::Parse<v1::UpsertEntitiesRequest>(R"pb(
    entities {
      id: "org:described"
      type: ENTITY_TYPE_ORGANIZATION
      name: "Described"
      document { url: "https://example.org" }
    }
    entities {
      id: "doc:bad-date"
      type: ENTITY_TYPE_DOCUMENT
      name: "Bad date"
      document { publication_date: "3 August 2024" }
    }
  )pb");
  v1::UpsertEntitiesResponse response;
  auto context = Context();
  ASSERT_TRUE(ingest().UpsertEntities(context.get(), request, &response).ok());
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_EQ(response.results(0).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(0).error().violations(0).field(),
            "entities[0].document");
  EXPECT_EQ(response.results(1).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(1).error().violations(0).field(),
            "entities[1].document.publication_date");
}

}  // namespace
}  // namespace factstore
