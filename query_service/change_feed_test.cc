// Unit tests of ChangeFeeds (the WatchFacts change feed) on a real store: a
// primary written as the ingest service's committer writes it, a
// StoreFollower following it as a RocksDB secondary, and the feeds serving
// WatchFacts.
//
// A feed is the grpc::ServerWriteReactor that ChangeFeeds::Start returns, so
// the tests call it through a gRPC stream: an in-process server whose only
// method is WatchFacts, answered by ChangeFeeds alone (no query service, no
// ingest service, no network). Its reading (positions, filters, events)
// is ChangeReader's, tested without a stream in change_reader_test.cc.
#include "query_service/change_feed.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/limits.h"
#include "common/mutex.h"
#include "factstore/v1/query_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "query_service/store_follower.h"
#include "storage/commit_batch.h"
#include "storage/commit_token.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::query {
namespace {

using ::factstore::testing::TempDir;

constexpr absl::Duration kPatience = absl::Seconds(10);
constexpr char kInvestment[] = "investment.cumulative_total";
constexpr char kMarketShare[] = "market.share";
constexpr char kDaNang[] = "place:da-nang";
constexpr char kKorea[] = "country:south-korea";
// Commit n is made at kEpochMicros + n seconds.
constexpr int64_t kEpochMicros = 1'700'000'000'000'000;

storage::FactRecord Fact(const std::string& id, const std::string& subject,
                         const std::string& predicate = kInvestment) {
  storage::TestFact fact;
  fact.id = id;
  fact.subject = subject;
  storage::FactRecord record = storage::MakeFactRecord(fact);
  record.mutable_content()->set_predicate(predicate);
  return record;
}

storage::Change FactChange(storage::ChangeKind kind,
                           const storage::FactRecord& fact) {
  storage::Change change;
  change.set_kind(kind);
  change.set_fact_id(fact.content().id());
  change.set_subject(fact.content().subject());
  change.set_predicate(fact.content().predicate());
  return change;
}

// The primary store, written commit by commit as the ingest service's
// committer writes it: records, the commit record and the head in one batch.
class Primary {
 public:
  explicit Primary(storage::Store* store) : store_(*store) {}

  uint32_t store_id() const { return store_.store_id(); }

  // Asserts new facts, one change each.
  uint64_t Assert(std::vector<storage::FactRecord> facts) {
    return Write([&](uint64_t commit, storage::CommitBatch& batch,
                     storage::CommitRecord& log) {
      for (storage::FactRecord& fact : facts) {
        fact.mutable_revisions(0)->set_commit(commit);
        fact.mutable_mentions(0)->set_commit(commit);
        ASSERT_TRUE(batch.PutFact(nullptr, fact).ok());
        *log.add_changes() =
            FactChange(storage::CHANGE_KIND_FACT_ASSERTED, fact);
      }
    });
  }

  uint64_t AddMention(const std::string& fact_id,
                      const std::string& document_id) {
    return Update(fact_id, storage::CHANGE_KIND_MENTION_ADDED,
                  [&](uint64_t commit, storage::FactRecord& fact) {
                    storage::MentionRecord* mention = fact.add_mentions();
                    mention->set_commit(commit);
                    mention->mutable_mention()->set_document_id(document_id);
                    mention->mutable_mention()->set_quote("quoted");
                  });
  }

  uint64_t Retract(const std::string& fact_id) {
    return Update(fact_id, storage::CHANGE_KIND_FACT_RETRACTED,
                  [](uint64_t commit, storage::FactRecord& fact) {
                    storage::FactRevision revision =
                        fact.revisions(fact.revisions_size() - 1);
                    revision.set_commit(commit);
                    revision.set_retracted(true);
                    revision.set_retraction_reason("wrong");
                    *fact.add_revisions() = revision;
                  });
  }

