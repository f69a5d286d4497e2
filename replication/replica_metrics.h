// ReplicaCollector: a replica's place in the commit log, for Prometheus
// (factstore_replication_*; docs/operations.md lists them).
#ifndef FACTSTORE_REPLICATION_REPLICA_METRICS_H_
#define FACTSTORE_REPLICATION_REPLICA_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "replication/log_replica.h"

namespace factstore::replication {

class ReplicaCollector : public prometheus::Collectable {
 public:
  // `replica` must outlive the collector's registration.
  explicit ReplicaCollector(const LogReplica* replica) : replica_(replica) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const LogReplica* const replica_;
};

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_REPLICA_METRICS_H_
