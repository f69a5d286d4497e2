// load_generator: drives factstore (or the transport baseline) with one
// scenario and prints one JSON object with what it measured.
//
//   load_generator --scenario=setup --subjects=1000 --documents=5000
//   load_generator --scenario=populate --facts=100000 --ids_out=/tmp/ids
//   load_generator --scenario=get_fact --ids_in=/tmp/ids --outstanding=16
//   load_generator --scenario=get_fact --target=baseline --reply_bytes=900
//   load_generator --scenario=ingest_stream --streams=4 --first_index=1000000
//   load_generator --scenario=get_fact --ids_in=/tmp/ids --query=H:P1,H:P2
//   load_generator --scenario=wait_serving --query=H:P3 --caught_up
//
// Every RPC goes through gRPC's callback client API: unary calls through
// stub->async()->Method(context, request, response, callback), streams
// through a ClientBidiReactor. Closed loops keep --outstanding calls in
// flight over --channels channels (each its own TCP connection); ingest
// streams keep up to --window batches in flight each. The program pins no
// thread or CPU. Scenarios and output fields: bench/README.md.
#include <atomic>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench.grpc.pb.h"
#include "bench/measure.h"
#include "bench/peer_rows.h"
#include "bench/workload.h"
#include "bench/workload_flags.h"
#include "factstore/v1/ingest_service.grpc.pb.h"
#include "factstore/v1/query_service.grpc.pb.h"
#include "google/protobuf/arena.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(
    std::string, scenario, "",
    "setup, load_entities, populate, ingest_stream, ingest_unary, "
    "get_fact, get_entity, batch_get_facts, list_by_subject, "
    "list_by_range, list_by_involves, aggregate_by_subject, search_facts, "
    "search_prefix, freshness, wait_serving, check, export_facts.");
ABSL_FLAG(std::string, target, "factstore",
          "factstore, or baseline (the transport baseline server; "
          "get_fact and ingest_stream only).");
ABSL_FLAG(std::string, ingest, "127.0.0.1:50051", "Ingest service address.");
ABSL_FLAG(std::string, query, "127.0.0.1:50052",
          "Query service address, or a comma-separated list of replicas' "
          "addresses: the query scenarios then open --channels channels to "
          "each and give the closed loop's slots to them in turn (slot i "
          "calls replica i mod N); freshness uses the first.");
ABSL_FLAG(std::string, baseline, "127.0.0.1:50053",
          "Transport baseline server address.");
// The population.
ABSL_FLAG(int64_t, search_entities, 100000,
          "Entities of the search population (load_entities, search_prefix).");
ABSL_FLAG(
    int64_t, facts, 100000,
    "populate: facts to load; reads: facts in the store (list_by_range).");
ABSL_FLAG(int64_t, first_index, 0,
          "Index of the first new fact (populate, ingest_*, freshness); "
          "facts are a function of their index.");
// Load shape.
ABSL_FLAG(int, streams, 1, "Concurrent ingest streams.");
ABSL_FLAG(int, window, 4, "Batches in flight per ingest stream.");
ABSL_FLAG(int, batch_size, 1000,
          "Facts per ingest batch (entities per upsert).");
ABSL_FLAG(int, outstanding, 16, "Unary calls in flight (closed loop).");
ABSL_FLAG(int, channels, 1,
          "gRPC channels (connections) the calls spread over.");