  // Erases entity `entity_id` as the ingest service does: deletes the facts
  // about it, scrubs their changes from the earlier commit records (leaving
  // empty entries, so that positions do not move) and records the erasure.
  uint64_t Erase(const std::string& entity_id) {
    return Write([&](uint64_t commit, storage::CommitBatch& batch,
                     storage::CommitRecord& log) {
      for (uint64_t c = 1; c < commit; ++c) {
        auto record = store_.ReadCommit(c);
        ASSERT_TRUE(record.ok()) << record.status();
        bool scrubbed = false;
        for (storage::Change& change : *record->mutable_changes()) {
          if (change.subject() != entity_id) continue;
          auto fact = store_.ReadFact(change.fact_id());
          if (fact.ok()) {
            ASSERT_TRUE(batch.DeleteFact(*fact).ok());
          }
          change.Clear();
          scrubbed = true;
        }
        if (scrubbed) batch.PutCommitRecord(*record);
      }
      storage::TombstoneRecord tombstone;
      storage::TombstoneEntry* erasure = tombstone.add_erasures();
      erasure->set_commit(commit);
      erasure->set_time_micros(TimeMicros(commit));
      erasure->set_reason("GDPR request");
      batch.PutTombstone(entity_id, tombstone);
      storage::Change* change = log.add_changes();
      change->set_kind(storage::CHANGE_KIND_ENTITY_ERASED);
      change->set_entity_id(entity_id);
    });
  }

  static int64_t TimeMicros(uint64_t commit) {
    return kEpochMicros + static_cast<int64_t>(commit) * 1'000'000;
  }

 private:
  using Fill = std::function<void(uint64_t commit, storage::CommitBatch&,
                                  storage::CommitRecord&)>;

  uint64_t Update(
      const std::string& fact_id, storage::ChangeKind kind,
      const std::function<void(uint64_t, storage::FactRecord&)>& change) {
    return Write([&](uint64_t commit, storage::CommitBatch& batch,
                     storage::CommitRecord& log) {
      auto before = store_.ReadFact(fact_id);
      ASSERT_TRUE(before.ok()) << before.status();
      storage::FactRecord after = *before;
      change(commit, after);
      ASSERT_TRUE(batch.PutFact(&*before, after).ok());
      *log.add_changes() = FactChange(kind, after);
    });
  }

  uint64_t Write(const Fill& fill) {
    const uint64_t commit = ++last_commit_;
    storage::CommitBatch batch(store_);
    storage::CommitRecord log;
    log.set_commit(commit);
    log.set_time_micros(TimeMicros(commit));
    fill(commit, batch, log);
    batch.PutCommitRecord(log);
    storage::StoreHead head;
    head.set_last_commit(commit);
    head.set_last_commit_time_micros(log.time_micros());
    batch.PutHead(head);
    absl::Status written = store_.Write(batch, /*sync=*/false);
    EXPECT_TRUE(written.ok()) << written;
    return commit;
  }

  storage::Store& store_;
  uint64_t last_commit_ = 0;
};

// WatchFacts answered by ChangeFeeds, and nothing else.
class FeedService final : public v1::QueryService::CallbackService {
 public:
  explicit FeedService(ChangeFeeds* feeds) : feeds_(feeds) {}

  // What the service's authorization says about every call.
  void set_allowed(grpc::Status allowed) { allowed_ = std::move(allowed); }

  grpc::ServerWriteReactor<v1::WatchFactsResponse>* WatchFacts(
      grpc::CallbackServerContext*,
      const v1::WatchFactsRequest* request) override {
    return feeds_->Start(*request, allowed_);
  }

