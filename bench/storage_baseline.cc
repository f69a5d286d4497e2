// storage_baseline: what RocksDB alone does with factstore's data, the
// storage baseline of the factstore benchmarks. Prints one JSON object.
//
//   storage_baseline --mode=measure --store=DIR
//       Reads a real store (as a secondary, like the query service) and
//       reports what ingesting one fact wrote, as keys and bytes per
//       column family and commit-log bytes (Measure says what counts).
//   storage_baseline --mode=write --dir=FRESH_DIR --shape=... [--sync]
//       Writes batches of --batch_facts facts' worth of keys and values of
//       that shape (plus a commit-log record and the head per batch, as the
//       committer does) from one thread, as fast as RocksDB takes them.
//   storage_baseline --mode=read --store=DIR
//       Point gets of fact records, 100-key range scans of fact records, and
//       100-key index scans each followed by the 100 fact gets (what a
//       ListFacts page reads), from --threads threads.
//   storage_baseline --mode=follow --store=DIR [--opening_threads=N]
//       What following a store costs: a RocksDB secondary calling
//       TryCatchUpWithPrimary every --interval, as the query service does,
//       with max_file_opening_threads = N (RocksDB's default is 16). Reports
//       CPU per second and catch-up latency. An experiment, not a baseline.
//
// The database is opened through storage::Store, so column families, block
// cache, bloom filters, compression, memtable size, background jobs and WAL
// settings are exactly the services'; reads and writes then go to RocksDB
// directly, without records, indexes, protobuf or gRPC.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/measure.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "storage/column_families.h"
#include "storage/key_codec.h"
#include "storage/records.pb.h"
#include "storage/store.h"

ABSL_FLAG(std::string, mode, "", "measure, write or read.");
ABSL_FLAG(std::string, store, "", "measure/read: a factstore data directory.");
ABSL_FLAG(std::string, dir, "", "write: a fresh directory for the database.");
ABSL_FLAG(
    std::string, shape,
    "facts:1:36:458,index_subject:1:80:0,index_predicate_value:1:77:0,"
    "index_reference:1:52:0,index_valid_time:1:45:0,names:1.33:17:332,"
    "entities:0.05:14:609,names:0.42:36:0",
    "write: per-fact writes as family:keys_per_fact:key_bytes:value_bytes "
    "entries (what --mode=measure prints as shape).");
ABSL_FLAG(double, commit_bytes_per_fact, 77,
          "write: commit-log record bytes per fact of the batch.");
ABSL_FLAG(int, head_bytes, 60, "write: head record bytes.");
ABSL_FLAG(int, batch_facts, 1000, "write: facts per write batch.");
ABSL_FLAG(bool, sync, false, "write: fsync the WAL at every batch (--sync).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "write: time writing; read: time per read test.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "read: warm-up per test.");
ABSL_FLAG(int, threads, 2, "read: reader threads.");
ABSL_FLAG(int, block_cache_mb, 0,
          "Block cache, MiB; 0: the service's default (ingest 128 for write, "
          "query 256 for read).");
ABSL_FLAG(int, write_buffer_mb, 0,
          "write: memtable size per column family, MiB; 0: the service's "
          "(storage/store.h). For experiments.");
ABSL_FLAG(bool, sort_batch, false,
          "write: put each batch's keys in key order, per column family. For "
          "experiments: the service writes them in hash-map order.");
ABSL_FLAG(int, opening_threads, 16,
          "follow: DBOptions::max_file_opening_threads of the secondary.");
ABSL_FLAG(absl::Duration, interval, absl::Milliseconds(10),
          "follow: catch-up interval (the query service's default).");
ABSL_FLAG(int, sample_keys, 200000, "read: keys sampled to read at random.");
ABSL_FLAG(int, scan_length, 100, "read: keys per range scan.");