ABSL_FLAG(int, batch_get, 100, "Ids per BatchGetFacts call.");
ABSL_FLAG(int, page_size, 100, "ListFacts page size.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(60), "Deadline of each call.");
// Sharing fact ids between runs.
ABSL_FLAG(std::string, ids_out, "", "populate: write accepted fact ids here.");
ABSL_FLAG(std::string, ids_in, "", "Reads: fact ids to read, one per line.");
ABSL_FLAG(std::string, rows_out, "",
          "export_facts: write the facts of --ids_in here as the PostgreSQL "
          "peer's rows (bench/peer_rows.h).");
ABSL_FLAG(int64_t, ids_sample, 2000000,
          "Keep at most this many ids of --ids_in (uniform sample).");
// Freshness.
ABSL_FLAG(int, samples, 200, "freshness: facts ingested and looked for.");
ABSL_FLAG(absl::Duration, poll_interval, absl::Milliseconds(1),
          "freshness: GetFact polling interval; wait_serving: health "
          "polling interval.");
ABSL_FLAG(int, background_streams, 0,
          "freshness: ingest streams running meanwhile (load).");
ABSL_FLAG(int, background_window, 1,
          "freshness: batches in flight per background stream; small, so "
          "that the sampled writes do not queue behind many batches.");
// wait_serving.
ABSL_FLAG(absl::Duration, wait_timeout, absl::Minutes(10),
          "wait_serving: how long to wait for each replica.");
ABSL_FLAG(bool, caught_up, false,
          "wait_serving: after SERVING, also wait until GetStats reports "
          "nothing left to apply (replication.entries_behind 0 and the "
          "applied sequence at the log's last one; embedded: "
          "commits_behind 0).");
// Baseline payloads.
ABSL_FLAG(int, reply_bytes, 0,
          "baseline get_fact: reply size; 0 measures a real GetFactResponse.");
ABSL_FLAG(int, request_bytes, 0,
          "baseline get_fact: request size; 0 uses a real GetFactRequest's.");
ABSL_FLAG(int, ack_bytes, 0,
          "baseline ingest_stream: acknowledgement size; 0 estimates a real "
          "compact acknowledgement of --batch_size facts.");
// Measurement.
ABSL_FLAG(std::vector<std::string>, server_pids, {},
          "Server processes whose CPU time to report over the window.");
ABSL_FLAG(bool, timeline, false, "Add per-second completions and latencies.");
ABSL_FLAG(bool, progress, false, "Report progress on stderr.");

namespace factstore::bench {
namespace {

using Clock = absl::Time;

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target,
                                           int index) {
  grpc::ChannelArguments args;
  // Separate channels get separate connections.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("factstore.bench.channel_index", index);
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(
    const std::string& target, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, count); ++i) {
    channels.push_back(MakeChannel(target, i));
  }
  return channels;
}

// Waits until the server at `channel` reports SERVING (the query service
// does once it has caught up with the store).
bool WaitServing(const std::shared_ptr<grpc::Channel>& channel,
                 absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

void Require(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "load_generator: " << what << "\n";
    std::exit(1);
  }
}

std::vector<pid_t> ServerPids() {
  std::vector<pid_t> pids;
  for (const std::string& s : absl::GetFlag(FLAGS_server_pids)) {
    int pid;
    if (absl::SimpleAtoi(s, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

// Hands out fact indexes to concurrent producers: [next, limit).
class IndexSource {
 public:
  IndexSource(int64_t first, int64_t limit) : next_(first), limit_(limit) {}
  // Claims up to `n` indexes; returns how many (0 when exhausted). Ranges
  // given back by Return are claimed again first, whole.
  int64_t Claim(int64_t n, int64_t* first) {
    absl::MutexLock lock(&mu_);
    if (!returned_.empty()) {
      auto [start, count] = returned_.back();
      returned_.pop_back();
      *first = start;
      return count;
    }
    int64_t count = std::min(n, limit_ - next_);
    if (count <= 0) return 0;
    *first = next_;
    next_ += count;
    return count;
  }
  // Gives back a claimed range whose batch was not acknowledged.
  void Return(int64_t first, int64_t count) {
    absl::MutexLock lock(&mu_);
    returned_.emplace_back(first, count);
  }

 private:
  absl::Mutex mu_;
  int64_t next_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<int64_t, int64_t>> returned_ ABSL_GUARDED_BY(mu_);
  const int64_t limit_;
};

// ---------------------------------------------------------------------------
// Closed loop of unary calls: `outstanding` slots, each issuing its next call
// from the previous call's callback until the recorder's window ends or
// Fill reports no more work.

template <typename Stub, typename Request, typename Response>
class UnaryLoop {
 public:
  using Done = std::function<void(grpc::Status)>;
  struct Hooks {
    // Fills the next request; false when there is no more work.
    std::function<bool(int slot, std::mt19937_64& rng, Request*)> fill;
    // Starts the call: stub->async()->Method(context, request, response, done).
    std::function<void(Stub*, grpc::ClientContext*, const Request*, Response*,
                       Done)>
        invoke;
    // Items a successful response carries (default 1), or -1 to count the
    // call as failed (a wrong answer).
    std::function<int64_t(const Request&, const Response&)> items;
  };

  UnaryLoop(std::vector<Stub*> stubs, int outstanding, Recorder* recorder,
            Hooks hooks, uint64_t seed)
      : stubs_(std::move(stubs)),
        outstanding_(outstanding),
        recorder_(recorder),
        hooks_(std::move(hooks)) {
    for (int i = 0; i < outstanding_; ++i) rngs_.emplace_back(Mix(seed + i));
  }

  void Start() {
    {
      absl::MutexLock lock(&mu_);
      active_ = outstanding_;
    }
    for (int slot = 0; slot < outstanding_; ++slot) Issue(slot);
  }
  void Wait() { finished_.WaitForNotification(); }

 private:
  // A call's messages live on an arena of its own, as a client that reads
  // many facts a call would parse them (the servers answer from arenas too,
  // server/arena_message_allocator.h): the load generator shares the
  // machine's cores with the server, and a response of 100 facts parsed
  // onto the heap is some 700 allocations and frees.
  struct Call {
    Call()
        : arena(MakeArenaOptions()),
          request(google::protobuf::Arena::CreateMessage<Request>(&arena)),
          response(google::protobuf::Arena::CreateMessage<Response>(&arena)) {}
    static google::protobuf::ArenaOptions MakeArenaOptions() {
      google::protobuf::ArenaOptions options;
      options.start_block_size = 16 << 10;
      options.max_block_size = 256 << 10;
      return options;
    }
    grpc::ClientContext context;
    google::protobuf::Arena arena;
    Request* const request;
    Response* const response;
    absl::Time start;
  };

  void Issue(int slot) {
    auto call = std::make_unique<Call>();
    if (recorder_->Finished(absl::Now()) ||
        !hooks_.fill(slot, rngs_[slot], call->request)) {
      SlotDone();
      return;
    }
    call->context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
    Stub* stub = stubs_[slot % stubs_.size()];
    Call* raw = call.release();
    raw->start = absl::Now();
    hooks_.invoke(stub, &raw->context, raw->request, raw->response,
                  [this, slot, raw](grpc::Status status) {
                    absl::Time done = absl::Now();
                    std::unique_ptr<Call> call(raw);
                    if (!status.ok()) {
                      recorder_->RecordError(done, status.error_code());
                      if (errors_printed_++ < 5) {
                        std::cerr << "load_generator: call failed: "
                                  << status.error_message() << "\n";
                      }
                    } else {
                      int64_t items =
                          hooks_.items
                              ? hooks_.items(*call->request, *call->response)
                              : 1;
                      if (items < 0) {
                        recorder_->RecordError(done, -1);
                      } else {
                        recorder_->Record(call->start, done, true, items);
                      }
                    }
                    call.reset();
                    Issue(slot);
                  });
  }

  void SlotDone() {
    absl::MutexLock lock(&mu_);
    if (--active_ == 0) finished_.Notify();
  }

  std::vector<Stub*> stubs_;
  const int outstanding_;
  Recorder* recorder_;
  Hooks hooks_;
  std::vector<std::mt19937_64> rngs_;
  std::atomic<int> errors_printed_{0};
  absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Notification finished_;
};

// ---------------------------------------------------------------------------
// One bidirectional stream of batches with up to `window` batches written
// and not yet acknowledged. Writes one batch at a time (gRPC allows one
// outstanding write per stream); acknowledgements come back in order.

template <typename Request, typename Response>
class StreamLoad : public grpc::ClientBidiReactor<Request, Response> {
 public:
  struct Hooks {
    // Starts the call: stub->async()->Method(context, reactor).
    std::function<void(grpc::ClientContext*,
                       grpc::ClientBidiReactor<Request, Response>*)>
        start;
    // Fills the next batch; false when there is no more.
    std::function<bool(Request*)> next;
    // Handles an acknowledgement; returns the items it accepted, or -1 for
    // a failed batch.
    std::function<int64_t(const Response&)> ack;
    // Optional: called when the stream ends with `status`, before Wait
    // returns; true when the end is expected and the batches it left
    // unacknowledged will be sent again (the end is then not an error).
    std::function<bool(const grpc::Status&)> ended;
  };

  StreamLoad(Hooks hooks, int window, Recorder* recorder)
      : hooks_(std::move(hooks)), window_(window), recorder_(recorder) {}

  void Begin() {
    hooks_.start(&context_, this);
    this->StartRead(&ack_);
    Pump();
    this->StartCall();
  }
  // Stops writing new batches (in-flight ones are still acknowledged).
  void StopSending() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    Pump();
  }
  void Wait() { done_.WaitForNotification(); }
  const grpc::Status& status() const { return status_; }
  // Whether the stream ended early and its `ended` hook took over its
  // unacknowledged batches (valid after Wait).
  bool resumed() const { return resumed_; }
  int64_t batches_acked() const { return acked_; }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) failed_ = true;
    }
    Pump();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the call is ending; OnDone follows
    absl::Time now = absl::Now();
    absl::Time sent;
    {
      absl::MutexLock lock(&mu_);
      sent = sent_.front();
      sent_.pop_front();
      --in_flight_;
    }
    int64_t items = hooks_.ack(ack_);
    if (items < 0) {
      recorder_->RecordError(now, -1);
    } else {
      recorder_->Record(sent, now, true, items);
    }
    ++acked_;
    this->StartRead(&ack_);
    Pump();
  }

  void OnDone(const grpc::Status& status) override {
    status_ = status;
    resumed_ = !status.ok() && hooks_.ended && hooks_.ended(status);
    if (!status.ok() && !resumed_) {
      recorder_->RecordError(absl::Now(), status.error_code());
      std::cerr << "load_generator: stream ended: " << status.error_message()
                << "\n";
    }
    done_.Notify();
  }

 private:
  // Writes the next batch if the window allows, or half-closes the stream
  // once sending is over and every batch is acknowledged.
  void Pump() {
    bool write = false, writes_done = false;
    {
      absl::MutexLock lock(&mu_);
      if (writes_done_sent_) return;
      if (!sending_over_ &&
          (stop_ || failed_ || recorder_->Finished(absl::Now()))) {
        sending_over_ = true;
      }
      if (!sending_over_ && !writing_ && in_flight_ < window_) {
        writing_ = true;  // this thread builds and writes the next batch
        write = true;
      }
    }
    if (write) {
      // Only the thread that set writing_ touches batch_ until OnWriteDone.
      bool more = hooks_.next(&batch_);
      {
        absl::MutexLock lock(&mu_);
        if (more) {
          ++in_flight_;
          sent_.push_back(absl::Now());
        } else {
          writing_ = false;
          sending_over_ = true;
        }
      }
      if (more) {
        this->StartWrite(&batch_);
        return;
      }
    }
    {
      absl::MutexLock lock(&mu_);
      if (sending_over_ && !writing_ && in_flight_ == 0 && !writes_done_sent_) {
        writes_done_sent_ = writes_done = true;
      }
    }
    if (writes_done) this->StartWritesDone();
  }

  Hooks hooks_;
  const int window_;
  Recorder* recorder_;
  grpc::ClientContext context_;
  Request batch_;
  Response ack_;
  std::atomic<int64_t> acked_{0};
  grpc::Status status_;
  bool resumed_ = false;
  absl::Notification done_;

  absl::Mutex mu_;
  std::deque<absl::Time> sent_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  bool sending_over_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_sent_ ABSL_GUARDED_BY(mu_) = false;
};

// Waits for a callback-API unary call started by `start(done)`.
grpc::Status CallAndWait(
    const std::function<void(std::function<void(grpc::Status)>)>& start) {
  absl::Notification notification;
  grpc::Status result;
  start([&](grpc::Status status) {
    result = std::move(status);
    notification.Notify();
  });
  notification.WaitForNotification();
  return result;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  return context;
}

// ---------------------------------------------------------------------------
// Measurement around a load that runs on gRPC's threads.

struct Window {
  Recorder recorder;
  ServerCpu servers;
  double client_cpu = 0;
  bool timed;

  // Timed: warm-up then --duration. Untimed: the whole run is measured.
  explicit Window(bool timed_window)
      : recorder(
            absl::Now(),
            timed_window ? absl::GetFlag(FLAGS_warmup) : absl::ZeroDuration(),
            timed_window ? absl::GetFlag(FLAGS_duration)
                         : absl::InfiniteDuration()),
        servers(ServerPids()),
        timed(timed_window) {
    if (!timed) Begin();
  }
  void Begin() {
    client_cpu = -ProcessCpuSeconds();
    servers.Start();
  }
  void End() {
    client_cpu += ProcessCpuSeconds();
    servers.Stop();
  }
  // Timed windows: sleeps through warm-up and window, measuring CPU at both
  // edges.
  void SleepThrough() {
    absl::SleepFor(recorder.measure_start() - absl::Now());
    Begin();
    absl::SleepFor(recorder.end() - absl::Now());
    End();
  }
  // Untimed windows: ends now.
  void Close() {
    recorder.EndNow(absl::Now());
    End();
  }
  void AddTo(Json* out) const {
    recorder.AddSummary(out, absl::GetFlag(FLAGS_timeline));
    double ops = static_cast<double>(recorder.counted_ops());
    out->Add("client_cpu_s", client_cpu)
        .Add("client_cpu_s_per_op", ops > 0 ? client_cpu / ops : 0.0)
        .Add("server_cpu_s", servers.ToJson());
  }
};

Json Header(const std::string& scenario) {
  Json j;
  j.Add("scenario", scenario).Add("target", absl::GetFlag(FLAGS_target));
  return j;
}

void Print(const Json& j) { std::cout << j.ToString() << std::endl; }

std::vector<std::string> LoadIds() {
  std::vector<std::string> ids;
  const std::string path = absl::GetFlag(FLAGS_ids_in);
  Require(!path.empty(), "--ids_in is required for this scenario");
  std::ifstream in(path);
  Require(in.good(), absl::StrCat("cannot read ", path));
  int64_t cap = absl::GetFlag(FLAGS_ids_sample);
  std::mt19937_64 rng(absl::GetFlag(FLAGS_seed));
  std::string line;
  int64_t seen = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++seen;
    if (static_cast<int64_t>(ids.size()) < cap) {
      ids.push_back(line);
    } else {
      uint64_t j = rng() % seen;
      if (static_cast<int64_t>(j) < cap) ids[j] = line;
    }
  }
  Require(!ids.empty(), absl::StrCat(path, " holds no ids"));
  return ids;
}

