#include "server/store_metrics.h"

#include <utility>

namespace factstore::server {

namespace {

// A family of `type` without samples yet.
prometheus::MetricFamily EmptyFamily(const char* name, const char* help,
                                     prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

// A gauge family with one sample per column family.
prometheus::MetricFamily PerFamily(
    const char* name, const char* help, const storage::StoreStats& stats,
    uint64_t storage::StoreStats::Family::*field) {
  prometheus::MetricFamily family =
      EmptyFamily(name, help, prometheus::MetricType::Gauge);
  for (const storage::StoreStats::Family& f : stats.families) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"column_family", f.name});
    metric.gauge.value = static_cast<double>(f.*field);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

// A counter family with one sample per kind of table block.
prometheus::MetricFamily PerBlockKind(
    const char* name, const char* help, const storage::StoreStats& stats,
    uint64_t storage::StoreStats::BlockCacheLookups::*field) {
  prometheus::MetricFamily family =
      EmptyFamily(name, help, prometheus::MetricType::Counter);
  const std::pair<const char*, const storage::StoreStats::BlockCacheLookups*>
      kinds[] = {{"data", &stats.data_blocks},
                 {"index", &stats.index_blocks},
                 {"filter", &stats.filter_blocks}};
  for (const auto& [kind, lookups] : kinds) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"block", kind});
    metric.counter.value = static_cast<double>(lookups->*field);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

prometheus::MetricFamily MakeFamily(const char* name, const char* help,
                                    prometheus::MetricType type, double value) {
  prometheus::MetricFamily family = EmptyFamily(name, help, type);
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
  const storage::StoreStats stats = store->Stats();
  using prometheus::MetricType;
  using Family = storage::StoreStats::Family;
  using Lookups = storage::StoreStats::BlockCacheLookups;
  families.push_back(PerBlockKind("factstore_rocksdb_block_cache_hits_total",
                                  "Block cache hits, by kind of block.", stats,
                                  &Lookups::hits));
  families.push_back(PerBlockKind("factstore_rocksdb_block_cache_misses_total",
                                  "Block cache misses, by kind of block.",
                                  stats, &Lookups::misses));
  families.push_back(PerBlockKind(
      "factstore_rocksdb_block_cache_inserted_bytes_total",
      "What the blocks inserted into the block cache are charged to it (their "
      "uncompressed size), by kind of block.",
      stats, &Lookups::inserted_bytes));
  families.push_back(MakeFamily(
      "factstore_rocksdb_table_reads_total",
      "Reads of table files: block cache misses, scans' readahead, opening "
      "files, and in the ingest service compaction.",
      MetricType::Counter, static_cast<double>(stats.table_reads)));
  families.push_back(MakeFamily("factstore_rocksdb_table_read_bytes_total",
                                "Bytes the reads of table files returned.",
                                MetricType::Counter,
                                static_cast<double>(stats.table_read_bytes)));
  families.push_back(MakeFamily(
      "factstore_rocksdb_block_cache_usage_bytes", "Bytes in the block cache.",
      MetricType::Gauge, static_cast<double>(stats.block_cache_usage_bytes)));
  families.push_back(PerFamily("factstore_rocksdb_sst_bytes",
                               "Bytes of table files.", stats,
                               &Family::sst_bytes));
  families.push_back(PerFamily("factstore_rocksdb_level0_files",
                               "Table files in level 0 (writes slow down, then "
                               "stop, when they pile up).",
                               stats, &Family::level0_files));
  families.push_back(
      PerFamily("factstore_rocksdb_pending_compaction_bytes",
                "Estimated bytes compaction still has to rewrite.", stats,
                &Family::pending_compaction_bytes));
  families.push_back(PerFamily("factstore_rocksdb_memtable_bytes",
                               "Bytes in memtables.", stats,
                               &Family::memtable_bytes));
  families.push_back(PerFamily("factstore_rocksdb_memtables",
                               "Memtables, the active one and those not yet "
                               "flushed (every read looks at each).",
                               stats, &Family::memtables));
  families.push_back(MakeFamily(
      "factstore_rocksdb_running_compactions", "Compactions running now.",
      MetricType::Gauge, static_cast<double>(stats.running_compactions)));
  families.push_back(MakeFamily(
      "factstore_rocksdb_write_stall_seconds_total",
      "Time writes spent stalled or delayed by RocksDB.", MetricType::Counter,
      static_cast<double>(stats.write_stall_micros) / 1e6));
  families.push_back(
      MakeFamily("factstore_rocksdb_writes_stopped",
                 "1 while RocksDB stops writes until compaction catches up.",
                 MetricType::Gauge, stats.writes_stopped ? 1 : 0));
  families.push_back(MakeFamily(
      "factstore_rocksdb_delayed_write_rate_bytes",
      "Rate writes are slowed to (bytes per second); 0 when not slowed.",
      MetricType::Gauge, static_cast<double>(stats.delayed_write_rate)));
  return families;
}

}  // namespace factstore::server
