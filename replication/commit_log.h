// CommitLog: factstore's commit log as a JetStream stream, and nothing
// more: append with optimistic concurrency, read in order, read one entry,
// purge a prefix. What the entries mean is LogApplier's business.
//
//   CommitLogOptions options;
//   options.stream = "FACTSTORE";
//   options.replicas = 3;
//   CommitLog log(nats.get(), options);
//   FS_ASSIGN_OR_RETURN(LogState state, log.Create());
//   FS_ASSIGN_OR_RETURN(uint64_t seq, log.Append(payload, state.last_sequence,
//                                                "writer-1.7.0"));
//   FS_ASSIGN_OR_RETURN(auto reader, log.ReadFrom(1));
//
// Appends name the sequence they expect to follow (JetStream's
// ExpectLastSeq): two writers can never both append after the same entry,
// so the log has one history whoever writes. Each append also carries a
// message id, so that resending it after a lost acknowledgement is
// recognized as a duplicate rather than stored twice.
//
// Thread-safe.
#ifndef FACTSTORE_REPLICATION_COMMIT_LOG_H_
#define FACTSTORE_REPLICATION_COMMIT_LOG_H_

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "replication/log_applier.h"
#include "replication/nats_client.h"

namespace factstore::replication {

struct CommitLogOptions {
  // The JetStream stream's name; its subject is "factstore.log.<stream>".
  std::string stream = "FACTSTORE";
  // Replicas of the stream when this server creates it: 3 in production
  // (an acknowledged entry is on a quorum of 2), 1 for development.
  int replicas = 3;
};

// The stream's state.
struct LogState {
  // First and last sequence held; first > last when it holds nothing (a new
  // stream: first 0 or 1, last 0).
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  // When the stream was created (it changes if it is deleted and created
  // again), microseconds since the Unix epoch.
  int64_t created_micros = 0;
  int replicas = 0;
};

// Messages of the log in order, from a start sequence on (an ephemeral
// ordered consumer: the client library recreates it after a gap or a lost
// connection, resuming after the last message delivered).
class LogReader {
 public:
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // The next message, or nullopt if none came within `timeout`. A non-OK
  // status means the reader is broken: make a new one.
  absl::StatusOr<std::optional<LogMessage>> Next(absl::Duration timeout);

 private:
  friend class CommitLog;
  explicit LogReader(natsSubscription* subscription)
      : subscription_(subscription) {}
  natsSubscription* subscription_;
};

class CommitLog {
 public:
  // `nats` must outlive the log.
  CommitLog(NatsClient* nats, CommitLogOptions options);

  const CommitLogOptions& options() const { return options_; }
  const std::string& subject() const { return subject_; }

  // Creates the stream if it does not exist, and returns its state.
  // UNAVAILABLE while JetStream cannot create it (no cluster leader yet, too
  // few servers for the replicas).
  absl::StatusOr<LogState> Create();

  // The stream's state; NOT_FOUND if there is no stream.
  absl::StatusOr<LogState> State();

  // Appends `payload` if the log's last sequence is `expected_last` (0: the
  // log is empty), and returns its sequence. Errors:
  //   ABORTED: the log's last sequence is another: nothing was appended.
  //   UNAVAILABLE, DEADLINE_EXCEEDED: no answer; the entry may or may not
  //     be in the log. Sending it again with the same `message_id` within
  //     the stream's duplicate window (2 minutes) answers with its sequence
  //     if it was.
  //   NOT_FOUND: the stream does not exist.
  absl::StatusOr<uint64_t> Append(absl::string_view payload,
                                  uint64_t expected_last,
                                  const std::string& message_id);

  // The message at `sequence`; NOT_FOUND if the log holds none there.
  absl::StatusOr<LogMessage> Read(uint64_t sequence);

  // Removes every message below `sequence` from the stream.
  absl::Status PurgeBefore(uint64_t sequence);

  // A reader from `start` on (or from the first message held, if `start`
  // was purged).
  absl::StatusOr<std::unique_ptr<LogReader>> ReadFrom(uint64_t start);

  // The largest payload an entry may have: the server's max_payload less
  // room for the message's headers; 0 while disconnected.
  int64_t max_entry_bytes() const;

 private:
  NatsClient* const nats_;
  const CommitLogOptions options_;
  const std::string subject_;
};

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_COMMIT_LOG_H_
