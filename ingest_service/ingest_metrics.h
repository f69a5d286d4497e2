// IngestMetrics: the ingest service's own Prometheus metrics, fed by the
// committer after every commit:
//   factstore_commits_total, factstore_facts_committed_total,
//   factstore_mentions_committed_total,
//   factstore_commit_items / factstore_commit_requests (group-commit sizes),
//   factstore_commit_seconds (apply + write latency),
//   factstore_commit_batch_bytes, factstore_last_commit,
//   factstore_ingest_queued_items / factstore_ingest_held_back_batches (the
//   committer's queue at the last commit: saturation),
//   factstore_commit_conflicts_total (replicated mode: groups built again
//   because another writer moved the commit log first).
#ifndef FACTSTORE_INGEST_SERVICE_INGEST_METRICS_H_
#define FACTSTORE_INGEST_SERVICE_INGEST_METRICS_H_

#include "ingest_service/committer.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace factstore::ingest {

class IngestMetrics {
 public:
  explicit IngestMetrics(prometheus::Registry& registry);

  // Records one commit. Called on the committer thread.
  void Observe(const CommitStats& stats);

 private:
  prometheus::Counter& commits_;
  prometheus::Counter& facts_;
  prometheus::Counter& mentions_;
  prometheus::Histogram& items_;
  prometheus::Histogram& requests_;
  prometheus::Histogram& seconds_;
  prometheus::Histogram& bytes_;
  prometheus::Gauge& last_commit_;
  prometheus::Gauge& queued_items_;
  prometheus::Gauge& held_back_;
  prometheus::Counter& conflicts_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_INGEST_METRICS_H_