 private:
  ChangeFeeds* const feeds_;
  grpc::Status allowed_ = grpc::Status::OK;
};

// One WatchFacts call, read on a thread of its own; cancelled on destruction.
class Watch {
 public:
  Watch(v1::QueryService::Stub& stub, const v1::WatchFactsRequest& request,
        uint32_t store_id)
      : store_id_(store_id) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(1)));
    reader_ = stub.WatchFacts(&context_, request);
    thread_ = std::thread([this] {
      v1::WatchFactsResponse response;
      while (reader_->Read(&response)) {
        MutexLock lock(&mu_);
        responses_.push_back(response);
      }
      grpc::Status status = reader_->Finish();
      MutexLock lock(&mu_);
      status_ = status;
      ended_ = true;
    });
  }
  ~Watch() {
    context_.TryCancel();
    thread_.join();
  }

  std::vector<v1::WatchFactsResponse> responses() {
    MutexLock lock(&mu_);
    return responses_;
  }

  // Each event as "<commit> <kind> <fact or erased entity id>".
  std::vector<std::string> keys() {
    std::vector<std::string> keys;
    for (const v1::WatchFactsResponse& response : responses()) {
      for (const v1::ChangeEvent& event : response.events()) {
        keys.push_back(Key(event));
      }
    }
    return keys;
  }

  std::vector<v1::ChangeEvent> events() {
    std::vector<v1::ChangeEvent> events;
    for (const v1::WatchFactsResponse& response : responses()) {
      events.insert(events.end(), response.events().begin(),
                    response.events().end());
    }
    return events;
  }

  // Waits until `done` holds for the responses so far; false if the stream
  // ends or time runs out first.
  bool AwaitUntil(
      const std::function<bool(const std::vector<v1::WatchFactsResponse>&)>&
          done) {
    const absl::Time deadline = absl::Now() + kPatience;
    while (true) {
      {
        MutexLock lock(&mu_);
        if (done(responses_)) return true;
        if (ended_ || absl::Now() > deadline) return false;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  bool AwaitResponses(size_t n) {
    return AwaitUntil(
        [n](const auto& responses) { return responses.size() >= n; });
  }
  bool AwaitEvents(size_t n) {
    return AwaitUntil([n](const auto& responses) {
      size_t count = 0;
      for (const auto& r : responses) count += r.events_size();
      return count >= n;
    });
  }
  // Waits for an event whose key is `key`.
  bool AwaitEvent(const std::string& key) {
    return AwaitUntil([&](const auto& responses) {
      for (const auto& r : responses) {
        for (const auto& e : r.events()) {
          if (Key(e) == key) return true;
        }
      }
      return false;
    });
  }

  // Waits for the stream to end; its status.
  grpc::Status AwaitEnd() {
    AwaitUntil([](const auto&) { return false; });
    MutexLock lock(&mu_);
    return ended_ ? status_
                  : grpc::Status(grpc::StatusCode::UNKNOWN, "still open");
  }

 private:
  std::string Key(const v1::ChangeEvent& event) const {
    auto commit = storage::DecodeCommitToken(event.commit_token(), store_id_,
                                             "commit_token");
    absl::string_view kind = v1::ChangeKind_Name(event.kind());
    absl::ConsumePrefix(&kind, "CHANGE_KIND_");
    return absl::StrCat(
        commit.ok() ? absl::StrCat(*commit) : "?", " ", kind, " ",
        event.kind() == v1::CHANGE_KIND_ERASED ? event.erased_entity_id()
                                               : event.fact().id());
  }

  const uint32_t store_id_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderInterface<v1::WatchFactsResponse>> reader_;
  Mutex mu_;
  std::vector<v1::WatchFactsResponse> responses_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

std::string Key(uint64_t commit, absl::string_view kind, absl::string_view id) {
  return absl::StrCat(commit, " ", kind, " ", id);
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  static constexpr int kMaxWatches = 8;

  void SetUp() override {
    auto store = storage::Store::OpenPrimary(dir_.path() + "/db",
                                             storage::SmallTestStoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    primary_ = std::make_unique<Primary>(store_.get());

    FollowerOptions options;
    options.data_dir = dir_.path() + "/db";
    options.secondary_dir = dir_.path() + "/secondary";
    options.catch_up_interval = absl::Milliseconds(5);
    options.store = storage::SmallTestStoreOptions();
    follower_ = StoreFollower::Start(std::move(options));
    ASSERT_TRUE(AwaitVisible(0));

    feeds_ = std::make_unique<ChangeFeeds>(follower_.get(), kMaxWatches);
    service_ = std::make_unique<FeedService>(feeds_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::QueryService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    }
  }

  // Waits until the follower sees `commit` (so that a watch with an empty
  // `after` starts after it).
  bool AwaitVisible(uint64_t commit) {
    const absl::Time deadline = absl::Now() + kPatience;
    while (!follower_->view().ready || follower_->visible_commit() < commit) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(2));
    }
    return true;
  }

  uint32_t store_id() const { return store_->store_id(); }
  std::string CommitToken(uint64_t commit) const {
    return storage::EncodeCommitToken(store_id(), commit);
  }

  std::unique_ptr<Watch> StartWatch(const std::string& after,
                                    const std::string& subject = "",
                                    const std::string& predicate_prefix = "") {
    v1::WatchFactsRequest request;
    request.set_after(after);
    request.set_subject(subject);
    request.set_predicate_prefix(predicate_prefix);
    return StartWatch(request);
  }
  std::unique_ptr<Watch> StartWatch(const v1::WatchFactsRequest& request) {
    return std::make_unique<Watch>(*stub_, request, store_id());
  }

  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Primary> primary_;
  std::unique_ptr<StoreFollower> follower_;
  std::unique_ptr<ChangeFeeds> feeds_;
  std::unique_ptr<FeedService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::QueryService::Stub> stub_;
};

TEST_F(ChangeFeedTest, DeliversEveryChangeOfACommitRangeOnceInCommitOrder) {
  const uint64_t c1 = primary_->Assert(
      {Fact("f_1", kDaNang), Fact("f_2", kKorea, kMarketShare)});
  const uint64_t c2 = primary_->AddMention("f_1", "doc:b");

  // From the start of the log: commits already made, then new ones.
  std::unique_ptr<Watch> watch = StartWatch(CommitToken(0));
  ASSERT_TRUE(watch->AwaitEvents(3));
  const uint64_t c3 = primary_->Retract("f_2");
  const uint64_t c4 = primary_->Assert({Fact("f_3", kKorea)});
  ASSERT_TRUE(watch->AwaitEvent(Key(c4, "ASSERTED", "f_3")));
  EXPECT_EQ(watch->keys(), (std::vector<std::string>{
                               Key(c1, "ASSERTED", "f_1"),
                               Key(c1, "ASSERTED", "f_2"),
                               Key(c2, "MENTION_ADDED", "f_1"),
                               Key(c3, "RETRACTED", "f_2"),
                               Key(c4, "ASSERTED", "f_3"),
                           }));

  // Each event shows the fact as of its own commit, at that commit's time.
  std::vector<v1::ChangeEvent> events = watch->events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].fact().subject(), kDaNang);
  EXPECT_EQ(events[0].fact().mentions_size(), 1);  // the second came at c2
  EXPECT_EQ(events[2].fact().mentions_size(), 2);
  EXPECT_EQ(events[2].fact().mentions(1).document_id(), "doc:b");
  EXPECT_FALSE(events[1].fact().retracted());  // retracted at c3
  EXPECT_TRUE(events[3].fact().retracted());
  EXPECT_EQ(events[3].fact().predicate(), kMarketShare);
  for (const v1::ChangeEvent& event : events) {
    auto commit =
        storage::DecodeCommitToken(event.commit_token(), store_id(), "token");
    ASSERT_TRUE(commit.ok()) << commit.status();
    EXPECT_EQ(event.commit_time().seconds() * 1'000'000 +
                  event.commit_time().nanos() / 1000,
              Primary::TimeMicros(*commit));
    EXPECT_TRUE(event.erased_entity_id().empty());
  }
  // Every response says where it leaves off.
  for (const v1::WatchFactsResponse& response : watch->responses()) {
    EXPECT_TRUE(
        storage::DecodeResumeToken(response.resume_token(), store_id(), "t")
            .ok())
        << response.resume_token();
  }
}