// ---------------------------------------------------------------------------
// Writing.

int64_t CountAccepted(const v1::IngestFactsResponse& r) {
  return r.accepted_count();
}

void FillBatch(const Workload& w, int64_t first, int64_t count,
               google::protobuf::RepeatedPtrField<v1::Fact>* facts) {
  facts->Clear();
  for (int64_t i = first; i < first + count; ++i) w.MakeFact(i, facts->Add());
}

// Collects accepted fact ids of acknowledgements (for --ids_out).
class IdSink {
 public:
  explicit IdSink(bool enabled) : enabled_(enabled) {}
  void Add(const google::protobuf::RepeatedPtrField<v1::FactResult>& results) {
    if (!enabled_) return;
    absl::MutexLock lock(&mu_);
    // UNCHANGED: a batch sent again after its stream ended unacknowledged,
    // which the server had committed (the workload sends no fact twice
    // with the same mentions otherwise).
    for (const v1::FactResult& r : results) {
      if ((r.outcome() == v1::OUTCOME_CREATED ||
           r.outcome() == v1::OUTCOME_UNCHANGED) &&
          !r.fact_id().empty()) {
        ids_.push_back(r.fact_id());
      }
    }
  }
  void Write(const std::string& path) {
    absl::MutexLock lock(&mu_);
    std::ofstream out(path);
    for (const std::string& id : ids_) out << id << "\n";
    Require(out.good(), absl::StrCat("cannot write ", path));
  }

 private:
  const bool enabled_;
  absl::Mutex mu_;
  std::vector<std::string> ids_ ABSL_GUARDED_BY(mu_);
};

// Rejections seen in acknowledgements: counted, and the first few printed.
class RejectionLog {
 public:
  void Add(const google::protobuf::RepeatedPtrField<v1::FactResult>& results) {
    for (const v1::FactResult& r : results) {
      if (r.outcome() != v1::OUTCOME_REJECTED) continue;
      if (count_++ < 5) {
        std::cerr << "load_generator: fact rejected: " << r.error().message()
                  << "\n";
      }
    }
  }
  int64_t count() const { return count_; }

 private:
  std::atomic<int64_t> count_{0};
};

using IngestStream =
    StreamLoad<v1::StreamIngestFactsRequest, v1::StreamIngestFactsResponse>;

// Starts `streams` ingest streams taking fact indexes from `source`.
//
// With `resume`, a stream the server ends with UNAVAILABLE after at least
// one acknowledgement (it closes connections older than
// --max_connection_age, as it should: clients are expected to open a new
// stream) gives its unacknowledged batches back to
// `source` and reports resumed(); the caller starts another stream. Facts
// the server committed before the end are sent again and acknowledged as
// unchanged.
std::vector<std::unique_ptr<IngestStream>> StartIngestStreams(
    const std::vector<std::unique_ptr<v1::IngestService::Stub>>& stubs,
    int streams, const Workload& w, IndexSource* source, Recorder* recorder,
    IdSink* ids, RejectionLog* rejections, std::atomic<int64_t>* ack_bytes,
    std::atomic<int64_t>* batch_bytes, int window, bool resume = false) {
  std::vector<std::unique_ptr<IngestStream>> out;
  int batch_size = absl::GetFlag(FLAGS_batch_size);
  for (int s = 0; s < streams; ++s) {
    // The index ranges of the batches written and not yet acknowledged, in
    // the order they were written (acknowledgements come in that order).
    struct Unacknowledged {
      absl::Mutex mu;
      std::deque<std::pair<int64_t, int64_t>> ranges ABSL_GUARDED_BY(mu);
      bool acknowledged_any ABSL_GUARDED_BY(mu) = false;
    };
    auto unacknowledged = std::make_shared<Unacknowledged>();
    v1::IngestService::Stub* stub = stubs[s % stubs.size()].get();
    IngestStream::Hooks hooks;
    hooks.start =
        [stub](
            grpc::ClientContext* context,
            grpc::ClientBidiReactor<v1::StreamIngestFactsRequest,
                                    v1::StreamIngestFactsResponse>* reactor) {
          stub->async()->StreamIngestFacts(context, reactor);
        };
    hooks.next = [&w, source, batch_size, batch_bytes,
                  unacknowledged](v1::StreamIngestFactsRequest* batch) {
      int64_t first = 0;
      int64_t count = source->Claim(batch_size, &first);
      if (count == 0) return false;
      {
        absl::MutexLock lock(&unacknowledged->mu);
        unacknowledged->ranges.emplace_back(first, count);
      }
      FillBatch(w, first, count, batch->mutable_facts());
      batch->set_compact_results(true);
      if (batch_bytes != nullptr && batch_bytes->load() == 0) {
        batch_bytes->store(static_cast<int64_t>(batch->ByteSizeLong()));
      }
      return true;
    };
    hooks.ack = [ids, rejections, ack_bytes, unacknowledged](
                    const v1::StreamIngestFactsResponse& ack) -> int64_t {
      {
        absl::MutexLock lock(&unacknowledged->mu);
        if (!unacknowledged->ranges.empty()) unacknowledged->ranges.pop_front();
        unacknowledged->acknowledged_any = true;
      }
      if (ack_bytes != nullptr && ack_bytes->load() == 0) {
        ack_bytes->store(static_cast<int64_t>(ack.ByteSizeLong()));
      }
      if (ack.has_batch_error()) {
        std::cerr << "load_generator: batch failed: "
                  << ack.batch_error().message() << "\n";
        return -1;
      }
      ids->Add(ack.results());
      rejections->Add(ack.results());
      return ack.accepted_count();
    };
    if (resume) {
      hooks.ended = [source, unacknowledged](const grpc::Status& status) {
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
        absl::MutexLock lock(&unacknowledged->mu);
        // A stream that never got an acknowledgement (the server is down or
        // unreachable) is an error, not something to retry forever.
        if (!unacknowledged->acknowledged_any) return false;
        for (const auto& [first, count] : unacknowledged->ranges) {
          source->Return(first, count);
        }
        unacknowledged->ranges.clear();
        return true;
      };
    }
    out.push_back(
        std::make_unique<IngestStream>(std::move(hooks), window, recorder));
  }
  for (auto& stream : out) stream->Begin();
  return out;
}

// Stubs of `Service` over `channels` connections to `address`, once the
// service reports SERVING (within `wait`).
template <typename Service>
std::vector<std::unique_ptr<typename Service::Stub>> ServingStubs(
    const std::string& address, int channels, absl::Duration wait,
    const char* what) {
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  for (auto& channel : MakeChannels(address, channels)) {
    stubs.push_back(Service::NewStub(channel));
  }
  Require(WaitServing(MakeChannel(address, 999), wait),
          absl::StrCat("the ", what, " service is not serving"));
  return stubs;
}

std::vector<std::unique_ptr<v1::IngestService::Stub>> IngestStubs(
    int channels) {
  return ServingStubs<v1::IngestService>(absl::GetFlag(FLAGS_ingest), channels,
                                         absl::Seconds(60), "ingest");
}

// The --query addresses (one, or a comma-separated list of replicas).
std::vector<std::string> QueryAddresses() {
  std::vector<std::string> out;
  for (absl::string_view a : absl::StrSplit(absl::GetFlag(FLAGS_query), ',',
                                            absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(a));
  }
  Require(!out.empty(), "--query is empty");
  return out;
}