namespace factstore::bench {
namespace {

using storage::ColumnFamily;

void Fail(const std::string& message) {
  std::cerr << "storage_baseline: " << message << "\n";
  std::exit(1);
}

// A fresh directory under $TMPDIR, removed with its contents on
// destruction (declare it before the database that uses it).
class TempDirectory {
 public:
  explicit TempDirectory(const std::string& stem) {
    const char* tmp = getenv("TMPDIR");
    path_ = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/", stem,
                         "-XXXXXX");
    if (mkdtemp(path_.data()) == nullptr) Fail("mkdtemp failed");
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ColumnFamily FamilyByName(absl::string_view name) {
  for (ColumnFamily cf : storage::kAllColumnFamilies) {
    if (name == storage::ColumnFamilyName(cf)) return cf;
  }
  Fail(absl::StrCat("unknown column family ", name));
  return ColumnFamily::kMeta;
}

bool IsFactChange(storage::ChangeKind kind) {
  return kind == storage::CHANGE_KIND_FACT_ASSERTED ||
         kind == storage::CHANGE_KIND_MENTION_ADDED ||
         kind == storage::CHANGE_KIND_FACT_UPDATED ||
         kind == storage::CHANGE_KIND_FACT_RETRACTED;
}

std::unique_ptr<storage::Store> OpenSecondary(const std::string& path,
                                              const std::string& secondary,
                                              int cache_mb) {
  storage::StoreOptions options;
  options.block_cache_bytes = static_cast<size_t>(cache_mb) << 20;
  auto store = storage::Store::OpenSecondary(path, secondary, options);
  if (!store.ok()) Fail(std::string(store.status().message()));
  absl::Status caught_up = (*store)->CatchUp();
  if (!caught_up.ok()) Fail(std::string(caught_up.message()));
  return *std::move(store);
}

// ---------------------------------------------------------------------------
// measure

// The column families every ingested fact writes one key to.
constexpr ColumnFamily kFactFamilies[] = {
    ColumnFamily::kFacts, ColumnFamily::kSubjectIndex,
    ColumnFamily::kPredicateIndex, ColumnFamily::kReferenceIndex,
    ColumnFamily::kValidTimeIndex};

struct Totals {
  int64_t keys = 0, key_bytes = 0, value_bytes = 0;
  void Add(const rocksdb::Slice& key, const rocksdb::Slice& value) {
    ++keys;
    key_bytes += static_cast<int64_t>(key.size());
    value_bytes += static_cast<int64_t>(value.size());
  }
};

// The shape of what `keys_per_fact` keys of `t`'s average size write, as one
// --shape entry; adds them to the sums.
std::string ShapeEntry(ColumnFamily cf, const Totals& t, double keys_per_fact,
                       double* keys_sum, double* bytes_sum) {
  double kb = t.keys > 0 ? static_cast<double>(t.key_bytes) / t.keys : 0;
  double vb = t.keys > 0 ? static_cast<double>(t.value_bytes) / t.keys : 0;
  *keys_sum += keys_per_fact;
  *bytes_sum += keys_per_fact * (kb + vb);
  return absl::StrCat(
      storage::ColumnFamilyName(cf), ":", JsonNumber(keys_per_fact), ":",
      static_cast<int>(kb + 0.5), ":", static_cast<int>(vb + 0.5));
}

// What ingesting facts wrote, per fact, from a store's contents:
//  - one key in each of kFactFamilies;
//  - the word index's postings (kNames, key_codec.h WordPostingKey): one key
//    per word and commit, so fewer than one per word and fact;
//  - the entities the facts' commits created or changed (the entity upserts
//    of commits that hold fact changes), each with as many kNames entries
//    (names, types, external ids) as the store's entities have on average;
//  - the commit-log records of those commits (commit_bytes_per_fact).
// Entities, names and commits written by commits without facts (entity
// loads, the workload's setup) are not ingest's and are left out.
int Measure() {
  TempDirectory secondary("factstore-bench-secondary");
  auto store = OpenSecondary(absl::GetFlag(FLAGS_store), secondary.path(), 64);
  rocksdb::DB* db = store->db();
  std::map<ColumnFamily, Totals> totals;
  Totals postings, entity_names;
  int64_t fact_commits = 0, fact_changes = 0, entity_changes = 0;
  int64_t commit_value_bytes = 0;
  for (ColumnFamily cf : storage::kAllColumnFamilies) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), store->handle(cf)));
    Totals& t = totals[cf];
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      t.Add(it->key(), it->value());
      if (cf == ColumnFamily::kNames) {
        // Postings, or an entity's entries (names, types, external ids).
        // Anything else (schema 4's word keys, an interrupted index build's
        // sort keys) is neither, and not counted.
        const absl::string_view key(it->key().data(), it->key().size());
        uint64_t word_hash, commit;
        storage::NameKeyParts name;
        int entity_type;
        std::string system, value, entity_id;
        if (storage::DecodeWordPostingKey(key, &word_hash, &commit)) {
          postings.Add(it->key(), it->value());
        } else if (storage::DecodeNameKey(key, &name) ||
                   storage::DecodeEntityTypeKey(key, &entity_type,
                                                &entity_id) ||
                   storage::DecodeExternalIdKey(key, &system, &value,
                                                &entity_id)) {
          entity_names.Add(it->key(), it->value());
        }
      }
      if (cf == ColumnFamily::kCommitLog) {
        storage::CommitRecord record;
        if (!record.ParseFromArray(it->value().data(),
                                   static_cast<int>(it->value().size()))) {
          Fail(absl::StrCat("commit record ", it->key().ToString(true),
                            " does not parse"));
        }
        int64_t facts_here = 0, entities_here = 0;
        for (const auto& change : record.changes()) {
          if (IsFactChange(change.kind())) ++facts_here;
          if (change.kind() == storage::CHANGE_KIND_ENTITY_UPSERTED) {
            ++entities_here;
          }
        }
        if (facts_here == 0) continue;
        ++fact_commits;
        fact_changes += facts_here;
        entity_changes += entities_here;
        commit_value_bytes += static_cast<int64_t>(it->value().size());
      }
    }
    if (!it->status().ok()) Fail(it->status().ToString());
  }
  const int64_t facts = totals[ColumnFamily::kFacts].keys;
  if (facts == 0) Fail("the store holds no facts");
  std::string head;
  db->Get(rocksdb::ReadOptions(), store->handle(ColumnFamily::kMeta), "head",
          &head);

  Json families;
  for (const auto& [cf, t] : totals) {
    Json j;
    j.Add("keys", t.keys)
        .Add("key_bytes", t.key_bytes)
        .Add("value_bytes", t.value_bytes);
    families.Add(storage::ColumnFamilyName(cf), j);
  }
  std::vector<std::string> shape;
  double keys_per_fact = 0, bytes_per_fact = 0;
  Json per_fact;
  auto add = [&](const char* what, ColumnFamily cf, const Totals& t,
                 double keys) {
    double bytes_before = bytes_per_fact;
    shape.push_back(ShapeEntry(cf, t, keys, &keys_per_fact, &bytes_per_fact));
    Json j;
    j.Add("keys", keys).Add("bytes", bytes_per_fact - bytes_before);
    per_fact.Add(what, j);
  };
  for (ColumnFamily cf : kFactFamilies) {
    add(storage::ColumnFamilyName(cf), cf, totals[cf],
        static_cast<double>(totals[cf].keys) / facts);
  }
  add("word_postings", ColumnFamily::kNames, postings,
      static_cast<double>(postings.keys) / facts);
  const Totals& entities = totals[ColumnFamily::kEntities];
  const double entities_per_fact = static_cast<double>(entity_changes) / facts;
  add("entities", ColumnFamily::kEntities, entities, entities_per_fact);
  if (entities.keys > 0) {
    add("entity_names", ColumnFamily::kNames, entity_names,
        entities_per_fact * static_cast<double>(entity_names.keys) /
            static_cast<double>(entities.keys));
  }
  // Per fact record, like the keys above (a commit's changes also count
  // mentions added to facts already stored).
  const double commit_per_fact =
      static_cast<double>(commit_value_bytes) / facts;
  Json out;
  out.Add("mode", "measure")
      .Add("store", absl::GetFlag(FLAGS_store))
      .Add("facts", facts)
      .Add("families", families)
      .Add("per_fact", per_fact)
      .Add("keys_per_fact", keys_per_fact)
      .Add("bytes_per_fact", bytes_per_fact + commit_per_fact)
      .Add("fact_commits", fact_commits)
      .Add("facts_per_commit",
           fact_commits > 0 ? static_cast<double>(fact_changes) / fact_commits
                            : 0.0)
      .Add("commit_bytes_per_fact", commit_per_fact)
      .Add("head_bytes", static_cast<int64_t>(head.size()))
      .Add("shape", absl::StrJoin(shape, ","));
  std::cout << out.ToString() << std::endl;
  return 0;
}