TEST_F(ChangeFeedTest, WithoutAfterStartsAfterTheLatestVisibleCommit) {
  primary_->Assert({Fact("f_1", kDaNang)});
  const uint64_t seen = primary_->Assert({Fact("f_2", kDaNang)});
  ASSERT_TRUE(AwaitVisible(seen));

  v1::WatchFactsRequest request;
  request.set_heartbeat_ms(100);
  std::unique_ptr<Watch> watch = StartWatch(request);
  // At once, a response without events saying where the watch starts; then
  // heartbeats at the same position while nothing happens.
  ASSERT_TRUE(watch->AwaitResponses(3));
  for (const v1::WatchFactsResponse& response : watch->responses()) {
    EXPECT_EQ(response.events_size(), 0);
    auto position =
        storage::DecodeResumeToken(response.resume_token(), store_id(), "t");
    ASSERT_TRUE(position.ok()) << position.status();
    EXPECT_EQ(position->commit, seen);
    EXPECT_EQ(position->offset, storage::CommitPosition::kWholeCommit);
  }

  const uint64_t next = primary_->Assert({Fact("f_3", kKorea)});
  ASSERT_TRUE(watch->AwaitEvent(Key(next, "ASSERTED", "f_3")));
  EXPECT_EQ(watch->keys(),
            (std::vector<std::string>{Key(next, "ASSERTED", "f_3")}));
}