// `channels` stubs per --query address, interleaved (replica 0's first
// channel, replica 1's first, ..., replica 0's second, ...), so that the
// slots of a UnaryLoop (slot i uses stub i mod size) alternate between the
// replicas. Waits until every replica reports SERVING.
std::vector<std::unique_ptr<v1::QueryService::Stub>> QueryStubs(int channels) {
  std::vector<std::string> addresses = QueryAddresses();
  std::vector<std::vector<std::unique_ptr<v1::QueryService::Stub>>> each;
  for (const std::string& address : addresses) {
    each.push_back(ServingStubs<v1::QueryService>(address, channels,
                                                  absl::Seconds(120), "query"));
  }
  std::vector<std::unique_ptr<v1::QueryService::Stub>> stubs;
  for (int c = 0; c < std::max(1, channels); ++c) {
    for (auto& replica : each) stubs.push_back(std::move(replica[c]));
  }
  return stubs;
}

template <typename T>
std::vector<T*> Raw(const std::vector<std::unique_ptr<T>>& v) {
  std::vector<T*> out;
  for (const auto& p : v) out.push_back(p.get());
  return out;
}

// populate / ingest_stream.
int RunIngestStream(bool populate) {
  const Workload w = WorkloadFromFlags();
  int streams = std::max(1, absl::GetFlag(FLAGS_streams));
  auto stubs = IngestStubs(std::max(absl::GetFlag(FLAGS_channels), 1));
  int64_t first = absl::GetFlag(FLAGS_first_index);
  IndexSource source(first, populate ? first + absl::GetFlag(FLAGS_facts)
                                     : std::numeric_limits<int64_t>::max());
  Window window(/*timed=*/!populate);
  IdSink ids(!absl::GetFlag(FLAGS_ids_out).empty());
  RejectionLog rejections;
  std::atomic<int64_t> ack_bytes{0}, batch_bytes{0};
  auto running = StartIngestStreams(
      stubs, streams, w, &source, &window.recorder, &ids, &rejections,
      &ack_bytes, &batch_bytes, absl::GetFlag(FLAGS_window),
      /*resume=*/populate);
  int resumed_streams = 0;
  std::vector<std::unique_ptr<IngestStream>> finished_streams;
  if (populate) {
    std::atomic<bool> finished{false};
    std::thread progress;
    if (absl::GetFlag(FLAGS_progress)) {
      progress = std::thread([&] {
        int64_t total = absl::GetFlag(FLAGS_facts);
        while (!finished.load()) {
          std::cerr << "\rpopulate: " << window.recorder.counted_items()
                    << " / " << total << " facts" << std::flush;
          absl::SleepFor(absl::Seconds(1));
        }
        std::cerr << "\n";
      });
    }
    // A long populate outlives the server's --max_connection_age: streams
    // it ends are replaced until every batch is acknowledged. Replacements
    // start once every stream has ended; with one channel (the default)
    // they all end together.
    for (;;) {
      int ended = 0;
      for (auto& s : running) {
        s->Wait();
        if (s->resumed()) ++ended;
      }
      if (ended == 0) break;
      resumed_streams += ended;
      std::vector<std::unique_ptr<IngestStream>> next = StartIngestStreams(
          stubs, ended, w, &source, &window.recorder, &ids, &rejections,
          &ack_bytes, &batch_bytes, absl::GetFlag(FLAGS_window),
          /*resume=*/true);
      for (auto& s : running) finished_streams.push_back(std::move(s));
      running = std::move(next);
    }
    finished.store(true);
    if (progress.joinable()) progress.join();
    window.Close();
  } else {
    window.SleepThrough();
    for (auto& s : running) s->Wait();
  }
  if (!absl::GetFlag(FLAGS_ids_out).empty())
    ids.Write(absl::GetFlag(FLAGS_ids_out));
  Json out = Header(populate ? "populate" : "ingest_stream");
  out.Add("streams", streams)
      .Add("window", absl::GetFlag(FLAGS_window))
      .Add("batch_size", absl::GetFlag(FLAGS_batch_size))
      .Add("channels", static_cast<int>(stubs.size()))
      .Add("outstanding", streams * absl::GetFlag(FLAGS_window))
      .Add("first_index", first)
      .Add("rejected", rejections.count())
      .Add("resumed_streams", resumed_streams)
      .Add("batch_bytes", batch_bytes.load())
      .Add("ack_bytes", ack_bytes.load());
  window.AddTo(&out);
  Print(out);
  bool ok = window.recorder.errors() == 0;
  for (auto& s : running) ok = ok && s->status().ok();
  return ok ? 0 : 1;
}

int RunIngestUnary() {
  const Workload w = WorkloadFromFlags();
  int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  int outstanding = std::max(1, absl::GetFlag(FLAGS_outstanding));
  int batch_size = absl::GetFlag(FLAGS_batch_size);
  auto stubs = IngestStubs(channels);
  IndexSource source(absl::GetFlag(FLAGS_first_index),
                     std::numeric_limits<int64_t>::max());
  Window window(/*timed=*/true);
  RejectionLog rejections;
  using Loop = UnaryLoop<v1::IngestService::Stub, v1::IngestFactsRequest,
                         v1::IngestFactsResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64&, v1::IngestFactsRequest* request) {
    int64_t first = 0;
    int64_t count = source.Claim(batch_size, &first);
    FillBatch(w, first, count, request->mutable_facts());
    request->set_compact_results(true);
    return count > 0;
  };
  hooks.invoke = [](v1::IngestService::Stub* stub, grpc::ClientContext* context,
                    const v1::IngestFactsRequest* request,
                    v1::IngestFactsResponse* response, Loop::Done done) {
    stub->async()->IngestFacts(context, request, response, std::move(done));
  };
  hooks.items = [&](const v1::IngestFactsRequest&,
                    const v1::IngestFactsResponse& response) -> int64_t {
    rejections.Add(response.results());
    return CountAccepted(response);
  };
  Loop loop(Raw(stubs), outstanding, &window.recorder, std::move(hooks),
            absl::GetFlag(FLAGS_seed));
  loop.Start();
  window.SleepThrough();
  loop.Wait();
  Json out = Header("ingest_unary");
  out.Add("outstanding", outstanding)
      .Add("channels", channels)
      .Add("batch_size", batch_size)
      .Add("rejected", rejections.count());
  window.AddTo(&out);
  Print(out);
  return 0;
}

// setup: the predicates, the subjects and the documents.
int RunSetup() {
  const Workload w = WorkloadFromFlags();
  auto stubs = IngestStubs(1);
  v1::IngestService::Stub* stub = stubs[0].get();
  Window window(/*timed=*/false);
  v1::RegisterPredicatesRequest predicates = w.Predicates();
  v1::RegisterPredicatesResponse registered;
  auto context = Context();
  grpc::Status status = CallAndWait([&](auto done) {
    stub->async()->RegisterPredicates(context.get(), &predicates, &registered,
                                      std::move(done));
  });
  Require(status.ok(),
          absl::StrCat("RegisterPredicates: ", status.error_message()));
  for (const auto& r : registered.results()) {
    Require(r.outcome() != v1::OUTCOME_REJECTED,
            absl::StrCat("predicate rejected: ", r.error().message()));
  }
  int64_t subjects = w.options().subjects;
  int64_t documents = w.options().documents;
  int64_t total = subjects + documents;
  IndexSource source(0, total);
  using Loop = UnaryLoop<v1::IngestService::Stub, v1::UpsertEntitiesRequest,
                         v1::UpsertEntitiesResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64&, v1::UpsertEntitiesRequest* request) {
    int64_t first = 0;
    int64_t count = source.Claim(1000, &first);
    request->Clear();
    for (int64_t k = first; k < first + count; ++k) {
      *request->add_entities() =
          k < subjects ? w.Subject(k) : w.Document(k - subjects);
    }
    return count > 0;
  };
  hooks.invoke = [](v1::IngestService::Stub* s, grpc::ClientContext* c,
                    const v1::UpsertEntitiesRequest* q,
                    v1::UpsertEntitiesResponse* r, Loop::Done done) {
    s->async()->UpsertEntities(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::UpsertEntitiesRequest&,
                   const v1::UpsertEntitiesResponse& r) -> int64_t {
    for (const auto& e : r.results()) {
      if (e.outcome() == v1::OUTCOME_REJECTED) {
        std::cerr << "load_generator: entity rejected: " << e.error().message()
                  << "\n";
        return -1;
      }
    }
    return r.results_size();
  };
  Loop loop({stub}, 2, &window.recorder, std::move(hooks), 1);
  loop.Start();
  loop.Wait();
  window.Close();
  Json out = Header("setup");
  out.Add("predicates", predicates.predicates_size())
      .Add("subjects", subjects)
      .Add("documents", documents);
  window.AddTo(&out);
  Print(out);
  return window.recorder.errors() == 0 ? 0 : 1;
}