// ---------------------------------------------------------------------------
// write

struct FamilyShape {
  ColumnFamily family;
  double keys_per_fact;
  int key_bytes;
  int value_bytes;
};

std::vector<FamilyShape> ParseShape(const std::string& text) {
  std::vector<FamilyShape> shape;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, ':');
    FamilyShape s;
    if (parts.size() != 4 || !absl::SimpleAtod(parts[1], &s.keys_per_fact) ||
        !absl::SimpleAtoi(parts[2], &s.key_bytes) ||
        !absl::SimpleAtoi(parts[3], &s.value_bytes)) {
      Fail(absl::StrCat("bad --shape entry ", entry));
    }
    s.family = FamilyByName(parts[0]);
    shape.push_back(s);
  }
  return shape;
}

// Text-like filler for values: compresses about as well as records holding
// quotes, names and ids.
const std::string& Corpus() {
  static const std::string* corpus = [] {
    const char* words[] = {"according", "to",        "figures", "presented",
                           "at",        "the",       "forum",   "market",
                           "reached",   "million",   "people",  "investment",
                           "Đà Nẵng",   "khoảng",    "người",   "규모는",
                           "2024",      "officials", "said",    "report"};
    std::mt19937_64 rng(7);
    auto* s = new std::string;
    while (s->size() < (1 << 20)) {
      absl::StrAppend(s, words[rng() % 20], " ");
      if (rng() % 8 == 0) absl::StrAppend(s, rng() % 100000, " ");
    }
    return s;
  }();
  return *corpus;
}

