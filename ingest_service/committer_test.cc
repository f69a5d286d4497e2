// The committer on its own, over a store in a temporary directory: how it
// groups the operations it is given into commits, which operations it keeps
// apart, how it bounds its queue, and how it drains at shutdown.
//
// The operations are small WriteOps of the test's own: each writes one
// predicate record named after itself ("test.<name>") through the
// CommitContext, so that what it committed can be read back from the store,
// and records in a Journal when the committer applied it (and in which
// commit), queued it, and answered it. A Gate holds an operation inside
// Apply, which keeps the committer busy with one commit while the test
// submits what must wait for the next.
#include "ingest_service/committer.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "common/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/commit_token.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// What the committer did with the test's operations. Written on the
// committer thread, read on the test's.
class Journal {
 public:
  struct Group {
    uint64_t commit;
    int operations;
    int items;
  };

  void Applied(const std::string& op, uint64_t commit) {
    MutexLock lock(&mu_);
    events_.push_back("apply " + op);
    applied_.push_back(op);
    commit_of_[op] = commit;
    committer_thread_ = std::this_thread::get_id();
  }
  void Queued(const std::string& op) {
    MutexLock lock(&mu_);
    events_.push_back("queued " + op);
    queued_.push_back(op);
    queued_on_[op] = std::this_thread::get_id();
  }
  // `stored_commit`: the commit of op's write in the store when Done ran.
  void Done(const std::string& op, const absl::Status& status,
            const std::string& token, uint64_t stored_commit) {
    MutexLock lock(&mu_);
    // Done is called exactly once.
    EXPECT_EQ(status_of_.count(op), 0u) << op << " was answered twice";
    events_.push_back("done " + op);
    status_of_[op] = status;
    token_of_[op] = token;
    stored_at_done_[op] = stored_commit;
  }
  void Committed(const CommitStats& stats) {
    MutexLock lock(&mu_);
    groups_.push_back({stats.commit, stats.operations, stats.items});
  }

  // Blocks until every op of `ops` is done, and the observer (which the
  // committer calls after the Done of a group) has seen their commits.
  void AwaitDone(const std::vector<std::string>& ops) {
    MutexLock lock(&mu_);
    mu_.Await([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      uint64_t last = 0;
      for (const std::string& op : ops) {
        if (status_of_.count(op) == 0) return false;
        last = std::max(last, stored_at_done_[op]);
      }
      return last == 0 || (!groups_.empty() && groups_.back().commit >= last);
    });
  }

  // Every "apply X", "queued X" and "done X", in the order they happened.
  std::vector<std::string> events() const {
    MutexLock lock(&mu_);
    return events_;
  }
  std::vector<std::string> applied() const {
    MutexLock lock(&mu_);
    return applied_;
  }
  std::vector<std::string> queued() const {
    MutexLock lock(&mu_);
    return queued_;
  }
  // The commit `op` was applied in, or 0 if it was not applied.
  uint64_t commit_of(const std::string& op) const {
    MutexLock lock(&mu_);
    auto it = commit_of_.find(op);
    return it == commit_of_.end() ? 0 : it->second;
  }
  // The status `op` was answered with, if it was.
  std::optional<absl::Status> status_of(const std::string& op) const {
    MutexLock lock(&mu_);
    auto it = status_of_.find(op);
    if (it == status_of_.end()) return std::nullopt;
    return it->second;
  }
  std::string token_of(const std::string& op) const {
    MutexLock lock(&mu_);
    auto it = token_of_.find(op);
    return it == token_of_.end() ? "" : it->second;
  }
  // The commit of `op`'s write in the store when it was answered (0: none).
  uint64_t stored_at_done(const std::string& op) const {
    MutexLock lock(&mu_);
    auto it = stored_at_done_.find(op);
    return it == stored_at_done_.end() ? 0 : it->second;
  }
  // True if `op`'s queued callback ran on the thread that applies operations.
  bool queued_on_committer_thread(const std::string& op) const {
    MutexLock lock(&mu_);
    auto it = queued_on_.find(op);
    return it != queued_on_.end() && it->second == committer_thread_;
  }
  // The commits the observer saw.
  std::vector<Group> groups() const {
    MutexLock lock(&mu_);
    return groups_;
  }

