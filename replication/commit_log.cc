#include "replication/commit_log.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace factstore::replication {
namespace {

// Room left in a message for its headers (message id, expected sequence)
// and the protocol line.
constexpr int64_t kHeaderRoomBytes = 4096;

LogState ToState(const jsStreamInfo& info) {
  LogState state;
  state.first_sequence = info.State.FirstSeq;
  state.last_sequence = info.State.LastSeq;
  state.messages = info.State.Msgs;
  state.bytes = info.State.Bytes;
  state.created_micros = info.Created / 1000;
  state.replicas =
      info.Config != nullptr ? static_cast<int>(info.Config->Replicas) : 0;
  return state;
}

}  // namespace

LogReader::~LogReader() {
  // Destroy only drops the interest (an UNSUB); an explicit Unsubscribe
  // would also ask JetStream to delete the consumer and wait up to the
  // request timeout for the answer, holding up every shutdown while NATS is
  // away. JetStream removes an ordered consumer without interest by itself.
  if (subscription_ != nullptr) natsSubscription_Destroy(subscription_);
}

absl::StatusOr<std::optional<LogMessage>> LogReader::Next(
    absl::Duration timeout) {
  natsMsg* msg = nullptr;
  natsStatus s = natsSubscription_NextMsg(
      &msg, subscription_,
      std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout)));
  if (s == NATS_TIMEOUT) return std::nullopt;
  if (s != NATS_OK) return FromNatsStatus(s, 0, "read the commit log");
  jsMsgMetaData* meta = nullptr;
  s = natsMsg_GetMetaData(&meta, msg);
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return FromNatsStatus(s, 0, "commit log message metadata");
  }
  LogMessage message;
  message.sequence = meta->Sequence.Stream;
  message.time_micros = meta->Timestamp / 1000;
  message.payload.assign(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
  jsMsgMetaData_Destroy(meta);
  natsMsg_Destroy(msg);
  return message;
}

CommitLog::CommitLog(NatsClient* nats, CommitLogOptions options)
    : nats_(nats),
      options_(std::move(options)),
      subject_(absl::StrCat("factstore.log.", options_.stream)) {}

absl::StatusOr<LogState> CommitLog::Create() {
  absl::StatusOr<LogState> existing = State();
  if (!absl::IsNotFound(existing.status())) return existing;
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subjects[] = {subject_.c_str()};
  config.Name = options_.stream.c_str();
  config.Description = "factstore commit log (replication/README.md)";
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Replicas = options_.replicas;
  // Kept until factstore purges it behind a snapshot; nothing expires.
  config.Retention = js_LimitsPolicy;
  // Single messages are never deleted: the log is compacted by purging a
  // prefix only, so a gap can only mean "purged before".
  config.DenyDelete = true;
  jsStreamInfo* info = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  natsStatus s =
      js_AddStream(&info, nats_->jetstream(), &config, nullptr, &js_error);
  if (s != NATS_OK) {
    // Another server created it first.
    if (js_error == JSStreamNameExistErr) return State();
    return absl::UnavailableError(
        FromNatsStatus(s, js_error,
                       absl::StrCat("create the stream ", options_.stream))
            .message());
  }
  LogState state = ToState(*info);
  jsStreamInfo_Destroy(info);
  return state;
}

absl::StatusOr<LogState> CommitLog::State() {
  jsStreamInfo* info = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, nats_->jetstream(),
                                  options_.stream.c_str(), nullptr, &js_error);
  if (s != NATS_OK) {
    return FromNatsStatus(
        s, js_error,
        absl::StrCat("read the state of stream ", options_.stream));
  }
  LogState state = ToState(*info);
  jsStreamInfo_Destroy(info);
  return state;
}

absl::StatusOr<uint64_t> CommitLog::Append(absl::string_view payload,
                                           uint64_t expected_last,
                                           const std::string& message_id) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.ExpectStream = options_.stream.c_str();
  options.ExpectLastSeq = expected_last;
  options.MsgId = message_id.c_str();
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject_.c_str(), nullptr, payload.data(),
                                static_cast<int>(payload.size()));
  // libnats leaves the header out for an expected sequence of 0 (it takes 0
  // for "no expectation"); JetStream takes "0" as "the stream is empty".
  if (s == NATS_OK && expected_last == 0) {
    s = natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence", "0");
  }
  jsPubAck* ack = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  if (s == NATS_OK) {
    s = js_PublishMsg(&ack, nats_->jetstream(), msg, &options, &js_error);
  }
  natsMsg_Destroy(msg);
  if (s != NATS_OK) {
    return FromNatsStatus(
        s, js_error,
        absl::StrCat("append to the commit log after entry ", expected_last));
  }
  uint64_t sequence = ack->Sequence;
  jsPubAck_Destroy(ack);
  return sequence;
}

absl::StatusOr<LogMessage> CommitLog::Read(uint64_t sequence) {
  natsMsg* msg = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&msg, nats_->jetstream(), options_.stream.c_str(),
                           sequence, nullptr, &js_error);
  if (s != NATS_OK) {
    return FromNatsStatus(s, js_error,
                          absl::StrCat("read commit log entry ", sequence));
  }
  LogMessage message;
  message.sequence = natsMsg_GetSequence(msg);
  message.time_micros = natsMsg_GetTime(msg) / 1000;
  message.payload.assign(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
  return message;
}

absl::Status CommitLog::PurgeBefore(uint64_t sequence) {
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = absl::ToInt64Milliseconds(nats_->options().request_timeout);
  options.Stream.Purge.Sequence = sequence;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(nats_->jetstream(), options_.stream.c_str(),
                                &options, &js_error);
  return FromNatsStatus(
      s, js_error,
      absl::StrCat("purge the commit log before entry ", sequence));
}

absl::StatusOr<std::unique_ptr<LogReader>> CommitLog::ReadFrom(uint64_t start) {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = options_.stream.c_str();
  options.Ordered = true;
  options.Config.DeliverPolicy = js_DeliverByStartSequence;
  options.Config.OptStartSeq = std::max<uint64_t>(start, 1);
  // Missed heartbeats make the client library recreate the consumer.
  options.Config.Heartbeat = absl::ToInt64Nanoseconds(absl::Seconds(2));
  natsSubscription* subscription = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  natsStatus s =
      js_SubscribeSync(&subscription, nats_->jetstream(), subject_.c_str(),
                       nullptr, &options, &js_error);
  if (s != NATS_OK) {
    return FromNatsStatus(
        s, js_error, absl::StrCat("read the commit log from entry ", start));
  }
  // Entries can be large; let a burst of them wait in memory rather than
  // count as a slow consumer (which would force a new consumer).
  natsSubscription_SetPendingLimits(subscription, -1, 256 << 20);
  return std::unique_ptr<LogReader>(new LogReader(subscription));
}

int64_t CommitLog::max_entry_bytes() const {
  int64_t max = nats_->max_payload();
  return max > kHeaderRoomBytes ? max - kHeaderRoomBytes : 0;
}

}  // namespace factstore::replication