int Write() {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) Fail("--dir is required");
  if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir)) {
    Fail(absl::StrCat(dir, " is not empty"));
  }
  std::vector<FamilyShape> shape = ParseShape(absl::GetFlag(FLAGS_shape));
  storage::StoreOptions options;
  int cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  options.block_cache_bytes = static_cast<size_t>(cache_mb > 0 ? cache_mb : 128)
                              << 20;
  if (int mb = absl::GetFlag(FLAGS_write_buffer_mb); mb > 0) {
    options.write_buffer_bytes = static_cast<size_t>(mb) << 20;
  }
  const bool sort_batch = absl::GetFlag(FLAGS_sort_batch);
  struct Put {
    size_t family;
    std::string key;
    rocksdb::Slice value;
    bool operator<(const Put& o) const {
      return family != o.family ? family < o.family : key < o.key;
    }
  };
  std::vector<Put> puts;
  auto opened = storage::Store::OpenPrimary(dir, options);
  if (!opened.ok()) Fail(std::string(opened.status().message()));
  std::unique_ptr<storage::Store> store = *std::move(opened);
  rocksdb::DB* db = store->db();

  const int batch_facts = absl::GetFlag(FLAGS_batch_facts);
  const bool sync = absl::GetFlag(FLAGS_sync);
  const std::string& corpus = Corpus();
  std::mt19937_64 rng(42);
  // Index keys start with one of a thousand prefixes (subjects, predicates,
  // documents, dates) and end with a random fact id, as factstore's do.
  std::vector<std::string> prefixes;
  for (int i = 0; i < 1000; ++i)
    prefixes.push_back(absl::StrCat("prefix-", i, "/"));
  auto make_key = [&](int length, std::string* key) {
    key->clear();
    int id_length = std::min(length, 36);
    if (length > id_length) {
      const std::string& p = prefixes[rng() % prefixes.size()];
      key->append(p, 0, std::min<size_t>(p.size(), length - id_length));
      while (static_cast<int>(key->size()) < length - id_length) *key += 'k';
    }
    static const char kHex[] = "0123456789abcdef";
    for (int i = 0; i < id_length; ++i) *key += kHex[rng() % 16];
  };
  std::vector<double> owed(shape.size(), 0);
  std::string key, value;
  std::string head(absl::GetFlag(FLAGS_head_bytes), 'h');
  const double commit_bytes = absl::GetFlag(FLAGS_commit_bytes_per_fact);
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;

  std::vector<float> latencies_ms;
  int64_t facts = 0, keys = 0, bytes = 0;
  uint64_t commit = 1;
  double cpu0 = ProcessCpuSeconds();
  absl::Time start = absl::Now();
  absl::Time end = start + absl::GetFlag(FLAGS_duration);
  absl::Time now = start;
  while (now < end) {
    rocksdb::WriteBatch batch;
    for (int f = 0; f < batch_facts; ++f) {
      for (size_t s = 0; s < shape.size(); ++s) {
        owed[s] += shape[s].keys_per_fact;
        while (owed[s] >= 1) {
          owed[s] -= 1;
          make_key(shape[s].key_bytes, &key);
          size_t offset = rng() % (corpus.size() - shape[s].value_bytes - 1);
          rocksdb::Slice v(corpus.data() + offset, shape[s].value_bytes);
          if (sort_batch) {
            puts.push_back({s, key, v});
          } else {
            batch.Put(store->handle(shape[s].family), key, v);
          }
          ++keys;
          bytes += static_cast<int64_t>(key.size() + v.size());
        }
      }
    }
    if (sort_batch) {
      std::sort(puts.begin(), puts.end());
      for (const Put& p : puts) {
        batch.Put(store->handle(shape[p.family].family), p.key, p.value);
      }
      puts.clear();
    }
    std::string commit_key;
    storage::PutFixed64BigEndian(&commit_key, commit++);
    size_t commit_size = static_cast<size_t>(commit_bytes * batch_facts);
    size_t offset = rng() % (corpus.size() - commit_size - 1);
    batch.Put(store->handle(ColumnFamily::kCommitLog), commit_key,
              rocksdb::Slice(corpus.data() + offset, commit_size));
    batch.Put(store->handle(ColumnFamily::kMeta), "head", head);
    keys += 2;
    bytes +=
        static_cast<int64_t>(commit_key.size() + commit_size + 4 + head.size());
    absl::Time before = absl::Now();
    rocksdb::Status s = db->Write(write_options, &batch);
    now = absl::Now();
    if (!s.ok()) Fail(s.ToString());
    latencies_ms.push_back(
        static_cast<float>(absl::ToDoubleMilliseconds(now - before)));
    facts += batch_facts;
  }
  double seconds = absl::ToDoubleSeconds(now - start);
  double cpu = ProcessCpuSeconds() - cpu0;
  Percentiles p = ComputePercentiles(&latencies_ms);
  Json out;
  out.Add("mode", "write")
      .Add("sync", sync)
      .Add("batch_facts", batch_facts)
      .Add("sort_batch", sort_batch)
      .Add("write_buffer_mb",
           static_cast<int64_t>(options.write_buffer_bytes >> 20))
      .Add("shape", absl::GetFlag(FLAGS_shape))
      .Add("facts", facts)
      .Add("keys", keys)
      .Add("bytes", bytes)
      .Add("seconds", seconds)
      .Add("facts_per_s", facts / seconds)
      .Add("keys_per_s", keys / seconds)
      .Add("mb_per_s", bytes / seconds / 1e6)
      .Add("keys_per_fact", static_cast<double>(keys) / facts)
      .Add("batch_latency_ms", PercentilesJson(p))
      .Add("cpu_s", cpu)
      .Add("cpu_s_per_fact", cpu / facts);
  store.reset();
  std::cout << out.ToString() << std::endl;
  return 0;
}

