#include "replication/leader_lease.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "replication/log_entry.pb.h"
#include "server/log.h"

namespace factstore::replication {
namespace {

constexpr char kLeaderKey[] = "leader";

}  // namespace

absl::StatusOr<std::unique_ptr<LeaderLease>> LeaderLease::Start(
    NatsClient* nats, LeaderLeaseOptions options, Transition transition) {
  if (options.bucket.empty() || options.holder.empty()) {
    return absl::InvalidArgumentError(
        "the leader lease needs a bucket and a holder");
  }
  if (options.ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--leader_lease must be at least 1s");
  }
  std::unique_ptr<LeaderLease> lease(
      new LeaderLease(nats, std::move(options), std::move(transition)));
  LeaderRecord record;
  record.set_holder(lease->options_.holder);
  record.set_address(lease->options_.address);
  record.set_since_micros(absl::ToUnixMicros(absl::Now()));
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(record, &lease->value_,
                                                   print)
           .ok()) {
    return absl::InternalError("cannot write the lease record");
  }
  lease->thread_ = std::thread([l = lease.get()] { l->Run(); });
  return lease;
}

LeaderLease::LeaderLease(NatsClient* nats, LeaderLeaseOptions options,
                         Transition transition)
    : nats_(nats),
      options_(std::move(options)),
      transition_(std::move(transition)) {}

LeaderLease::~LeaderLease() {
  Release();
  if (thread_.joinable()) thread_.join();
  if (bucket_ != nullptr) kvStore_Destroy(bucket_);
}

std::string LeaderLease::leader_address() const {
  MutexLock lock(&mu_);
  return leader_address_;
}

std::string LeaderLease::leader_holder() const {
  MutexLock lock(&mu_);
  return leader_holder_;
}

absl::Time LeaderLease::leading_since() const {
  MutexLock lock(&mu_);
  return leading_since_;
}

void LeaderLease::Release() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }  // unlocking wakes the thread
  // The thread gives the lease back before it ends.
  MutexLock lock(&mu_);
  mu_.Await([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return released_ || !thread_.joinable();
  });
}

void LeaderLease::StepDown(const char* why) {
  if (!leader_.exchange(false)) return;
  server::Log(server::LogLevel::kWarning, "no longer the leader",
              {{"reason", why}, {"bucket", options_.bucket}});
  absl::Status ignored = transition_(false);
  (void)ignored;
}

absl::Duration LeaderLease::Round() {
  if (!nats_->connected()) {
    if (leader_.load() && absl::Now() - renewed_at_ > options_.ttl / 2) {
      StepDown("lost the connection to NATS");
    }
    return absl::Milliseconds(100);
  }
  if (bucket_ == nullptr) {
    natsStatus s =
        js_KeyValue(&bucket_, nats_->jetstream(), options_.bucket.c_str());
    if (s != NATS_OK) {
      kvConfig config;
      kvConfig_Init(&config);
      config.Bucket = options_.bucket.c_str();
      config.Description = "factstore: which ingest replica writes";
      config.History = 1;
      config.TTL = absl::ToInt64Nanoseconds(options_.ttl);
      config.Replicas = options_.replicas;
      config.StorageType = js_FileStorage;
      s = js_CreateKeyValue(&bucket_, nats_->jetstream(), &config);
    }
    if (s != NATS_OK) {
      bucket_ = nullptr;
      server::Log(server::LogLevel::kWarning,
                  "cannot open the leader lease bucket yet",
                  {{"bucket", options_.bucket},
                   {"error", FromNatsStatus(s, 0, "lease").ToString()}});
      return absl::Milliseconds(500);
    }
  }
  if (leader_.load()) {
    natsStatus s = Renew();
    if (s == NATS_OK) return options_.ttl / 4;
    absl::Status error = FromNatsStatus(s, 0, "renew the leader lease");
    if (absl::StrContains(error.message(), "wrong last sequence")) {
      StepDown("another replica holds the lease");
    } else if (absl::Now() - renewed_at_ > options_.ttl / 2) {
      // Stop before the lease can have expired on the server (the time is
      // read after the failed call, which may have waited long).
      StepDown("could not renew the lease in time");
    }
    return absl::Milliseconds(100);
  }
  absl::Time now = absl::Now();
  kvEntry* entry = nullptr;
  natsStatus s = kvStore_Get(&entry, bucket_, kLeaderKey);
  if (s == NATS_OK) {
    LeaderRecord record;
    std::string json(kvEntry_ValueString(entry) != nullptr
                         ? kvEntry_ValueString(entry)
                         : "");
    uint64_t revision = kvEntry_Revision(entry);
    kvEntry_Destroy(entry);
    google::protobuf::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = true;
    if (google::protobuf::util::JsonStringToMessage(json, &record, parse)
            .ok()) {
      if (record.holder() == options_.holder) {
        // Ours: a create whose answer was lost. Take it up (or hand it
        // back when this replica cannot lead after all).
        revision_ = revision;
        renewed_at_ = now;
        return BecomeLeader();
      }
      MutexLock lock(&mu_);
      leader_address_ = record.address();
      leader_holder_ = record.holder();
    }
    return options_.ttl / 8;
  }
  if (s != NATS_NOT_FOUND) return absl::Milliseconds(250);
  {
    MutexLock lock(&mu_);
    leader_address_.clear();
    leader_holder_.clear();
  }
  uint64_t revision = 0;
  s = kvStore_Create(&revision, bucket_, kLeaderKey, value_.data(),
                     static_cast<int>(value_.size()));
  if (s != NATS_OK) return options_.ttl / 8;  // another replica was quicker
  revision_ = revision;
  renewed_at_ = now;
  return BecomeLeader();
}