 private:
  mutable Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> applied_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> queued_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> commit_of_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> status_of_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> token_of_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> stored_at_done_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::thread::id> queued_on_ ABSL_GUARDED_BY(mu_);
  std::thread::id committer_thread_ ABSL_GUARDED_BY(mu_);
  std::vector<Group> groups_ ABSL_GUARDED_BY(mu_);
};

bool operator==(const Journal::Group& a, const Journal::Group& b) {
  return a.commit == b.commit && a.operations == b.operations &&
         a.items == b.items;
}

void PrintTo(const Journal::Group& g, std::ostream* os) {
  *os << "{commit " << g.commit << ", " << g.operations << " operations, "
      << g.items << " items}";
}

// Holds the operation that passes it inside Apply until the test opens it.
class Gate {
 public:
  // Called by the operation, on the committer thread.
  void Pass() {
    {
      MutexLock lock(&mu_);
      entered_ = true;
    }  // unlocking wakes AwaitEntered (waiting in Await does not)
    MutexLock lock(&mu_);
    mu_.Await([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return open_; });
  }
  // Blocks until an operation waits at the gate: the committer is then in
  // the middle of a commit, and what is submitted now waits for the next.
  void AwaitEntered() {
    MutexLock lock(&mu_);
    mu_.Await([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return entered_; });
  }
  void Open() {
    MutexLock lock(&mu_);
    open_ = true;
  }

 private:
  Mutex mu_;
  bool entered_ ABSL_GUARDED_BY(mu_) = false;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
};

// The predicate record an operation named `name` writes.
std::string KeyOf(const std::string& name) { return "test." + name; }

// The commit that wrote `op`'s record to `store`, or 0 if it is not there.
uint64_t StoredCommitOf(const storage::Store& store, const std::string& op) {
  auto record = store.ReadPredicate(KeyOf(op));
  if (!record.ok()) {
    EXPECT_TRUE(absl::IsNotFound(record.status())) << record.status();
    return 0;
  }
  return record->revisions(0).commit();
}

// The threads an operation was answered and freed on.
struct Lifetime {
  Mutex mu;
  std::optional<std::thread::id> done_on ABSL_GUARDED_BY(mu);
  std::optional<std::thread::id> freed_on ABSL_GUARDED_BY(mu);
};

// A test operation; see the top of the file.
class TestOp : public WriteOp {
 public:
  struct Options {
    int weight = 1;
    bool exclusive = false;
    // Holds Apply until the gate opens.
    Gate* gate = nullptr;
    // Apply writes nothing.
    bool writes = true;
    // Apply writes, then fails with this status.
    absl::Status fails_with;
    // Where Done and the destructor ran, if set.
    Lifetime* lifetime = nullptr;
  };

  TestOp(std::string name, const storage::Store* store, Journal* journal,
         Options options)
      : name_(std::move(name)),
        store_(store),
        journal_(journal),
        options_(options) {}
  ~TestOp() override {
    if (options_.lifetime == nullptr) return;
    MutexLock lock(&options_.lifetime->mu);
    options_.lifetime->freed_on = std::this_thread::get_id();
  }

  absl::Status Apply(CommitContext& ctx) override {
    journal_->Applied(name_, ctx.commit());
    if (options_.gate != nullptr) options_.gate->Pass();
    if (options_.writes) {
      storage::PredicateRecord record;
      storage::PredicateRevision* revision = record.add_revisions();
      revision->set_commit(ctx.commit());
      revision->mutable_predicate()->set_name(KeyOf(name_));
      revision->mutable_predicate()->set_value_type(v1::VALUE_TYPE_BOOLEAN);
      ctx.predicates().Put(KeyOf(name_), std::move(record));
    }
    return options_.fails_with;
  }
  absl::Status Replay(const storage::RequestRecord&, CommitContext&) override {
    return absl::UnimplementedError("test operations carry no request id");
  }
  void RecordItems(storage::RequestRecord*) const override {}
  void Done(const absl::Status& status,
            const std::string& commit_token) override {
    if (options_.lifetime != nullptr) {
      MutexLock lock(&options_.lifetime->mu);
      options_.lifetime->done_on = std::this_thread::get_id();
    }
    journal_->Done(name_, status, commit_token, StoredCommitOf(*store_, name_));
  }
  int weight() const override { return options_.weight; }
  bool exclusive() const override { return options_.exclusive; }
  const char* method() const override { return "Test"; }

