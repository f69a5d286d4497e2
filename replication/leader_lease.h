// LeaderLease: which ingest replica writes, decided by a lease in a
// JetStream key-value bucket.
//
// The lease is one key in a bucket whose entries expire after `ttl`. The
// holder renews it (a revision-checked update) every ttl/4; the others
// read it every ttl/8 and create it (create-if-absent) once it has expired
// or was released. A holder that cannot renew steps down before its lease
// can have expired on the server.
//
// The lease only decides who should write; it is not what keeps the log
// linear. Every append names the log position it follows (CommitLog), so
// two replicas that both believe they lead for a moment cannot fork the
// history: one of them is refused and catches up.
//
//   FS_ASSIGN_OR_RETURN(auto lease, LeaderLease::Start(nats.get(), options,
//       [](bool leading) { ... }));
//   if (!lease->is_leader()) Forward(lease->leader_address());
//
// Thread-safe.
#ifndef FACTSTORE_REPLICATION_LEADER_LEASE_H_
#define FACTSTORE_REPLICATION_LEADER_LEASE_H_

#include <nats/nats.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "replication/nats_client.h"

namespace factstore::replication {

struct LeaderLeaseOptions {
  // The key-value bucket ("factstore_leader_<stream>" by convention) and
  // its replicas when this replica creates it.
  std::string bucket;
  int replicas = 3;
  // This replica's name and the address other replicas forward writes to.
  std::string holder;
  std::string address;
  // How long a lease lasts without renewal: the longest time writes wait
  // for a new leader after the leader dies without releasing it.
  absl::Duration ttl = absl::Seconds(3);
};

class LeaderLease {
 public:
  // Called on the lease's thread when this replica becomes the leader
  // (true) or stops being it (false). Becoming leader waits for it: the
  // replica is reported as leader only once it returns OK (a failure gives
  // the lease back).
  using Transition = std::function<absl::Status(bool leading)>;

  // Starts competing for the lease in the background. `nats` must outlive
  // the lease.
  static absl::StatusOr<std::unique_ptr<LeaderLease>> Start(
      NatsClient* nats, LeaderLeaseOptions options, Transition transition);
  // Releases the lease if held (so that another replica takes over at
  // once) and stops.
  ~LeaderLease();

  bool is_leader() const { return leader_.load(); }
  // The current leader's address as last read ("" if unknown or none).
  std::string leader_address() const;
  std::string leader_holder() const;
  // When this replica last became the leader.
  absl::Time leading_since() const;

  // Gives the lease up (if held) and stops competing for it: a replica
  // shutting down.
  void Release();

 private:
  LeaderLease(NatsClient* nats, LeaderLeaseOptions options,
              Transition transition);
  void Run();
  // One round; returns how long to wait before the next.
  absl::Duration Round();
  void StepDown(const char* why);
  // Holding the lease (revision_): gets ready to lead, or gives it back.
  // Returns how long to wait before the next round.
  absl::Duration BecomeLeader();
  // Renews the lease at revision_; on success records the new revision and
  // when the renewal was sent.
  natsStatus Renew();
  // Deletes the lease if it is still this replica's (revision_).
  void DeleteOwnLease();

  NatsClient* const nats_;
  const LeaderLeaseOptions options_;
  const Transition transition_;
  std::string value_;  // this replica's LeaderRecord as JSON

  std::atomic<bool> leader_{false};
  mutable Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::string leader_address_ ABSL_GUARDED_BY(mu_);
  std::string leader_holder_ ABSL_GUARDED_BY(mu_);
  absl::Time leading_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();

  // Used by the lease's thread only.
  kvStore* bucket_ = nullptr;
  uint64_t revision_ = 0;
  absl::Time renewed_at_ = absl::InfinitePast();

  std::thread thread_;
};

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_LEADER_LEASE_H_