// load_entities: the search population, 1000 entities per call.
int RunLoadEntities() {
  const Workload w = WorkloadFromFlags();
  auto stubs = IngestStubs(1);
  Window window(/*timed=*/false);
  IndexSource source(0, absl::GetFlag(FLAGS_search_entities));
  using Loop = UnaryLoop<v1::IngestService::Stub, v1::UpsertEntitiesRequest,
                         v1::UpsertEntitiesResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64&, v1::UpsertEntitiesRequest* request) {
    int64_t first = 0;
    int64_t count = source.Claim(1000, &first);
    request->Clear();
    for (int64_t k = first; k < first + count; ++k) {
      *request->add_entities() = w.SearchEntity(k);
    }
    return count > 0;
  };
  hooks.invoke = [](v1::IngestService::Stub* s, grpc::ClientContext* c,
                    const v1::UpsertEntitiesRequest* q,
                    v1::UpsertEntitiesResponse* r, Loop::Done done) {
    s->async()->UpsertEntities(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::UpsertEntitiesRequest&,
                   const v1::UpsertEntitiesResponse& r) -> int64_t {
    int64_t ok = 0;
    for (const auto& e : r.results()) ok += e.outcome() != v1::OUTCOME_REJECTED;
    return ok;
  };
  Loop loop(Raw(stubs), std::max(1, absl::GetFlag(FLAGS_outstanding)),
            &window.recorder, std::move(hooks), 1);
  loop.Start();
  loop.Wait();
  window.Close();
  Json out = Header("load_entities");
  out.Add("entities", absl::GetFlag(FLAGS_search_entities))
      .Add("outstanding", absl::GetFlag(FLAGS_outstanding));
  window.AddTo(&out);
  Print(out);
  return window.recorder.errors() == 0 ? 0 : 1;
}

// Reads back every fact of --ids_in as factstore stored it (normalized) and
// writes the PostgreSQL peer's rows of them, so that the peer holds the same
// facts.
int RunExportFacts() {
  std::vector<std::string> ids = LoadIds();
  const std::string path = absl::GetFlag(FLAGS_rows_out);
  Require(!path.empty(), "--rows_out is required for export_facts");
  std::ofstream out(path);
  Require(out.good(), absl::StrCat("cannot write ", path));
  auto stubs = QueryStubs(1);
  absl::Time started = absl::Now();
  int64_t rows = 0;
  for (size_t start = 0; start < ids.size(); start += 100) {
    v1::BatchGetFactsRequest request;
    for (size_t i = start; i < std::min(ids.size(), start + 100); ++i) {
      request.add_ids(ids[i]);
    }
    v1::BatchGetFactsResponse response;
    auto context = Context();
    grpc::Status status = CallAndWait([&](auto done) {
      stubs[0]->async()->BatchGetFacts(context.get(), &request, &response,
                                       std::move(done));
    });
    Require(status.ok(),
            absl::StrCat("BatchGetFacts: ", status.error_message()));
    if (response.missing_ids_size() > 0) {
      Require(false,
              absl::StrCat("fact ", response.missing_ids(0), " is missing"));
    }
    for (const v1::Fact& fact : response.facts()) {
      out << PeerRow(fact) << '\n';
      ++rows;
    }
  }
  out.close();
  Require(out.good(), absl::StrCat("cannot write ", path));
  Json j = Header("export_facts");
  j.Add("rows", rows)
      .Add("seconds", absl::ToDoubleSeconds(absl::Now() - started));
  Print(j);
  return 0;
}

// check: validates facts without writing and reports the rejected ones.
int RunCheck() {
  const Workload w = WorkloadFromFlags();
  auto stubs = IngestStubs(1);
  int64_t first = absl::GetFlag(FLAGS_first_index);
  int64_t count = absl::GetFlag(FLAGS_facts);
  int64_t rejected = 0, valid = 0;
  for (int64_t start = first; start < first + count; start += 1000) {
    v1::IngestFactsRequest request;
    FillBatch(w, start, std::min<int64_t>(1000, first + count - start),
              request.mutable_facts());
    request.set_validate_only(true);
    v1::IngestFactsResponse response;
    auto context = Context();
    grpc::Status status = CallAndWait([&](auto done) {
      stubs[0]->async()->IngestFacts(context.get(), &request, &response,
                                     std::move(done));
    });
    Require(status.ok(), absl::StrCat("IngestFacts: ", status.error_message()));
    for (int i = 0; i < response.results_size(); ++i) {
      const v1::FactResult& r = response.results(i);
      if (r.outcome() == v1::OUTCOME_REJECTED) {
        if (rejected++ < 20) {
          std::cerr << "fact " << start + i << " ("
                    << request.facts(i).value().raw() << " | "
                    << request.facts(i).valid_time().raw()
                    << "): " << r.error().message() << "\n";
        }
      } else {
        ++valid;
      }
    }
  }
  Json out = Header("check");
  out.Add("valid", valid).Add("rejected", rejected);
  Print(out);
  return rejected == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------
// Reading.

// Runs a closed loop of one query RPC over --outstanding slots and
// --channels channels and prints its summary with `extra` fields.
template <typename Request, typename Response>
int RunQueryLoop(
    const std::string& scenario,
    typename UnaryLoop<v1::QueryService::Stub, Request, Response>::Hooks hooks,
    Json extra = Json()) {
  int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  int outstanding = std::max(1, absl::GetFlag(FLAGS_outstanding));
  auto stubs = QueryStubs(channels);
  Window window(/*timed=*/true);
  UnaryLoop<v1::QueryService::Stub, Request, Response> loop(
      Raw(stubs), outstanding, &window.recorder, std::move(hooks),
      absl::GetFlag(FLAGS_seed));
  loop.Start();
  window.SleepThrough();
  loop.Wait();
  Json out = Header(scenario);
  out.Add("outstanding", outstanding)
      .Add("channels", channels)
      .Add("query_addresses", static_cast<int>(QueryAddresses().size()));
  out.AddRaw("params", extra.ToString());
  window.AddTo(&out);
  Print(out);
  return window.recorder.errors() == 0 ? 0 : 1;
}

int RunGetFact() {
  std::vector<std::string> ids = LoadIds();
  std::atomic<int64_t> reply_bytes{0}, replies_sized{0};
  using Loop = UnaryLoop<v1::QueryService::Stub, v1::GetFactRequest,
                         v1::GetFactResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64& rng, v1::GetFactRequest* request) {
    request->set_id(ids[rng() % ids.size()]);
    return true;
  };
  hooks.invoke = [](v1::QueryService::Stub* s, grpc::ClientContext* c,
                    const v1::GetFactRequest* q, v1::GetFactResponse* r,
                    Loop::Done done) {
    s->async()->GetFact(c, q, r, std::move(done));
  };
  hooks.items = [&](const v1::GetFactRequest& q,
                    const v1::GetFactResponse& r) -> int64_t {
    if (r.fact().id() != q.id()) return -1;
    if (replies_sized.fetch_add(1) % 64 == 0) {
      reply_bytes.fetch_add(static_cast<int64_t>(r.ByteSizeLong()));
    }
    return 1;
  };
  int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  int outstanding = std::max(1, absl::GetFlag(FLAGS_outstanding));
  auto stubs = QueryStubs(channels);
  Window window(/*timed=*/true);
  Loop loop(Raw(stubs), outstanding, &window.recorder, std::move(hooks),
            absl::GetFlag(FLAGS_seed));
  loop.Start();
  window.SleepThrough();
  loop.Wait();
  v1::GetFactRequest sample_request;
  sample_request.set_id(ids[0]);
  int64_t sized = (replies_sized.load() + 63) / 64;
  Json out = Header("get_fact");
  out.Add("outstanding", outstanding)
      .Add("channels", channels)
      .Add("query_addresses", static_cast<int>(QueryAddresses().size()))
      .Add("ids", static_cast<int64_t>(ids.size()))
      .Add("request_bytes", static_cast<int64_t>(sample_request.ByteSizeLong()))
      .Add("reply_bytes", sized > 0 ? reply_bytes.load() / sized : 0);
  window.AddTo(&out);
  Print(out);
  return window.recorder.errors() == 0 ? 0 : 1;
}

int RunGetEntity() {
  const Workload w = WorkloadFromFlags();
  using Loop = UnaryLoop<v1::QueryService::Stub, v1::GetEntityRequest,
                         v1::GetEntityResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64& rng, v1::GetEntityRequest* request) {
    request->set_id(
        w.SubjectId(static_cast<int64_t>(rng() % w.options().subjects)));
    return true;
  };
  hooks.invoke = [](v1::QueryService::Stub* s, grpc::ClientContext* c,
                    const v1::GetEntityRequest* q, v1::GetEntityResponse* r,
                    Loop::Done done) {
    s->async()->GetEntity(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::GetEntityRequest& q,
                   const v1::GetEntityResponse& r) -> int64_t {
    return r.entity().id() == q.id() ? 1 : -1;
  };
  Json params;
  params.Add("subjects", w.options().subjects);
  return RunQueryLoop<v1::GetEntityRequest, v1::GetEntityResponse>(
      "get_entity", std::move(hooks), params);
}