// ---------------------------------------------------------------------------
// read

// Runs `op` on --threads threads: --warmup, then --duration measured. `op`
// returns the items it read. Returns the JSON summary.
Json RunReaders(const std::function<int64_t(std::mt19937_64&)>& op) {
  int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  absl::Time start = absl::Now();
  absl::Time measure_start = start + absl::GetFlag(FLAGS_warmup);
  absl::Time end = measure_start + absl::GetFlag(FLAGS_duration);
  std::vector<std::vector<float>> latencies(threads);
  std::vector<int64_t> ops(threads, 0), items(threads, 0);
  std::vector<std::thread> workers;
  double cpu0 = 0;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      while (true) {
        absl::Time before = absl::Now();
        if (before >= end) break;
        int64_t n = op(rng);
        absl::Time after = absl::Now();
        if (before >= measure_start && after < end) {
          ++ops[t];
          items[t] += n;
          latencies[t].push_back(
              static_cast<float>(absl::ToDoubleMilliseconds(after - before)));
        }
      }
    });
  }
  absl::SleepFor(measure_start - absl::Now());
  cpu0 = ProcessCpuSeconds();
  absl::SleepFor(end - absl::Now());
  double cpu = ProcessCpuSeconds() - cpu0;
  for (auto& w : workers) w.join();
  std::vector<float> all;
  int64_t total_ops = 0, total_items = 0;
  for (int t = 0; t < threads; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    total_ops += ops[t];
    total_items += items[t];
  }
  double seconds = absl::ToDoubleSeconds(end - measure_start);
  Percentiles p = ComputePercentiles(&all);
  Json out;
  out.Add("threads", threads)
      .Add("ops", total_ops)
      .Add("items", total_items)
      .Add("seconds", seconds)
      .Add("ops_per_s", total_ops / seconds)
      .Add("items_per_s", total_items / seconds)
      .Add("latency_ms", PercentilesJson(p))
      .Add("cpu_s", cpu)
      .Add("cpu_s_per_op", total_ops > 0 ? cpu / total_ops : 0.0);
  return out;
}