TEST_F(ChangeFeedTest, ResumeTokensContinueAfterTheLastDeliveredEvent) {
  // More changes in one commit than one response holds.
  std::vector<storage::FactRecord> facts;
  std::vector<std::string> expected;
  const uint64_t big = 1;
  for (int i = 0; i < kMaxEventsPerResponse + 50; ++i) {
    std::string id = absl::StrCat("f_", 1000 + i);
    facts.push_back(Fact(id, i % 2 == 0 ? kDaNang : kKorea));
    expected.push_back(Key(big, "ASSERTED", id));
  }
  ASSERT_EQ(primary_->Assert(std::move(facts)), big);
  const uint64_t small = primary_->Assert({Fact("f_1", kDaNang)});
  expected.push_back(Key(small, "ASSERTED", "f_1"));
  ASSERT_TRUE(AwaitVisible(small));

  std::unique_ptr<Watch> watch = StartWatch(CommitToken(0));
  ASSERT_TRUE(watch->AwaitEvents(expected.size()));
  ASSERT_EQ(watch->keys(), expected);
  std::vector<v1::WatchFactsResponse> responses = watch->responses();
  ASSERT_GE(responses.size(), 2u);
  // The first response is full, and stops inside the big commit: its token
  // is the position after its last event.
  ASSERT_EQ(responses[0].events_size(), kMaxEventsPerResponse);
  auto position =
      storage::DecodeResumeToken(responses[0].resume_token(), store_id(), "t");
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(position->commit, big);
  EXPECT_EQ(position->offset, static_cast<uint32_t>(kMaxEventsPerResponse));
  watch.reset();

  // Resuming after any response delivers exactly the events after it.
  const uint64_t sentinel = primary_->Assert({Fact("f_2", kDaNang)});
  expected.push_back(Key(sentinel, "ASSERTED", "f_2"));
  size_t delivered = 0;
  for (const v1::WatchFactsResponse& response : responses) {
    delivered += response.events_size();
    if (delivered == 0) continue;
    std::unique_ptr<Watch> resumed = StartWatch(response.resume_token());
    ASSERT_TRUE(resumed->AwaitEvent(expected.back()))
        << "resumed at " << response.resume_token();
    EXPECT_EQ(
        resumed->keys(),
        std::vector<std::string>(expected.begin() + delivered, expected.end()))
        << "resumed at " << response.resume_token();
  }
}

TEST_F(ChangeFeedTest, ResumeTokensOfAFilteredWatchLoseAndRepeatNothing) {
  // 125 matching changes among 250 in one commit: the first response fills
  // with 100 of them, in the middle of the commit.
  std::vector<storage::FactRecord> facts;
  std::vector<std::string> expected;
  for (int i = 0; i < 2 * (kMaxEventsPerResponse + 25); ++i) {
    std::string id = absl::StrCat("f_", 1000 + i);
    facts.push_back(Fact(id, i % 2 == 0 ? kDaNang : kKorea));
    if (i % 2 == 0) expected.push_back(Key(1, "ASSERTED", id));
  }
  ASSERT_EQ(primary_->Assert(std::move(facts)), 1u);
  ASSERT_TRUE(AwaitVisible(1));

  std::unique_ptr<Watch> watch = StartWatch(CommitToken(0), kDaNang);
  ASSERT_TRUE(watch->AwaitEvents(expected.size()));
  ASSERT_EQ(watch->keys(), expected);
  const v1::WatchFactsResponse first = watch->responses()[0];
  ASSERT_EQ(first.events_size(), kMaxEventsPerResponse);
  watch.reset();

  const uint64_t sentinel = primary_->Assert({Fact("f_1", kDaNang)});
  expected.push_back(Key(sentinel, "ASSERTED", "f_1"));
  std::unique_ptr<Watch> resumed = StartWatch(first.resume_token(), kDaNang);
  ASSERT_TRUE(resumed->AwaitEvent(expected.back()));
  EXPECT_EQ(resumed->keys(),
            std::vector<std::string>(expected.begin() + kMaxEventsPerResponse,
                                     expected.end()));
}

