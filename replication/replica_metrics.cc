#include "replication/replica_metrics.h"

#include "absl/time/clock.h"
#include "server/store_metrics.h"

namespace factstore::replication {

std::vector<prometheus::MetricFamily> ReplicaCollector::Collect() const {
  using prometheus::MetricType;
  using server::MakeFamily;
  ReplicaStatus status = replica_->status();
  double read_age =
      status.log_read_at == absl::InfinitePast()
          ? -1
          : absl::ToDoubleSeconds(absl::Now() - status.log_read_at);
  return {
      MakeFamily("factstore_replication_entries_behind",
                 "Commit log entries not applied yet, as far as this replica "
                 "knows.",
                 MetricType::Gauge,
                 static_cast<double>(status.entries_behind())),
      MakeFamily("factstore_replication_applied_sequence",
                 "Stream sequence of the last commit log entry applied.",
                 MetricType::Gauge,
                 static_cast<double>(status.position.sequence())),
      MakeFamily("factstore_replication_log_read_age_seconds",
                 "Seconds since the commit log's state was last read (-1: "
                 "never).",
                 MetricType::Gauge, read_age),
      MakeFamily("factstore_replication_nats_connected",
                 "1 while connected to NATS.", MetricType::Gauge,
                 status.nats_connected ? 1 : 0),
      MakeFamily("factstore_replication_failed",
                 "1 if this replica stopped following the commit log (its "
                 "log says why).",
                 MetricType::Gauge,
                 status.state == ReplicaStatus::State::kFailed ? 1 : 0),
  };
}

}  // namespace factstore::replication