// Up to `limit` keys of `cf`, sampled uniformly.
std::vector<std::string> SampleKeys(storage::Store& store, ColumnFamily cf,
                                    int limit) {
  std::vector<std::string> keys;
  std::mt19937_64 rng(3);
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(rocksdb::ReadOptions(), store.handle(cf)));
  int64_t seen = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++seen;
    if (static_cast<int>(keys.size()) < limit) {
      keys.push_back(it->key().ToString());
    } else if (static_cast<int64_t>(rng() % seen) < limit) {
      keys[rng() % limit] = it->key().ToString();
    }
  }
  return keys;
}

int Read() {
  int cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  TempDirectory secondary("factstore-bench-secondary");
  auto store = OpenSecondary(absl::GetFlag(FLAGS_store), secondary.path(),
                             cache_mb > 0 ? cache_mb : 256);
  rocksdb::DB* db = store->db();
  rocksdb::ColumnFamilyHandle* facts = store->handle(ColumnFamily::kFacts);
  rocksdb::ColumnFamilyHandle* subjects =
      store->handle(ColumnFamily::kSubjectIndex);
  int sample = absl::GetFlag(FLAGS_sample_keys);
  std::vector<std::string> fact_keys =
      SampleKeys(*store, ColumnFamily::kFacts, sample);
  std::vector<std::string> index_keys =
      SampleKeys(*store, ColumnFamily::kSubjectIndex, sample);
  if (fact_keys.empty() || index_keys.empty()) Fail("the store holds no facts");
  const int scan_length = absl::GetFlag(FLAGS_scan_length);

  Json point = RunReaders([&](std::mt19937_64& rng) -> int64_t {
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), facts,
                                fact_keys[rng() % fact_keys.size()], &value);
    if (!s.ok()) Fail(s.ToString());
    return 1;
  });
  Json scan = RunReaders([&](std::mt19937_64& rng) -> int64_t {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), facts));
    int64_t n = 0;
    size_t bytes = 0;
    for (it->Seek(fact_keys[rng() % fact_keys.size()]);
         it->Valid() && n < scan_length; it->Next()) {
      bytes += it->key().size() + it->value().size();
      ++n;
    }
    return bytes > 0 ? n : 0;
  });
  Json scan_get = RunReaders([&](std::mt19937_64& rng) -> int64_t {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), subjects));
    int64_t n = 0;
    storage::SubjectIndexParts parts;
    rocksdb::PinnableSlice value;
    for (it->Seek(index_keys[rng() % index_keys.size()]);
         it->Valid() && n < scan_length; it->Next()) {
      absl::string_view key(it->key().data(), it->key().size());
      if (!storage::DecodeSubjectIndexKey(key, &parts)) Fail("bad index key");
      value.Reset();
      rocksdb::Status s = db->Get(rocksdb::ReadOptions(), facts,
                                  storage::FactKey(parts.fact_id), &value);
      if (!s.ok()) Fail(s.ToString());
      ++n;
    }
    return n;
  });
  Json out;
  out.Add("mode", "read")
      .Add("store", absl::GetFlag(FLAGS_store))
      .Add("block_cache_mb", cache_mb > 0 ? cache_mb : 256)
      .Add("sampled_fact_keys", static_cast<int64_t>(fact_keys.size()))
      .Add("scan_length", scan_length)
      .Add("point_get", point)
      .Add("range_scan", scan)
      .Add("index_scan_then_get", scan_get);
  std::cout << out.ToString() << std::endl;
  return 0;
}