TEST_F(ChangeFeedTest, FiltersSelectBySubjectAndPredicatePrefix) {
  const uint64_t c1 = primary_->Assert({
      Fact("f_1", kDaNang, kInvestment), Fact("f_2", kDaNang, kMarketShare),
      Fact("f_3", kKorea, kMarketShare),
      Fact("f_4", "place:da-nang-city", kMarketShare),  // another subject
      Fact("f_5", kDaNang, "marketing.budget"),         // not "market."
  });
  const uint64_t c2 = primary_->AddMention("f_3", "doc:b");
  const uint64_t c3 = primary_->Retract("f_1");

  std::unique_ptr<Watch> by_subject = StartWatch(CommitToken(0), kDaNang);
  std::unique_ptr<Watch> by_prefix = StartWatch(CommitToken(0), "", "market.");
  std::unique_ptr<Watch> by_both =
      StartWatch(CommitToken(0), kDaNang, "market.");
  // A change every filter selects, so that each watch has read everything
  // before it.
  const uint64_t c4 = primary_->Assert({Fact("f_6", kDaNang, "market.size")});
  const std::string last = Key(c4, "ASSERTED", "f_6");
  ASSERT_TRUE(by_subject->AwaitEvent(last));
  ASSERT_TRUE(by_prefix->AwaitEvent(last));
  ASSERT_TRUE(by_both->AwaitEvent(last));

  EXPECT_EQ(by_subject->keys(), (std::vector<std::string>{
                                    Key(c1, "ASSERTED", "f_1"),
                                    Key(c1, "ASSERTED", "f_2"),
                                    Key(c1, "ASSERTED", "f_5"),
                                    Key(c3, "RETRACTED", "f_1"),
                                    last,
                                }));
  EXPECT_EQ(by_prefix->keys(), (std::vector<std::string>{
                                   Key(c1, "ASSERTED", "f_2"),
                                   Key(c1, "ASSERTED", "f_3"),
                                   Key(c1, "ASSERTED", "f_4"),
                                   Key(c2, "MENTION_ADDED", "f_3"),
                                   last,
                               }));
  EXPECT_EQ(by_both->keys(), (std::vector<std::string>{
                                 Key(c1, "ASSERTED", "f_2"),
                                 last,
                             }));
}