 private:
  const std::string name_;
  const storage::Store* const store_;
  Journal* const journal_;
  const Options options_;
};

TestOp::Options Weighing(int weight) {
  TestOp::Options options;
  options.weight = weight;
  return options;
}

TestOp::Options Exclusive() {
  TestOp::Options options;
  options.exclusive = true;
  return options;
}

TestOp::Options WritingNothing() {
  TestOp::Options options;
  options.writes = false;
  return options;
}

TestOp::Options FailingWith(absl::Status status) {
  TestOp::Options options;
  options.fails_with = std::move(status);
  return options;
}

class CommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options = storage::SmallTestStoreOptions();
    auto store = storage::Store::OpenPrimary(dir_.path() + "/db", options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // A failed assertion must not leave the committer stuck at the gate.
  void TearDown() override {
    gate_.Open();
    committer_.reset();
  }

  void Start(CommitterOptions options = {}) {
    auto committer = Committer::Start(store_.get(), options);
    ASSERT_TRUE(committer.ok()) << committer.status();
    committer_ = *std::move(committer);
    committer_->set_observer(
        [this](const CommitStats& stats) { journal_.Committed(stats); });
  }

  std::unique_ptr<TestOp> Op(const std::string& name,
                             TestOp::Options options = {}) {
    return std::make_unique<TestOp>(name, store_.get(), &journal_, options);
  }

  // Submits an operation that holds the committer in its commit until
  // gate_ opens, and waits until it does.
  void HoldCommitterBusy(const std::string& name) {
    TestOp::Options options;
    options.gate = &gate_;
    committer_->Submit(Op(name, options));
    gate_.AwaitEntered();
  }

  // Releases the held commit and waits until every op of `ops` is done.
  void ReleaseAndAwait(const std::vector<std::string>& ops) {
    gate_.Open();
    journal_.AwaitDone(ops);
  }

  uint64_t StoredCommitOf(const std::string& op) const {
    return ingest::StoredCommitOf(*store_, op);
  }

  std::string TokenFor(uint64_t commit) const {
    return storage::EncodeCommitToken(store_->store_id(), commit);
  }

  factstore::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  Journal journal_;
  Gate gate_;
  std::unique_ptr<Committer> committer_;
};

TEST_F(CommitterTest, OperationsSubmittedDuringACommitShareTheNextOne) {
  Start();
  HoldCommitterBusy("a");
  committer_->Submit(Op("b"));
  committer_->Submit(Op("c", Weighing(2)));
  committer_->Submit(Op("d"));
  ReleaseAndAwait({"a", "b", "c", "d"});

  // Applied in submission order; b, c and d in one commit after a's.
  EXPECT_THAT(journal_.applied(), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(journal_.groups(),
              ElementsAre(Journal::Group{1, 1, 1}, Journal::Group{2, 3, 4}));
  for (const char* op : {"b", "c", "d"}) {
    EXPECT_EQ(journal_.commit_of(op), 2u) << op;
    EXPECT_EQ(journal_.status_of(op), absl::OkStatus()) << op;
    // Each is told the commit that holds its write, which is in the store.
    EXPECT_EQ(journal_.token_of(op), TokenFor(2)) << op;
    EXPECT_EQ(StoredCommitOf(op), 2u) << op;
  }
  EXPECT_EQ(journal_.token_of("a"), TokenFor(1));
  EXPECT_EQ(StoredCommitOf("a"), 1u);
  EXPECT_EQ(committer_->head().last_commit(), 2u);
  auto head = store_->ReadHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->last_commit(), 2u);
}

