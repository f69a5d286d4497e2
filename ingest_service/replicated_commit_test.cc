// Two ingest servers on one commit log (a real nats-server), both
// committing at once through their own committers, as two replicas that
// both believe they lead for a moment would. The log refuses one of two
// racing appends; that committer catches up and builds its group again on
// the other's commit. Every write is acknowledged once, lands once, and the
// two stores end identical.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ingest_service/entity_ops.h"
#include "ingest_service/ingest_server.h"
#include "tests/support/nats_server.h"
#include "tests/support/temp_dir.h"

namespace factstore::ingest {
namespace {

std::unique_ptr<IngestServer> StartServer(const std::string& nats_url,
                                          const std::string& data_dir) {
  IngestServerConfig config;
  config.grpc.listen_address = "127.0.0.1:0";
  config.data_dir = data_dir;
  config.replication.nats.servers = {nats_url};
  config.replication.log.stream = "RACE";
  config.replication.log.replicas = 1;
  config.load_timeout = absl::Seconds(30);
  auto server = IngestServer::Start(config);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// Commits one entity through `server`'s committer directly (not through the
// service, which would forward to the leader) and waits for the answer.
absl::Status Upsert(IngestServer& server, const std::string& id) {
  v1::UpsertEntitiesRequest request;
  v1::Entity* entity = request.add_entities();
  entity->set_id(id);
  entity->set_type(v1::ENTITY_TYPE_ORGANIZATION);
  entity->set_name(absl::StrCat("Organization ", id));
  absl::Notification done;
  absl::Status result;
  server.committer()->Submit(std::make_unique<UpsertEntitiesOp>(
      request,
      [&](const absl::Status& status, v1::UpsertEntitiesResponse&& reply) {
        result = status;
        if (status.ok() && reply.results(0).outcome() != v1::OUTCOME_CREATED) {
          result = absl::InternalError(
              absl::StrCat(id, ": outcome ", reply.results(0).outcome()));
        }
        done.Notify();
      }));
  done.WaitForNotification();
  return result;
}

TEST(ReplicatedCommit, RacingCommittersBuildOnEachOther) {
  auto nats = testing::NatsServer::Start();
  ASSERT_NE(nats, nullptr);
  testing::TempDir dir;
  auto a = StartServer(nats->url(), dir.path() + "/a");
  ASSERT_NE(a, nullptr);
  auto b = StartServer(nats->url(), dir.path() + "/b");
  ASSERT_NE(b, nullptr);
  std::atomic<int> conflicts{0};
  for (IngestServer* server : {a.get(), b.get()}) {
    server->committer()->set_observer([&conflicts](const CommitStats& stats) {
      conflicts += stats.conflicts;
    });
  }

  constexpr int kEach = 60;
  std::vector<std::string> failures[2];
  auto write = [&](IngestServer* server, const char* name, int slot) {
    for (int i = 0; i < kEach; ++i) {
      absl::Status s = Upsert(*server, absl::StrCat("org:", name, "-", i));
      if (!s.ok()) failures[slot].push_back(s.ToString());
    }
  };
  std::thread ta(write, a.get(), "a", 0);
  std::thread tb(write, b.get(), "b", 1);
  ta.join();
  tb.join();
  EXPECT_EQ(failures[0], std::vector<std::string>());
  EXPECT_EQ(failures[1], std::vector<std::string>());
  // The race did happen: some groups were built again.
  EXPECT_GT(conflicts.load(), 0);

  // Both stores reach the same last commit and hold every entity once.
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (a->replica()->status().head.last_commit() !=
             b->replica()->status().head.last_commit() &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  storage::StoreHead head_a = a->replica()->status().head;
  storage::StoreHead head_b = b->replica()->status().head;
  EXPECT_EQ(head_a.last_commit(), head_b.last_commit());
  EXPECT_EQ(head_a.entity_count(), 2 * kEach);
  EXPECT_EQ(head_b.entity_count(), 2 * kEach);
  // One commit per acknowledged write: no write was committed twice.
  EXPECT_EQ(head_a.last_commit(), 2u * kEach);
  for (const char* name : {"a", "b"}) {
    for (int i = 0; i < kEach; ++i) {
      std::string id = absl::StrCat("org:", name, "-", i);
      auto in_a = a->store()->ReadEntity(id);
      auto in_b = b->store()->ReadEntity(id);
      ASSERT_TRUE(in_a.ok()) << id;
      ASSERT_TRUE(in_b.ok()) << id;
      EXPECT_EQ(in_a->SerializeAsString(), in_b->SerializeAsString()) << id;
    }
  }
  a->Shutdown(absl::Seconds(5));
  b->Shutdown(absl::Seconds(5));
}

}  // namespace
}  // namespace factstore::ingest