TEST_F(ChangeFeedTest, AnErasureIsDeliveredAndTheErasedFactsAreNotReplayed) {
  const std::string person = "person:x";
  const uint64_t c1 =
      primary_->Assert({Fact("f_1", person), Fact("f_2", kDaNang)});
  const uint64_t c2 = primary_->AddMention("f_1", "doc:b");

  // A watch open before the erasure has seen the facts; it then learns of
  // the erasure.
  std::unique_ptr<Watch> before = StartWatch(CommitToken(0));
  ASSERT_TRUE(before->AwaitEvents(3));
  const uint64_t c3 = primary_->Erase(person);
  ASSERT_TRUE(before->AwaitEvent(Key(c3, "ERASED", person)));
  EXPECT_EQ(before->keys(), (std::vector<std::string>{
                                Key(c1, "ASSERTED", "f_1"),
                                Key(c1, "ASSERTED", "f_2"),
                                Key(c2, "MENTION_ADDED", "f_1"),
                                Key(c3, "ERASED", person),
                            }));
  std::vector<v1::ChangeEvent> events = before->events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_FALSE(events[3].has_fact());
  EXPECT_EQ(events[3].commit_token(), CommitToken(c3));

  // A watch replaying the log afterwards never sees the erased facts, only
  // the erasure; erasures reach watches of the entity and watches filtered
  // by predicate, not watches of other subjects.
  std::unique_ptr<Watch> after = StartWatch(CommitToken(0));
  std::unique_ptr<Watch> of_person = StartWatch(CommitToken(0), person);
  std::unique_ptr<Watch> by_prefix = StartWatch(CommitToken(0), "", "market.");
  std::unique_ptr<Watch> of_da_nang = StartWatch(CommitToken(0), kDaNang);
  const uint64_t c4 = primary_->Assert({Fact("f_3", kDaNang, "market.size"),
                                        Fact("f_4", person, "market.size")});
  // The last change each of them selects.
  const std::string f_3 = Key(c4, "ASSERTED", "f_3");
  const std::string f_4 = Key(c4, "ASSERTED", "f_4");
  ASSERT_TRUE(after->AwaitEvent(f_4));
  ASSERT_TRUE(of_person->AwaitEvent(f_4));
  ASSERT_TRUE(by_prefix->AwaitEvent(f_4));
  ASSERT_TRUE(of_da_nang->AwaitEvent(f_3));
  EXPECT_EQ(after->keys(), (std::vector<std::string>{
                               Key(c1, "ASSERTED", "f_2"),
                               Key(c3, "ERASED", person),
                               f_3,
                               f_4,
                           }));
  EXPECT_EQ(of_person->keys(), (std::vector<std::string>{
                                   Key(c3, "ERASED", person),
                                   f_4,
                               }));
  EXPECT_EQ(by_prefix->keys(), (std::vector<std::string>{
                                   Key(c3, "ERASED", person),
                                   f_3,
                                   f_4,
                               }));
  EXPECT_EQ(of_da_nang->keys(), (std::vector<std::string>{
                                    Key(c1, "ASSERTED", "f_2"),
                                    f_3,
                                }));
}

TEST_F(ChangeFeedTest, RefusesWatchesItCannotServe) {
  primary_->Assert({Fact("f_1", kDaNang)});

  // A token of another store.
  std::unique_ptr<Watch> foreign =
      StartWatch(storage::EncodeCommitToken(store_id() + 1, 1));
  EXPECT_EQ(foreign->AwaitEnd().error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // A subject longer than any id.
  std::unique_ptr<Watch> long_subject =
      StartWatch("", std::string(kMaxIdBytes + 1, 'x'));
  EXPECT_EQ(long_subject->AwaitEnd().error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // What the caller's authorization said.
  service_->set_allowed(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not yours"));
  std::unique_ptr<Watch> denied = StartWatch("");
  EXPECT_EQ(denied->AwaitEnd().error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  service_->set_allowed(grpc::Status::OK);

  // At most kMaxWatches open at once. A watch that has ended stops counting
  // once gRPC is done with its call, a moment after its client learns the
  // end: hence the retries.
  auto open_one = [this]() -> std::unique_ptr<Watch> {
    const absl::Time deadline = absl::Now() + kPatience;
    while (absl::Now() < deadline) {
      std::unique_ptr<Watch> watch = StartWatch("");
      if (watch->AwaitResponses(1)) return watch;
    }
    return nullptr;
  };
  std::vector<std::unique_ptr<Watch>> open;
  for (int i = 0; i < kMaxWatches; ++i) {
    open.push_back(open_one());
    ASSERT_NE(open.back(), nullptr) << "watch " << i;
  }
  std::unique_ptr<Watch> one_too_many = StartWatch("");
  grpc::Status refused = one_too_many->AwaitEnd();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();
  // A watch that ends makes room for another.
  open.pop_back();
  EXPECT_NE(open_one(), nullptr);
}

TEST_F(ChangeFeedTest, EndFeedsEndsWatchesWithWhereToResume) {
  const uint64_t c1 = primary_->Assert({Fact("f_1", kDaNang)});
  std::unique_ptr<Watch> watch = StartWatch(CommitToken(0));
  ASSERT_TRUE(watch->AwaitEvent(Key(c1, "ASSERTED", "f_1")));

  follower_->EndFeeds();
  grpc::Status ended = watch->AwaitEnd();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The message names the position after the last event delivered.
  const std::string resume = storage::EncodeResumeToken(store_id(), {c1});
  EXPECT_NE(ended.error_message().find(absl::StrCat("after=\"", resume, "\"")),
            std::string::npos)
      << ended.error_message();
}

}  // namespace
}  // namespace factstore::query