int RunBatchGetFacts() {
  std::vector<std::string> ids = LoadIds();
  int per_call = absl::GetFlag(FLAGS_batch_get);
  using Loop = UnaryLoop<v1::QueryService::Stub, v1::BatchGetFactsRequest,
                         v1::BatchGetFactsResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64& rng,
                   v1::BatchGetFactsRequest* request) {
    request->clear_ids();
    for (int i = 0; i < per_call; ++i)
      request->add_ids(ids[rng() % ids.size()]);
    return true;
  };
  hooks.invoke = [](v1::QueryService::Stub* s, grpc::ClientContext* c,
                    const v1::BatchGetFactsRequest* q,
                    v1::BatchGetFactsResponse* r, Loop::Done done) {
    s->async()->BatchGetFacts(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::BatchGetFactsRequest& q,
                   const v1::BatchGetFactsResponse& r) -> int64_t {
    return r.missing_ids_size() == 0 ? r.facts_size() : -1;
  };
  Json params;
  params.Add("ids_per_call", per_call)
      .Add("ids", static_cast<int64_t>(ids.size()));
  return RunQueryLoop<v1::BatchGetFactsRequest, v1::BatchGetFactsResponse>(
      "batch_get_facts", std::move(hooks), params);
}

// Which facts a ListFacts scenario lists.
enum class ListBy {
  kSubject,   // a random subject's facts
  kRange,     // a predicate's quantities in a range
  kInvolves,  // every fact naming a random subject in any role
};

int RunListFacts(ListBy by) {
  const Workload w = WorkloadFromFlags();
  int page_size = absl::GetFlag(FLAGS_page_size);
  int64_t facts = absl::GetFlag(FLAGS_facts);
  using Loop = UnaryLoop<v1::QueryService::Stub, v1::ListFactsRequest,
                         v1::ListFactsResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&, by](int, std::mt19937_64& rng,
                       v1::ListFactsRequest* request) {
    request->Clear();
    request->set_page_size(page_size);
    v1::FactFilter* filter = request->mutable_filter();
    if (by != ListBy::kRange) {
      std::string subject =
          w.SubjectId(static_cast<int64_t>(rng() % w.options().subjects));
      if (by == ListBy::kSubject) {
        filter->set_subject(std::move(subject));
      } else {
        filter->set_involves(std::move(subject));
      }
    } else {
      Workload::RangeQuery q = w.RandomRange(rng(), facts);
      filter->set_predicate(q.predicate);
      filter->mutable_quantity_range()->set_unit(q.unit);
      filter->mutable_quantity_range()->set_min(q.min);
    }
    return true;
  };
  hooks.invoke = [](v1::QueryService::Stub* s, grpc::ClientContext* c,
                    const v1::ListFactsRequest* q, v1::ListFactsResponse* r,
                    Loop::Done done) {
    s->async()->ListFacts(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::ListFactsRequest&,
                   const v1::ListFactsResponse& r) -> int64_t {
    return r.facts_size();
  };
  const char* filter = by == ListBy::kSubject    ? "subject"
                       : by == ListBy::kInvolves ? "involves"
                                                 : "predicate + quantity_range";
  const char* name = by == ListBy::kSubject    ? "list_by_subject"
                     : by == ListBy::kInvolves ? "list_by_involves"
                                               : "list_by_range";
  Json params;
  params.Add("page_size", page_size).Add("filter", filter);
  return RunQueryLoop<v1::ListFactsRequest, v1::ListFactsResponse>(
      name, std::move(hooks), params);
}

// AggregateFacts of a random subject's facts, by predicate: what a page of
// list_by_subject reads, counted instead of returned.
int RunAggregateBySubject() {
  const Workload w = WorkloadFromFlags();
  using Loop = UnaryLoop<v1::QueryService::Stub, v1::AggregateFactsRequest,
                         v1::AggregateFactsResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64& rng,
                   v1::AggregateFactsRequest* request) {
    request->Clear();
    request->mutable_filter()->set_subject(
        w.SubjectId(static_cast<int64_t>(rng() % w.options().subjects)));
    request->set_group_by(v1::FACT_GROUPING_PREDICATE);
    return true;
  };
  hooks.invoke = [](v1::QueryService::Stub* s, grpc::ClientContext* c,
                    const v1::AggregateFactsRequest* q,
                    v1::AggregateFactsResponse* r, Loop::Done done) {
    s->async()->AggregateFacts(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::AggregateFactsRequest&,
                   const v1::AggregateFactsResponse& r) -> int64_t {
    return r.fact_count();
  };
  Json params;
  params.Add("filter", "subject").Add("group_by", "predicate");
  return RunQueryLoop<v1::AggregateFactsRequest, v1::AggregateFactsResponse>(
      "aggregate_by_subject", std::move(hooks), params);
}

// SearchFacts for the name of a random English-named place or organization
// (Workload::SearchQuery).
int RunSearchFactsBySubjectName() {
  const Workload w = WorkloadFromFlags();
  using Loop = UnaryLoop<v1::QueryService::Stub, v1::SearchFactsRequest,
                         v1::SearchFactsResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64& rng, v1::SearchFactsRequest* request) {
    request->Clear();
    request->set_query(w.SearchQuery(rng));
    return true;
  };
  hooks.invoke = [](v1::QueryService::Stub* s, grpc::ClientContext* c,
                    const v1::SearchFactsRequest* q, v1::SearchFactsResponse* r,
                    Loop::Done done) {
    s->async()->SearchFacts(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::SearchFactsRequest&,
                   const v1::SearchFactsResponse& r) -> int64_t {
    return r.total_size();
  };
  Json params;
  params.Add("query", "an English place or organization name")
      .Add("page_size", 20);
  return RunQueryLoop<v1::SearchFactsRequest, v1::SearchFactsResponse>(
      "search_facts", std::move(hooks), params);
}

int RunSearchPrefix() {
  const Workload w = WorkloadFromFlags();
  int64_t entities = absl::GetFlag(FLAGS_search_entities);
  using Loop = UnaryLoop<v1::QueryService::Stub, v1::SearchEntitiesRequest,
                         v1::SearchEntitiesResponse>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64& rng,
                   v1::SearchEntitiesRequest* request) {
    request->Clear();
    request->set_query(w.SearchPrefix(rng(), entities));
    return true;
  };
  hooks.invoke = [](v1::QueryService::Stub* s, grpc::ClientContext* c,
                    const v1::SearchEntitiesRequest* q,
                    v1::SearchEntitiesResponse* r, Loop::Done done) {
    s->async()->SearchEntities(c, q, r, std::move(done));
  };
  hooks.items = [](const v1::SearchEntitiesRequest&,
                   const v1::SearchEntitiesResponse& r) -> int64_t {
    return r.matches_size();
  };
  Json params;
  params.Add("search_entities", entities).Add("page_size", 20);
  return RunQueryLoop<v1::SearchEntitiesRequest, v1::SearchEntitiesResponse>(
      "search_prefix", std::move(hooks), params);
}