TEST_F(CommitterTest, OperationsAreAnsweredOnceTheirCommitIsInTheStore) {
  Start();
  HoldCommitterBusy("a");
  committer_->Submit(Op("b"));
  committer_->Submit(Op("c"));
  ReleaseAndAwait({"a", "b", "c"});
  EXPECT_THAT(journal_.events(), ElementsAre("apply a", "done a", "apply b",
                                             "apply c", "done b", "done c"));
  // When Done ran, the store already held the operation's write.
  EXPECT_EQ(journal_.stored_at_done("a"), 1u);
  EXPECT_EQ(journal_.stored_at_done("b"), 2u);
  EXPECT_EQ(journal_.stored_at_done("c"), 2u);
}

TEST_F(CommitterTest, AnsweredOperationsAreFreedOffTheCommitterThread) {
  Start();
  Lifetime lifetime;
  TestOp::Options options;
  options.lifetime = &lifetime;
  committer_->Submit(Op("a", options));
  journal_.AwaitDone({"a"});
  committer_.reset();  // frees what is still to be freed, then returns

  MutexLock lock(&lifetime.mu);
  ASSERT_TRUE(lifetime.done_on.has_value());
  ASSERT_TRUE(lifetime.freed_on.has_value());
  // Not on the committer thread, which answered it, nor on the thread that
  // destroyed the committer: on the thread that frees committed groups.
  EXPECT_NE(*lifetime.freed_on, *lifetime.done_on);
  EXPECT_NE(*lifetime.freed_on, std::this_thread::get_id());
}

TEST_F(CommitterTest, GroupsHoldAtMostMaxGroupItems) {
  CommitterOptions options;
  options.max_group_items = 3;
  Start(options);
  HoldCommitterBusy("a");
  committer_->Submit(Op("b", Weighing(2)));
  committer_->Submit(Op("c", Weighing(2)));
  committer_->Submit(Op("d", Weighing(1)));
  // Larger than a group: it goes alone.
  committer_->Submit(Op("e", Weighing(5)));
  committer_->Submit(Op("f", Weighing(1)));
  ReleaseAndAwait({"a", "b", "c", "d", "e", "f"});

  EXPECT_THAT(journal_.applied(), ElementsAre("a", "b", "c", "d", "e", "f"));
  EXPECT_THAT(journal_.groups(),
              ElementsAre(Journal::Group{1, 1, 1}, Journal::Group{2, 1, 2},
                          Journal::Group{3, 2, 3}, Journal::Group{4, 1, 5},
                          Journal::Group{5, 1, 1}));
}

TEST_F(CommitterTest, ExclusiveOperationIsCommittedAlone) {
  Start();
  HoldCommitterBusy("a");
  committer_->Submit(Op("b"));
  committer_->Submit(Op("erase", Exclusive()));
  committer_->Submit(Op("c"));
  committer_->Submit(Op("d"));
  ReleaseAndAwait({"a", "b", "erase", "c", "d"});

  // Neither what was queued before it nor what came after joins its group.
  EXPECT_THAT(journal_.applied(), ElementsAre("a", "b", "erase", "c", "d"));
  EXPECT_EQ(journal_.commit_of("b"), 2u);
  EXPECT_EQ(journal_.commit_of("erase"), 3u);
  EXPECT_EQ(journal_.commit_of("c"), 4u);
  EXPECT_EQ(journal_.commit_of("d"), 4u);
  EXPECT_THAT(journal_.groups(),
              ElementsAre(Journal::Group{1, 1, 1}, Journal::Group{2, 1, 1},
                          Journal::Group{3, 1, 1}, Journal::Group{4, 2, 2}));
  EXPECT_EQ(StoredCommitOf("erase"), 3u);
  EXPECT_EQ(journal_.token_of("erase"), TokenFor(3));
}

TEST_F(CommitterTest, FailedOperationIsUndoneAndTheRestOfItsGroupCommitted) {
  Start();
  HoldCommitterBusy("a");
  committer_->Submit(Op("b"));
  committer_->Submit(
      Op("bad", FailingWith(absl::InvalidArgumentError("no good"))));
  committer_->Submit(Op("c"));
  ReleaseAndAwait({"a", "b", "bad", "c"});

  EXPECT_EQ(journal_.status_of("bad"), absl::InvalidArgumentError("no good"));
  EXPECT_EQ(StoredCommitOf("bad"), 0u);  // what it wrote was undone
  EXPECT_EQ(journal_.status_of("b"), absl::OkStatus());
  EXPECT_EQ(journal_.status_of("c"), absl::OkStatus());
  EXPECT_EQ(StoredCommitOf("b"), 2u);
  EXPECT_EQ(StoredCommitOf("c"), 2u);
  EXPECT_THAT(journal_.groups(),
              ElementsAre(Journal::Group{1, 1, 1}, Journal::Group{2, 3, 3}));
}

