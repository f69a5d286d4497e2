#include "ingest_service/ingest_metrics.h"

namespace factstore::ingest {
namespace {

prometheus::Counter& Counter(prometheus::Registry& registry, const char* name,
                             const char* help) {
  return prometheus::BuildCounter()
      .Name(name)
      .Help(help)
      .Register(registry)
      .Add({});
}

prometheus::Histogram& Histogram(
    prometheus::Registry& registry, const char* name, const char* help,
    prometheus::Histogram::BucketBoundaries buckets) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(help)
      .Register(registry)
      .Add({}, std::move(buckets));
}

}  // namespace

IngestMetrics::IngestMetrics(prometheus::Registry& registry)
    : commits_(Counter(registry, "factstore_commits_total",
                       "Commits written to the store.")),
      facts_(Counter(registry, "factstore_facts_committed_total",
                     "New facts committed.")),
      mentions_(Counter(registry, "factstore_mentions_committed_total",
                        "New mentions committed.")),
      items_(Histogram(registry, "factstore_commit_items",
                       "Items (facts, entities, predicates) per group commit.",
                       {1, 10, 100, 1000, 2000, 5000, 10000, 20000, 50000})),
      requests_(Histogram(registry, "factstore_commit_requests",
                          "Requests (or stream batches) per group commit.",
                          {1, 2, 4, 8, 16, 32, 64, 128})),
      seconds_(Histogram(registry, "factstore_commit_seconds",
                         "Time to apply and write one group commit.",
                         {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                          0.25, 0.5, 1, 2.5})),
      bytes_(Histogram(registry, "factstore_commit_batch_bytes",
                       "Size of one group commit's write batch.",
                       {1e3, 1e4, 1e5, 1e6, 4e6, 1.6e7, 6.4e7})),
      last_commit_(prometheus::BuildGauge()
                       .Name("factstore_last_commit")
                       .Help("Sequence number of the last commit.")
                       .Register(registry)
                       .Add({})),
      queued_items_(prometheus::BuildGauge()
                        .Name("factstore_ingest_queued_items")
                        .Help("Items waiting for the committer at the last "
                              "commit (at most --max_queued_items plus one "
                              "request).")
                        .Register(registry)
                        .Add({})),
      held_back_(prometheus::BuildGauge()
                     .Name("factstore_ingest_held_back_batches")
                     .Help("Stream batches waiting for room in the "
                           "committer's queue at the last commit (their "
                           "streams stop reading meanwhile).")
                     .Register(registry)
                     .Add({})),
      conflicts_(Counter(registry, "factstore_commit_conflicts_total",
                         "Replicated mode: group commits built again because "
                         "another writer appended to the commit log first.")) {}

void IngestMetrics::Observe(const CommitStats& stats) {
  commits_.Increment();
  facts_.Increment(static_cast<double>(stats.facts_added));
  mentions_.Increment(static_cast<double>(stats.mentions_added));
  items_.Observe(stats.items);
  requests_.Observe(stats.operations);
  seconds_.Observe(stats.seconds);
  bytes_.Observe(static_cast<double>(stats.batch_bytes));
  last_commit_.Set(static_cast<double>(stats.commit));
  queued_items_.Set(stats.queued_items);
  held_back_.Set(stats.held_back);
  conflicts_.Increment(stats.conflicts);
}

}  // namespace factstore::ingest