// ---------------------------------------------------------------------------
// follow

int Follow() {
  const std::string path = absl::GetFlag(FLAGS_store);
  std::vector<std::string> names;
  rocksdb::Status s =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!s.ok()) Fail(s.ToString());
  rocksdb::DBOptions options;
  options.max_open_files = -1;
  options.max_file_opening_threads = absl::GetFlag(FLAGS_opening_threads);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  TempDirectory secondary("factstore-bench-follow");
  s = rocksdb::DB::OpenAsSecondary(options, path, secondary.path(), families,
                                   &handles, &raw);
  if (!s.ok()) Fail(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  const absl::Duration interval = absl::GetFlag(FLAGS_interval);
  std::vector<float> latencies_ms;
  double cpu0 = ProcessCpuSeconds();
  absl::Time start = absl::Now();
  absl::Time end = start + absl::GetFlag(FLAGS_duration);
  while (absl::Now() < end) {
    absl::Time before = absl::Now();
    s = db->TryCatchUpWithPrimary();
    absl::Time after = absl::Now();
    if (!s.ok()) Fail(s.ToString());
    latencies_ms.push_back(
        static_cast<float>(absl::ToDoubleMilliseconds(after - before)));
    absl::SleepFor(before + interval - absl::Now());
  }
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  double cpu = ProcessCpuSeconds() - cpu0;
  for (rocksdb::ColumnFamilyHandle* h : handles)
    db->DestroyColumnFamilyHandle(h);
  Percentiles p = ComputePercentiles(&latencies_ms);
  Json out;
  out.Add("mode", "follow")
      .Add("store", path)
      .Add("opening_threads", absl::GetFlag(FLAGS_opening_threads))
      .Add("interval_ms", absl::ToDoubleMilliseconds(interval))
      .Add("catch_ups", static_cast<int64_t>(latencies_ms.size()))
      .Add("seconds", seconds)
      .Add("cpu_s", cpu)
      .Add("cores", cpu / seconds)
      .Add("catch_up_ms", PercentilesJson(p));
  std::cout << out.ToString() << std::endl;
  return 0;
}

}  // namespace
}  // namespace factstore::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "factstore storage baseline: raw RocksDB on factstore's data "
      "(bench/README.md).");
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "measure") return factstore::bench::Measure();
  if (mode == "write") return factstore::bench::Write();
  if (mode == "read") return factstore::bench::Read();
  if (mode == "follow") return factstore::bench::Follow();
  std::cerr << "storage_baseline: --mode is measure, write, read or follow\n";
  return 2;
}