TEST_F(CommitterTest, GroupThatWritesNothingUsesNoCommit) {
  Start();
  committer_->Submit(Op("reader", WritingNothing()));
  journal_.AwaitDone({"reader"});
  EXPECT_EQ(journal_.status_of("reader"), absl::OkStatus());
  // It is told the latest commit: the empty store's 0.
  EXPECT_EQ(journal_.token_of("reader"), TokenFor(0));
  EXPECT_EQ(committer_->head().last_commit(), 0u);

  committer_->Submit(Op("writer"));
  journal_.AwaitDone({"writer"});
  EXPECT_EQ(journal_.commit_of("writer"), 1u);
  EXPECT_EQ(StoredCommitOf("writer"), 1u);
  // The observer hears of commits only.
  EXPECT_THAT(journal_.groups(), ElementsAre(Journal::Group{1, 1, 1}));
}

TEST_F(CommitterTest, TrySubmitRefusesWhenTheQueueIsFull) {
  CommitterOptions options;
  options.max_queued_items = 3;
  Start(options);
  HoldCommitterBusy("a");  // taken from the queue: it holds nothing now
  EXPECT_EQ(committer_->TrySubmit(Op("b", Weighing(2))), nullptr);
  EXPECT_EQ(committer_->TrySubmit(Op("c", Weighing(1))), nullptr);
  // 3 items are queued: d is handed back, unanswered.
  std::unique_ptr<WriteOp> d = Op("d", Weighing(1));
  WriteOp* d_address = d.get();
  std::unique_ptr<WriteOp> refused = committer_->TrySubmit(std::move(d));
  EXPECT_EQ(refused.get(), d_address);
  ReleaseAndAwait({"a", "b", "c"});

  EXPECT_THAT(journal_.applied(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(journal_.status_of("d"), std::nullopt);
  EXPECT_EQ(StoredCommitOf("d"), 0u);
  // Once the queue has room again, the same operation is taken.
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(committer_->TrySubmit(std::move(refused)), nullptr);
  journal_.AwaitDone({"d"});
  EXPECT_EQ(journal_.status_of("d"), absl::OkStatus());
  EXPECT_EQ(StoredCommitOf("d"), 3u);
}

TEST_F(CommitterTest, TrySubmitTakesAnyOneOperationIntoAnEmptyQueue) {
  CommitterOptions options;
  options.max_queued_items = 2;
  Start(options);
  HoldCommitterBusy("a");
  EXPECT_EQ(committer_->TrySubmit(Op("big", Weighing(5))), nullptr);
  EXPECT_NE(committer_->TrySubmit(Op("small", Weighing(1))), nullptr);
  ReleaseAndAwait({"a", "big"});
  EXPECT_THAT(journal_.applied(), ElementsAre("a", "big"));
  EXPECT_EQ(StoredCommitOf("big"), 2u);
}

TEST_F(CommitterTest, HeldBackOperationsEnterInOrderAheadOfLaterSubmissions) {
  CommitterOptions options;
  options.max_queued_items = 3;
  Start(options);
  HoldCommitterBusy("a");
  auto queued = [this](const std::string& op) {
    return [this, op] { journal_.Queued(op); };
  };
  // b fits; its callback is not called.
  EXPECT_TRUE(committer_->SubmitWhenRoom(Op("b", Weighing(2)), queued("b")));
  // h1 does not fit.
  EXPECT_FALSE(committer_->SubmitWhenRoom(Op("h1", Weighing(2)), queued("h1")));
  // h2 and later would fit, but may not overtake h1.
  EXPECT_FALSE(committer_->SubmitWhenRoom(Op("h2", Weighing(1)), queued("h2")));
  std::unique_ptr<WriteOp> refused = committer_->TrySubmit(Op("t"));
  EXPECT_NE(refused, nullptr);
  EXPECT_FALSE(committer_->SubmitWhenRoom(Op("h3", Weighing(1)), queued("h3")));
  EXPECT_THAT(journal_.queued(), IsEmpty());
  ReleaseAndAwait({"a", "b", "h1", "h2", "h3"});

  EXPECT_THAT(journal_.applied(), ElementsAre("a", "b", "h1", "h2", "h3"));
  EXPECT_THAT(journal_.queued(), ElementsAre("h1", "h2", "h3"));
  // Each callback runs on the committer thread, before the operation is
  // applied: when room opens behind the group being taken.
  std::vector<std::string> events = journal_.events();
  auto position = [&events](const std::string& event) {
    return std::find(events.begin(), events.end(), event) - events.begin();
  };
  for (const char* op : {"h1", "h2", "h3"}) {
    EXPECT_TRUE(journal_.queued_on_committer_thread(op)) << op;
    EXPECT_LT(position(std::string("queued ") + op),
              position(std::string("apply ") + op))
        << op;
    EXPECT_EQ(journal_.status_of(op), absl::OkStatus()) << op;
  }
  // Room for h1 and h2 opened when b's group was taken; for h3 when theirs
  // was.
  EXPECT_EQ(journal_.commit_of("b"), 2u);
  EXPECT_EQ(journal_.commit_of("h1"), 3u);
  EXPECT_EQ(journal_.commit_of("h2"), 3u);
  EXPECT_EQ(journal_.commit_of("h3"), 4u);
  EXPECT_EQ(journal_.status_of("t"), std::nullopt);
}

TEST_F(CommitterTest, SubmitGoesBehindHeldBackOperations) {
  CommitterOptions options;
  options.max_queued_items = 3;
  Start(options);
  HoldCommitterBusy("a");
  EXPECT_TRUE(committer_->SubmitWhenRoom(Op("b", Weighing(2)), nullptr));
  EXPECT_FALSE(committer_->SubmitWhenRoom(Op("held", Weighing(2)), nullptr));
  // Submit ignores the bound, but not the order.
  committer_->Submit(Op("s"));
  ReleaseAndAwait({"a", "b", "held", "s"});
  EXPECT_THAT(journal_.applied(), ElementsAre("a", "b", "held", "s"));
}

TEST_F(CommitterTest, ShutdownCommitsWhatIsQueuedThenRefusesWithUnavailable) {
  CommitterOptions options;
  options.max_queued_items = 2;
  Start(options);
  HoldCommitterBusy("a");
  committer_->Submit(Op("b"));
  committer_->Submit(Op("c"));
  EXPECT_FALSE(committer_->SubmitWhenRoom(Op("held"),
                                          [this] { journal_.Queued("held"); }));
  committer_->Shutdown();

  // Accepted no more, whichever way it is submitted; each is answered.
  committer_->Submit(Op("late"));
  EXPECT_EQ(committer_->TrySubmit(Op("late_try")), nullptr);
  EXPECT_TRUE(committer_->SubmitWhenRoom(
      Op("late_room"), [this] { journal_.Queued("late_room"); }));

  gate_.Open();
  committer_.reset();  // joins the committer thread

  // Everything accepted before Shutdown was committed, the held-back
  // operation included.
  EXPECT_THAT(journal_.applied(), ElementsAre("a", "b", "c", "held"));
  EXPECT_THAT(journal_.queued(), ElementsAre("held"));
  for (const char* op : {"a", "b", "c", "held"}) {
    EXPECT_EQ(journal_.status_of(op), absl::OkStatus()) << op;
    EXPECT_NE(StoredCommitOf(op), 0u) << op;
  }
  for (const char* op : {"late", "late_try", "late_room"}) {
    std::optional<absl::Status> status = journal_.status_of(op);
    ASSERT_TRUE(status.has_value()) << op;
    EXPECT_EQ(status->code(), absl::StatusCode::kUnavailable) << *status;
    EXPECT_EQ(StoredCommitOf(op), 0u) << op;
  }
  auto head = store_->ReadHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->last_commit(), 2u);
}

}  // namespace
}  // namespace factstore::ingest
