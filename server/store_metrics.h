// StoreCollector: the store's own figures (storage::StoreStats) for
// Prometheus, read at each scrape: block cache hits, misses and inserted
// bytes by kind of block (data, index, filter) and the cache's usage; every
// read of a table file and its bytes; per column family table (SST) bytes,
// level-0 files, pending compaction bytes and memtable bytes; running
// compactions and write stalls.
#ifndef FACTSTORE_SERVER_STORE_METRICS_H_
#define FACTSTORE_SERVER_STORE_METRICS_H_

#include <functional>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "storage/store.h"

namespace factstore::server {

class StoreCollector : public prometheus::Collectable {
 public:
  // `store` returns the store to read, or null while there is none yet
  // (a query service waiting for the ingest service to create it).
  explicit StoreCollector(std::function<const storage::Store*()> store)
      : store_(std::move(store)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::function<const storage::Store*()> store_;
};

// A one-sample family of `type`, for collectors.
prometheus::MetricFamily MakeFamily(const char* name, const char* help,
                                    prometheus::MetricType type, double value);

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_STORE_METRICS_H_
