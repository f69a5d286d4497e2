#include "server/store_metrics.h"

#include "rocksdb/db.h"
#include "rocksdb/statistics.h"

namespace factstore::server {

prometheus::MetricFamily MakeFamily(const char* name, const char* help,
                                    prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

std::vector<prometheus::MetricFamily> StoreCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  const storage::Store* store = store_();
  if (store == nullptr) return families;
  rocksdb::DB* db = store->db();
  auto aggregated = [db](const std::string& property) {
    uint64_t value = 0;
    db->GetAggregatedIntProperty(property, &value);
    return static_cast<double>(value);
  };
  using prometheus::MetricType;
  if (rocksdb::Statistics* stats = store->statistics(); stats != nullptr) {
    double hits = static_cast<double>(stats->getTickerCount(rocksdb::BLOCK_CACHE_HIT));
    double misses =
        static_cast<double>(stats->getTickerCount(rocksdb::BLOCK_CACHE_MISS));
    families.push_back(MakeFamily("factstore_rocksdb_block_cache_hits_total",
                                  "Block cache hits.", MetricType::Counter, hits));
    families.push_back(MakeFamily("factstore_rocksdb_block_cache_misses_total",
                                  "Block cache misses.", MetricType::Counter,
                                  misses));
    families.push_back(MakeFamily(
        "factstore_rocksdb_block_cache_hit_ratio",
        "Block cache hits over lookups since start (0 before any lookup).",
        MetricType::Gauge, hits + misses > 0 ? hits / (hits + misses) : 0));
  }
  uint64_t cache_usage = 0;
  db->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &cache_usage);
  families.push_back(MakeFamily("factstore_rocksdb_block_cache_usage_bytes",
                                "Bytes in the block cache.", MetricType::Gauge,
                                static_cast<double>(cache_usage)));
  families.push_back(MakeFamily(
      "factstore_rocksdb_sst_bytes", "Bytes of table files, all column families.",
      MetricType::Gauge,
      aggregated(rocksdb::DB::Properties::kTotalSstFilesSize)));
  families.push_back(MakeFamily(
      "factstore_rocksdb_pending_compaction_bytes",
      "Estimated bytes compaction still has to rewrite.", MetricType::Gauge,
      aggregated(rocksdb::DB::Properties::kEstimatePendingCompactionBytes)));
  families.push_back(MakeFamily(
      "factstore_rocksdb_memtable_bytes", "Bytes in memtables.", MetricType::Gauge,
      aggregated(rocksdb::DB::Properties::kCurSizeAllMemTables)));
  uint64_t running = 0;
  db->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &running);
  families.push_back(MakeFamily("factstore_rocksdb_running_compactions",
                                "Compactions running now.", MetricType::Gauge,
                                static_cast<double>(running)));
  return families;
}

}  // namespace factstore::server