natsStatus LeaderLease::Renew() {
  // The lease runs from when the renewal was sent, not from its answer.
  absl::Time sent = absl::Now();
  uint64_t revision = 0;
  natsStatus s = kvStore_Update(&revision, bucket_, kLeaderKey, value_.data(),
                                static_cast<int>(value_.size()), revision_);
  if (s == NATS_OK) {
    revision_ = revision;
    renewed_at_ = sent;
  }
  return s;
}

absl::Duration LeaderLease::BecomeLeader() {
  absl::Status ready = transition_(true);
  if (ready.ok()) {
    // Getting ready may have taken a good part of the lease: renew it
    // first, so that a lease that expired meanwhile is not led on.
    natsStatus s = Renew();
    if (s != NATS_OK) {
      ready = FromNatsStatus(s, 0, "renew the leader lease after catching up");
    }
  }
  if (!ready.ok()) {
    server::Log(server::LogLevel::kWarning,
                "took the leader lease but cannot lead yet; giving it back",
                {{"error", std::string(ready.message())}});
    DeleteOwnLease();
    return absl::Seconds(1);
  }
  leader_.store(true);
  {
    MutexLock lock(&mu_);
    leader_address_ = options_.address;
    leader_holder_ = options_.holder;
    leading_since_ = absl::Now();
  }
  server::Log(server::LogLevel::kInfo, "now the leader: accepting writes",
              {{"bucket", options_.bucket}, {"address", options_.address}});
  return options_.ttl / 4;
}

void LeaderLease::DeleteOwnLease() {
  // A delete marker that JetStream refuses unless the key is still at the
  // revision this replica wrote: never the next holder's lease.
  std::string subject = absl::StrCat("$KV.", options_.bucket, ".", kLeaderKey);
  std::string revision = absl::StrCat(revision_);
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, nullptr, 0);
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "KV-Operation", "DEL");
  if (s == NATS_OK) {
    s = natsMsgHeader_Set(msg, "Nats-Expected-Last-Subject-Sequence",
                          revision.c_str());
  }
  jsPubAck* ack = nullptr;
  if (s == NATS_OK)
    s = js_PublishMsg(&ack, nats_->jetstream(), msg, nullptr, nullptr);
  if (ack != nullptr) jsPubAck_Destroy(ack);
  natsMsg_Destroy(msg);
}

void LeaderLease::Run() {
  while (true) {
    absl::Duration wait = Round();
    MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; },
        wait);
    if (stopping_) break;
  }
  if (leader_.load() && bucket_ != nullptr) {
    // Give the lease back so that another replica takes over at once (if
    // NATS is away, it expires by itself).
    if (nats_->connected()) DeleteOwnLease();
    StepDown("shutting down");
  }
  MutexLock lock(&mu_);
  released_ = true;
}

}  // namespace factstore::replication