// freshness: ingest one fact, then either poll GetFact without a token until
// it is visible (even samples), or read it once with min_commit (odd
// samples), which must never miss it.
int RunFreshness() {
  const Workload w = WorkloadFromFlags();
  auto ingest = IngestStubs(1);
  auto query = QueryStubs(1);
  int samples = absl::GetFlag(FLAGS_samples);
  absl::Duration poll = absl::GetFlag(FLAGS_poll_interval);
  int64_t next_index = absl::GetFlag(FLAGS_first_index);

  // Optional background load, on its own connection and index range.
  int background = absl::GetFlag(FLAGS_background_streams);
  Recorder background_recorder(absl::Now(), absl::ZeroDuration(),
                               absl::InfiniteDuration());
  IndexSource background_source(next_index + 10000000,
                                std::numeric_limits<int64_t>::max());
  IdSink no_ids(false);
  RejectionLog background_rejections;
  std::vector<std::unique_ptr<IngestStream>> load;
  std::vector<std::unique_ptr<v1::IngestService::Stub>> load_stubs;
  if (background > 0) {
    load_stubs.push_back(v1::IngestService::NewStub(
        MakeChannel(absl::GetFlag(FLAGS_ingest), 1)));
    load = StartIngestStreams(load_stubs, background, w, &background_source,
                              &background_recorder, &no_ids,
                              &background_rejections, nullptr, nullptr,
                              absl::GetFlag(FLAGS_background_window));
    absl::SleepFor(absl::Seconds(1));
  }

  ServerCpu servers(ServerPids());
  servers.Start();
  double cpu0 = ProcessCpuSeconds();
  absl::Time started = absl::Now();
  std::vector<float> fresh_ms, min_commit_ms;
  int64_t stale = 0, errors = 0, polls = 0;
  std::mt19937_64 rng(absl::GetFlag(FLAGS_seed));
  for (int s = 0; s < samples; ++s) {
    v1::IngestFactsRequest request;
    w.MakeFact(next_index++, request.add_facts());
    request.set_compact_results(true);
    v1::IngestFactsResponse response;
    auto context = Context();
    grpc::Status status = CallAndWait([&](auto done) {
      ingest[0]->async()->IngestFacts(context.get(), &request, &response,
                                      std::move(done));
    });
    absl::Time acked = absl::Now();
    if (!status.ok() || response.accepted_count() != 1) {
      ++errors;
      continue;
    }
    const std::string& id = response.results(0).fact_id();
    if (s % 2 == 0) {
      // Without a token: poll until visible.
      while (true) {
        absl::Time poll_start = absl::Now();
        v1::GetFactRequest get;
        get.set_id(id);
        v1::GetFactResponse got;
        auto get_context = Context();
        grpc::Status read = CallAndWait([&](auto done) {
          query[0]->async()->GetFact(get_context.get(), &get, &got,
                                     std::move(done));
        });
        ++polls;
        if (read.ok()) {
          fresh_ms.push_back(static_cast<float>(
              absl::ToDoubleMilliseconds(absl::Now() - acked)));
          break;
        }
        if (read.error_code() != grpc::StatusCode::NOT_FOUND ||
            absl::Now() - acked > absl::Seconds(30)) {
          ++errors;
          break;
        }
        absl::SleepFor(poll_start + poll - absl::Now());
      }
    } else {
      // With the ack's token: one read, right away.
      v1::GetFactRequest get;
      get.set_id(id);
      get.mutable_read_options()->set_min_commit(response.commit_token());
      v1::GetFactResponse got;
      auto get_context = Context();
      absl::Time t0 = absl::Now();
      grpc::Status read = CallAndWait([&](auto done) {
        query[0]->async()->GetFact(get_context.get(), &get, &got,
                                   std::move(done));
      });
      absl::Time t1 = absl::Now();
      if (read.ok() && got.fact().id() == id) {
        min_commit_ms.push_back(
            static_cast<float>(absl::ToDoubleMilliseconds(t1 - t0)));
      } else if (read.error_code() == grpc::StatusCode::NOT_FOUND) {
        ++stale;
      } else {
        ++errors;
      }
    }
    // Spread the samples over the follower's catch-up cycle.
    absl::SleepFor(absl::Microseconds(2000 + rng() % 9000));
  }
  double seconds = absl::ToDoubleSeconds(absl::Now() - started);
  double client_cpu = ProcessCpuSeconds() - cpu0;
  servers.Stop();
  for (auto& stream : load) stream->StopSending();
  for (auto& stream : load) stream->Wait();

  Json out = Header("freshness");
  Percentiles fresh = ComputePercentiles(&fresh_ms);
  Percentiles min_commit = ComputePercentiles(&min_commit_ms);
  out.Add("samples", samples)
      .Add("seconds", seconds)
      .Add("background_streams", background)
      .Add("background_window", absl::GetFlag(FLAGS_background_window))
      .Add("poll_interval_ms", absl::ToDoubleMilliseconds(poll))
      .Add("freshness_ms", PercentilesJson(fresh))
      .Add("min_commit_latency_ms", PercentilesJson(min_commit))
      .Add("stale", stale)
      .Add("errors", errors)
      .Add("polls", polls)
      .Add("ops", static_cast<int64_t>(samples))
      .Add("client_cpu_s", client_cpu)
      .Add("server_cpu_s", servers.ToJson());
  if (background > 0) {
    Json bg;
    background_recorder.EndNow(absl::Now());
    background_recorder.AddSummary(&bg, false);
    out.Add("background", bg);
  }
  Print(out);
  return errors == 0 && stale == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------
// wait_serving: for each --query replica in turn, polls its health (service
// factstore.v1.QueryService) every --poll_interval until SERVING, then reads
// its GetStats; with --caught_up, polls GetStats until the replica has
// nothing left to apply. Times are seconds since the program started;
// serving_unix_us is the wall-clock time of SERVING, for a harness that
// times a replica from its own start. A replica that does not get there
// within --wait_timeout fails the run.

Json ReplicaStats(const v1::GetStatsResponse& stats) {
  Json j;
  j.Add("fact_count", stats.fact_count())
      .Add("entity_count", stats.entity_count())
      .Add("commit_token", stats.commit_token())
      .Add("commits_behind", stats.commits_behind());
  if (stats.has_replication()) {
    const v1::ReplicationStatus& r = stats.replication();
    j.Add("state", r.state())
        .Add("applied_sequence", static_cast<int64_t>(r.applied_sequence()))
        .Add("log_last_sequence", static_cast<int64_t>(r.log_last_sequence()))
        .Add("entries_behind", r.entries_behind())
        .Add("nats_connected", r.nats_connected());
    if (!r.error().empty()) j.Add("error", r.error());
  }
  return j;
}

bool NothingToApply(const v1::GetStatsResponse& stats) {
  if (!stats.has_replication()) return stats.commits_behind() == 0;
  const v1::ReplicationStatus& r = stats.replication();
  return r.state() == "following" && r.entries_behind() == 0 &&
         r.log_last_sequence() > 0 &&
         r.applied_sequence() >= r.log_last_sequence();
}

int RunWaitServing() {
  const absl::Time started = absl::Now();
  const absl::Duration poll = absl::GetFlag(FLAGS_poll_interval);
  const absl::Duration limit = absl::GetFlag(FLAGS_wait_timeout);
  const bool caught_up = absl::GetFlag(FLAGS_caught_up);
  auto since_start = [started] {
    return absl::ToDoubleSeconds(absl::Now() - started);
  };
  ServerCpu servers(ServerPids());
  servers.Start();
  double cpu0 = ProcessCpuSeconds();
  std::vector<std::string> replicas;
  bool ok = true;
  int64_t health_polls = 0, stats_polls = 0;
  for (const std::string& address : QueryAddresses()) {
    auto channel = MakeChannel(address, 0);
    auto health = grpc::health::v1::Health::NewStub(channel);
    auto query = v1::QueryService::NewStub(channel);
    const absl::Time deadline = absl::Now() + limit;
    Json replica;
    replica.Add("address", address);
    double serving_s = -1;
    int64_t serving_unix_us = -1;
    std::string last = "no answer";
    while (absl::Now() < deadline) {
      absl::Time poll_start = absl::Now();
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      grpc::health::v1::HealthCheckRequest request;
      request.set_service("factstore.v1.QueryService");
      grpc::health::v1::HealthCheckResponse response;
      grpc::Status status = health->Check(&context, request, &response);
      ++health_polls;
      if (status.ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        serving_s = since_start();
        // Wall-clock time, for the harness that started the replica (an
        // integer: JSON numbers here have six significant digits).
        serving_unix_us = absl::ToUnixMicros(absl::Now());
        break;
      }
      last = status.ok()
                 ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                       response.status())
                 : status.error_message();
      absl::SleepFor(poll_start + poll - absl::Now());
    }
    replica.Add("serving_s", serving_s).Add("serving_unix_us", serving_unix_us);
    if (serving_s < 0) {
      std::cerr << "load_generator: " << address << " not SERVING within "
                << limit << " (last: " << last << ")\n";
      replica.Add("last_health", last);
      ok = false;
      replicas.push_back(replica.ToString());
      continue;
    }
    // What it holds when it turns SERVING; then, with --caught_up, once it
    // has nothing left to apply.
    bool first = true;
    double caught_up_s = -1;
    while (true) {
      absl::Time poll_start = absl::Now();
      v1::GetStatsRequest request;
      v1::GetStatsResponse stats;
      auto context = Context();
      grpc::Status status = query->GetStats(context.get(), request, &stats);
      ++stats_polls;
      if (!status.ok()) {
        std::cerr << "load_generator: GetStats on " << address << ": "
                  << status.error_message() << "\n";
      } else {
        if (first) {
          replica.Add("at_serving", ReplicaStats(stats));
          first = false;
        }
        if (!caught_up) break;
        if (NothingToApply(stats)) {
          caught_up_s = since_start();
          replica.Add("caught_up_s", caught_up_s)
              .Add("caught_up", ReplicaStats(stats));
          break;
        }
      }
      if (absl::Now() > deadline) {
        std::cerr << "load_generator: " << address << " still had entries to "
                  << "apply after " << limit << "\n";
        ok = false;
        break;
      }
      absl::SleepFor(poll_start + std::max(poll, absl::Milliseconds(20)) -
                     absl::Now());
    }
    replicas.push_back(replica.ToString());
  }
  double client_cpu = ProcessCpuSeconds() - cpu0;
  servers.Stop();
  Json out = Header("wait_serving");
  out.Add("seconds", since_start())
      .Add("poll_interval_ms", absl::ToDoubleMilliseconds(poll))
      .Add("caught_up_wanted", caught_up)
      .AddRaw("replicas", absl::StrCat("[", absl::StrJoin(replicas, ","), "]"))
      .Add("health_polls", health_polls)
      .Add("stats_polls", stats_polls)
      .Add("ops", static_cast<int64_t>(replicas.size()))
      .Add("client_cpu_s", client_cpu)
      .Add("server_cpu_s", servers.ToJson());
  Print(out);
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------
// The transport baseline: the same patterns against a server that does no
// work.

int RunBaselineGetFact() {
  int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  int outstanding = std::max(1, absl::GetFlag(FLAGS_outstanding));
  int reply_bytes = absl::GetFlag(FLAGS_reply_bytes);
  int request_bytes = absl::GetFlag(FLAGS_request_bytes);
  if (request_bytes <= 0) {
    v1::GetFactRequest sample;
    sample.set_id("f_0123456789abcdef0123456789abcdef");
    request_bytes = static_cast<int>(sample.ByteSizeLong());
  }
  if (reply_bytes <= 0) reply_bytes = 1000;
  std::vector<std::unique_ptr<bench::TransportBaseline::Stub>> stubs;
  for (auto& channel : MakeChannels(absl::GetFlag(FLAGS_baseline), channels)) {
    stubs.push_back(bench::TransportBaseline::NewStub(channel));
  }
  Require(WaitServing(MakeChannel(absl::GetFlag(FLAGS_baseline), 999),
                      absl::Seconds(30)),
          "the transport baseline server is not serving");
  // The request's payload makes the serialized request as large as a real
  // GetFactRequest.
  std::string padding(std::max(0, request_bytes - 5), 'x');
  using Loop = UnaryLoop<bench::TransportBaseline::Stub, bench::UnaryRequest,
                         bench::UnaryReply>;
  Loop::Hooks hooks;
  hooks.fill = [&](int, std::mt19937_64&, bench::UnaryRequest* request) {
    request->set_payload(padding);
    request->set_reply_bytes(reply_bytes);
    return true;
  };
  hooks.invoke = [](bench::TransportBaseline::Stub* s, grpc::ClientContext* c,
                    const bench::UnaryRequest* q, bench::UnaryReply* r,
                    Loop::Done done) {
    s->async()->Unary(c, q, r, std::move(done));
  };
  Window window(/*timed=*/true);
  Loop loop(Raw(stubs), outstanding, &window.recorder, std::move(hooks), 1);
  loop.Start();
  window.SleepThrough();
  loop.Wait();
  Json out = Header("get_fact");
  out.Add("outstanding", outstanding)
      .Add("channels", channels)
      .Add("request_bytes", request_bytes)
      .Add("reply_bytes", reply_bytes);
  window.AddTo(&out);
  Print(out);
  return window.recorder.errors() == 0 ? 0 : 1;
}

int RunBaselineStream() {
  const Workload w = WorkloadFromFlags();
  int streams = std::max(1, absl::GetFlag(FLAGS_streams));
  int batch_size = absl::GetFlag(FLAGS_batch_size);
  // A real batch and a real compact acknowledgement, to size the payloads.
  v1::StreamIngestFactsRequest real;
  FillBatch(w, absl::GetFlag(FLAGS_first_index), batch_size,
            real.mutable_facts());
  real.set_compact_results(true);
  int64_t batch_bytes = static_cast<int64_t>(real.ByteSizeLong());
  int ack_bytes = absl::GetFlag(FLAGS_ack_bytes);
  if (ack_bytes <= 0) {
    v1::StreamIngestFactsResponse ack;
    ack.set_batch_index(12345);
    ack.set_commit_token("c_0123456789abcdef0123");
    for (int i = 0; i < batch_size; ++i) {
      v1::FactResult* r = ack.add_results();
      r->set_outcome(v1::OUTCOME_CREATED);
      r->set_fact_id("f_0123456789abcdef0123456789abcdef");
    }
    ack.set_accepted_count(batch_size);
    ack_bytes = static_cast<int>(ack.ByteSizeLong());
  }
  std::vector<std::unique_ptr<bench::TransportBaseline::Stub>> stubs;
  stubs.push_back(bench::TransportBaseline::NewStub(
      MakeChannel(absl::GetFlag(FLAGS_baseline), 0)));
  Require(WaitServing(MakeChannel(absl::GetFlag(FLAGS_baseline), 999),
                      absl::Seconds(30)),
          "the transport baseline server is not serving");
  std::string padding(
      static_cast<size_t>(std::max<int64_t>(0, batch_bytes - 10)), 'x');
  Window window(/*timed=*/true);
  using Stream = StreamLoad<bench::StreamBatch, bench::StreamAck>;
  std::vector<std::unique_ptr<Stream>> running;
  for (int s = 0; s < streams; ++s) {
    bench::TransportBaseline::Stub* stub = stubs[0].get();
    Stream::Hooks hooks;
    hooks.start =
        [stub](grpc::ClientContext* c,
               grpc::ClientBidiReactor<bench::StreamBatch, bench::StreamAck>*
                   reactor) { stub->async()->Stream(c, reactor); };
    hooks.next = [&](bench::StreamBatch* batch) {
      batch->set_payload(padding);
      batch->set_ack_bytes(ack_bytes);
      return true;
    };
    hooks.ack = [batch_size](const bench::StreamAck&) -> int64_t {
      return batch_size;
    };
    running.push_back(std::make_unique<Stream>(
        std::move(hooks), absl::GetFlag(FLAGS_window), &window.recorder));
  }
  for (auto& s : running) s->Begin();
  window.SleepThrough();
  for (auto& s : running) s->Wait();
  Json out = Header("ingest_stream");
  out.Add("streams", streams)
      .Add("window", absl::GetFlag(FLAGS_window))
      .Add("batch_size", batch_size)
      .Add("channels", 1)
      .Add("outstanding", streams * absl::GetFlag(FLAGS_window))
      .Add("batch_bytes", batch_bytes)
      .Add("ack_bytes", static_cast<int64_t>(ack_bytes));
  window.AddTo(&out);
  Print(out);
  return window.recorder.errors() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace factstore::bench

int main(int argc, char** argv) {
  // Debian's Abseil leaves its mutex deadlock detector on, a global lock on
  // every gRPC mutex acquisition; the servers turn it off too
  // (server/grpc_server.h).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "factstore load generator: one scenario, one JSON object "
      "(bench/README.md).");
  absl::ParseCommandLine(argc, argv);
  using namespace factstore::bench;  // NOLINT
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  const bool baseline = absl::GetFlag(FLAGS_target) == "baseline";
  if (baseline) {
    if (scenario == "get_fact") return RunBaselineGetFact();
    if (scenario == "ingest_stream") return RunBaselineStream();
    std::cerr << "load_generator: --target=baseline supports get_fact and "
                 "ingest_stream\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_target) != "factstore") {
    std::cerr << "load_generator: --target is factstore or baseline\n";
    return 2;
  }
  if (scenario == "setup") return RunSetup();
  if (scenario == "load_entities") return RunLoadEntities();
  if (scenario == "populate") return RunIngestStream(/*populate=*/true);
  if (scenario == "ingest_stream") return RunIngestStream(/*populate=*/false);
  if (scenario == "ingest_unary") return RunIngestUnary();
  if (scenario == "get_fact") return RunGetFact();
  if (scenario == "get_entity") return RunGetEntity();
  if (scenario == "batch_get_facts") return RunBatchGetFacts();
  if (scenario == "list_by_subject") return RunListFacts(ListBy::kSubject);
  if (scenario == "list_by_range") return RunListFacts(ListBy::kRange);
  if (scenario == "list_by_involves") return RunListFacts(ListBy::kInvolves);
  if (scenario == "aggregate_by_subject") return RunAggregateBySubject();
  if (scenario == "search_facts") return RunSearchFactsBySubjectName();
  if (scenario == "search_prefix") return RunSearchPrefix();
  if (scenario == "freshness") return RunFreshness();
  if (scenario == "wait_serving") return RunWaitServing();
  if (scenario == "check") return RunCheck();
  if (scenario == "export_facts") return RunExportFacts();
  std::cerr << "load_generator: unknown --scenario \"" << scenario
            << "\" (see --help)\n";
  return 2;
}
