// peer_benchmark: the same facts and the same reads as the load generator,
// against PostgreSQL 15 (the database a team would otherwise put the facts
// in), through libpq. run_bench.py starts a private PostgreSQL cluster on
// loopback, and this program loads it with the rows the load generator
// exported from factstore (bench/peer_rows.h) and measures it the way the
// load generator measures factstore (bench/measure.h): the same warm-up and
// window, closed loops, per-operation latencies.
//
// Scenarios:
//   schema   creates the tables and indexes (dropping earlier ones); with
//            --index_quote_words (the default) also the quotes' words
//   insert   batched INSERT: --writers connections, --batch_size rows per
//            transaction (facts and their mentions), every row once
//   copy     empties the tables and loads every row with COPY (reference)
//   get      point lookup of a fact and its mention by id, prepared,
//            --clients connections in a closed loop
//   subject  the first --page_size facts of one subject, prepared
//   range    the first --page_size facts of one predicate and unit from a
//            lower bound on, prepared
//   search   the --page_size facts whose quotes hold every word of a
//            subject's name, best ranked first, with the count of all of
//            them (SearchFacts' page and total_size), prepared
//
// The schema is what a team would write for these reads: facts keyed by id,
// an index on (subject, predicate, id) and one on (predicate, unit, amount,
// id) for value ranges, mentions in a table of their own keyed by (fact,
// document) as a fact may have many, and for the search PostgreSQL's own
// full-text search: the words of each quote as a stored tsvector column
// with a GIN index, the layout PostgreSQL's manual recommends. factstore
// indexes the words of quotes as it ingests them, so the peer's inserts
// are measured with that index and without it, as factstore's are.
#include <postgresql/libpq-fe.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/measure.h"
#include "bench/peer_rows.h"
#include "bench/workload.h"
#include "bench/workload_flags.h"

ABSL_FLAG(std::string, scenario, "",
          "schema, insert, copy, get, subject, range, search.");
ABSL_FLAG(
    std::string, conninfo, "",
    "libpq connection string of the peer (host=... port=... dbname=...).");
ABSL_FLAG(std::string, rows, "", "The rows (load_generator export_facts).");
ABSL_FLAG(int, writers, 4, "insert: concurrent connections.");
ABSL_FLAG(int, batch_size, 1000, "insert: rows per transaction.");
ABSL_FLAG(int, clients, 16, "Reads: connections, one call in flight each.");
ABSL_FLAG(int, page_size, 100, "subject, range: rows per query.");
ABSL_FLAG(int64_t, facts, 100000, "Facts of the population (range queries).");
ABSL_FLAG(bool, index_quote_words, true,
          "schema: give mentions the words of their quotes (a generated "
          "tsvector column) and a GIN index on them, which search needs.");

namespace factstore::bench {
namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "peer_benchmark: " << message << std::endl;
  std::exit(1);
}

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

Conn Connect() {
  Conn conn(PQconnectdb(absl::GetFlag(FLAGS_conninfo).c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    Fail(absl::StrCat("cannot connect: ", PQerrorMessage(conn.get())));
  }
  return conn;
}

// Runs `sql`; fails the program unless the result has status `expected`.
Result Exec(PGconn* conn, const std::string& sql,
            ExecStatusType expected = PGRES_COMMAND_OK) {
  Result r(PQexec(conn, sql.c_str()));
  if (PQresultStatus(r.get()) != expected) {
    Fail(absl::StrCat(sql.substr(0, 80), ": ", PQerrorMessage(conn)));
  }
  return r;
}

constexpr char kFactColumns[] =
    "id, subject, predicate, language, amount, unit, comparator, text_value, "
    "valid_from, valid_to, modality, rank";
constexpr char kMentionColumns[] =
    "fact_id, document_id, url, publisher, publication_date, language, quote, "
    "extractor, confidence";
// A fact with its mention, as GetFact answers it: the columns, and the
// tables they come from.
constexpr char kSelectFactAndMention[] =
    "SELECT f.id, f.subject, f.predicate, f.language, f.amount, f.unit, "
    "f.comparator, f.text_value, f.valid_from, f.valid_to, f.modality, "
    "f.rank, m.document_id, m.url, m.publisher, m.publication_date, "
    "m.language, m.quote, m.extractor, m.confidence";
constexpr char kFromFactsWithMention[] =
    " FROM facts f LEFT JOIN mentions m ON m.fact_id = f.id ";

Json Header(const std::string& scenario) {
  Json j;
  j.Add("scenario", scenario).Add("target", "postgresql");
  return j;
}

int RunSchema() {
  Conn conn = Connect();
  Exec(conn.get(), "DROP TABLE IF EXISTS mentions, facts");
  Exec(conn.get(),
       "CREATE TABLE facts ("
       "  id text PRIMARY KEY,"
       "  subject text NOT NULL,"
       "  predicate text NOT NULL,"
       "  language text,"
       "  amount numeric,"
       "  unit text,"
       "  comparator smallint,"
       "  text_value text,"
       "  valid_from date,"
       "  valid_to date,"
       "  modality smallint NOT NULL,"
       "  rank smallint NOT NULL)");
  Exec(conn.get(),
       "CREATE INDEX facts_by_subject ON facts (subject, predicate, id)");
  Exec(conn.get(),
       "CREATE INDEX facts_by_value ON facts (predicate, unit, amount, id)");
  Exec(conn.get(),
       "CREATE TABLE mentions ("
       "  fact_id text NOT NULL REFERENCES facts (id),"
       "  document_id text NOT NULL,"
       "  url text,"
       "  publisher text,"
       "  publication_date date,"
       "  language text,"
       "  quote text,"
       "  extractor text,"
       "  confidence real,"
       "  PRIMARY KEY (fact_id, document_id))");
  Exec(conn.get(),
       "CREATE INDEX mentions_by_document ON mentions (document_id)");
  const bool quote_words = absl::GetFlag(FLAGS_index_quote_words);
  if (quote_words) {
    // One text search configuration for every language: the workload's
    // searches are English names, and PostgreSQL has no built-in
    // configuration for Vietnamese or Korean.
    Exec(conn.get(),
         "ALTER TABLE mentions ADD COLUMN quote_words tsvector GENERATED "
         "ALWAYS AS (to_tsvector('english', coalesce(quote, ''))) STORED");
    Exec(conn.get(),
         "CREATE INDEX mentions_by_quote_word ON mentions USING gin "
         "(quote_words)");
  }
  Json out = Header("peer_schema");
  out.Add("index_quote_words", quote_words);
  std::cout << out.ToString() << std::endl;
  return 0;
}

struct Row {
  // The fields unescaped (for parameters), and as the file has them (COPY
  // text, for COPY).
  std::vector<std::string> fields;
  std::vector<bool> nulls;
  std::vector<std::string> copy_text;
};

std::vector<Row> LoadRows() {
  const std::string path = absl::GetFlag(FLAGS_rows);
  std::ifstream in(path);
  if (path.empty() || !in.good())
    Fail(absl::StrCat("cannot read --rows ", path));
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    Row row;
    if (!SplitPeerRow(line, &row.fields, &row.nulls)) {
      Fail(absl::StrCat(path, ": line ", rows.size() + 1, " has ",
                        row.fields.size(), " fields"));
    }
    row.copy_text = absl::StrSplit(line, '\t');
    rows.push_back(std::move(row));
  }
  if (rows.empty()) Fail(absl::StrCat(path, " holds no rows"));
  return rows;
}

// "($1, $2, ...), (...)" for `rows` rows of `columns` parameters each.
std::string Placeholders(int rows, int columns) {
  std::string sql;
  int n = 0;
  for (int r = 0; r < rows; ++r) {
    absl::StrAppend(&sql, r == 0 ? "(" : ", (");
    for (int c = 0; c < columns; ++c) {
      absl::StrAppend(&sql, c == 0 ? "$" : ", $", ++n);
    }
    sql.push_back(')');
  }
  return sql;
}

// Inserts rows [first, first + count) in one transaction: the facts, then
// their mentions, each as one multi-row INSERT with parameters.
void InsertBatch(PGconn* conn, const std::vector<Row>& rows, size_t first,
                 size_t count) {
  std::vector<const char*> facts, mentions;
  for (size_t i = first; i < first + count; ++i) {
    const Row& row = rows[i];
    for (int c = 0; c < kPeerColumns; ++c) {
      const char* value = row.nulls[c] ? nullptr : row.fields[c].c_str();
      if (c < kPeerFactColumns) {
        facts.push_back(value);
      } else {
        if (c == kPeerFactColumns) mentions.push_back(row.fields[0].c_str());
        mentions.push_back(value);
      }
    }
  }
  const int n = static_cast<int>(count);
  Exec(conn, "BEGIN");
  std::string insert_facts =
      absl::StrCat("INSERT INTO facts (", kFactColumns, ") VALUES ",
                   Placeholders(n, kPeerFactColumns));
  Result r(PQexecParams(conn, insert_facts.c_str(),
                        static_cast<int>(facts.size()), nullptr, facts.data(),
                        nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    Fail(absl::StrCat("INSERT INTO facts: ", PQerrorMessage(conn)));
  }
  std::string insert_mentions =
      absl::StrCat("INSERT INTO mentions (", kMentionColumns, ") VALUES ",
                   Placeholders(n, kPeerMentionColumns + 1));
  r.reset(PQexecParams(conn, insert_mentions.c_str(),
                       static_cast<int>(mentions.size()), nullptr,
                       mentions.data(), nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    Fail(absl::StrCat("INSERT INTO mentions: ", PQerrorMessage(conn)));
  }
  Exec(conn, "COMMIT");
}

// Every row once, --writers connections taking batches in turn.
int RunInsert() {
  std::vector<Row> rows = LoadRows();
  const int writers = std::max(1, absl::GetFlag(FLAGS_writers));
  const size_t batch =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_batch_size)));
  // One INSERT carries kPeerFactColumns parameters a row; libpq takes at
  // most 65535 parameters a statement.
  if (batch * kPeerFactColumns > 65535) {
    Fail(absl::StrCat("--batch_size: at most ", 65535 / kPeerFactColumns));
  }
  std::vector<Conn> conns;
  for (int w = 0; w < writers; ++w) conns.push_back(Connect());
  Recorder recorder(absl::Now(), absl::ZeroDuration(), absl::Hours(24));
  std::atomic<size_t> next{0};
  double cpu_before = ProcessCpuSeconds();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      while (true) {
        size_t first = next.fetch_add(batch);
        if (first >= rows.size()) return;
        size_t count = std::min(batch, rows.size() - first);
        absl::Time started = absl::Now();
        InsertBatch(conns[w].get(), rows, first, count);
        recorder.Record(started, absl::Now(), true,
                        static_cast<int64_t>(count));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  recorder.EndNow(absl::Now());
  Json out = Header("peer_insert");
  out.Add("writers", writers)
      .Add("batch_size", static_cast<int64_t>(batch))
      .Add("client_cpu_s", ProcessCpuSeconds() - cpu_before);
  recorder.AddSummary(&out, /*with_timeline=*/false);
  std::cout << out.ToString() << std::endl;
  return 0;
}

// Sends `lines` to COPY ... FROM STDIN.
void Copy(PGconn* conn, const std::string& sql, const std::string& lines) {
  Exec(conn, sql, PGRES_COPY_IN);
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < lines.size(); at += kChunk) {
    size_t n = std::min(kChunk, lines.size() - at);
    if (PQputCopyData(conn, lines.data() + at, static_cast<int>(n)) != 1) {
      Fail(absl::StrCat("COPY: ", PQerrorMessage(conn)));
    }
  }
  if (PQputCopyEnd(conn, nullptr) != 1) {
    Fail(absl::StrCat("COPY: ", PQerrorMessage(conn)));
  }
  Result r(PQgetResult(conn));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    Fail(absl::StrCat("COPY: ", PQerrorMessage(conn)));
  }
}

// COPY text lines of the facts table and of the mentions table, cut from
// the rows as the file has them.
void CopyLines(const std::vector<Row>& rows, std::string* facts,
               std::string* mentions) {
  for (const Row& row : rows) {
    for (int c = 0; c < kPeerFactColumns; ++c) {
      if (c > 0) facts->push_back('\t');
      facts->append(row.copy_text[c]);
    }
    facts->push_back('\n');
    mentions->append(row.copy_text[0]);
    for (int c = kPeerFactColumns; c < kPeerColumns; ++c) {
      mentions->push_back('\t');
      mentions->append(row.copy_text[c]);
    }
    mentions->push_back('\n');
  }
}

// Empties the tables, then loads every row in one COPY per table.
int RunCopy() {
  std::vector<Row> rows = LoadRows();
  std::string facts, mentions;
  CopyLines(rows, &facts, &mentions);
  Conn conn = Connect();
  Exec(conn.get(), "TRUNCATE mentions, facts");
  Recorder recorder(absl::Now(), absl::ZeroDuration(), absl::Hours(24));
  absl::Time started = absl::Now();
  Exec(conn.get(), "BEGIN");
  Copy(conn.get(), absl::StrCat("COPY facts (", kFactColumns, ") FROM STDIN"),
       facts);
  Copy(conn.get(),
       absl::StrCat("COPY mentions (", kMentionColumns, ") FROM STDIN"),
       mentions);
  Exec(conn.get(), "COMMIT");
  recorder.Record(started, absl::Now(), true,
                  static_cast<int64_t>(rows.size()));
  recorder.EndNow(absl::Now());
  // The reads that follow find fresh statistics and a set visibility map.
  Exec(conn.get(), "VACUUM ANALYZE facts");
  Exec(conn.get(), "VACUUM ANALYZE mentions");
  Json out = Header("peer_copy");
  recorder.AddSummary(&out, /*with_timeline=*/false);
  std::cout << out.ToString() << std::endl;
  return 0;
}

// A closed loop of --clients connections, each running the prepared
// statement `sql` with the parameters `fill` picks, for the warm-up and the
// measured window. An answer with fewer than `min_rows` or more than
// `max_rows` rows counts as an error (a wrong answer). The items of an
// answer are its rows, or what `items` reads from it when given.
int RunReads(const std::string& scenario, const std::string& sql, int params,
             const std::function<void(std::mt19937_64&,
                                      std::vector<std::string>*)>& fill,
             int min_rows, int max_rows,
             const std::function<int64_t(const PGresult&)>& items = nullptr) {
  const int clients = std::max(1, absl::GetFlag(FLAGS_clients));
  std::vector<Conn> conns;
  for (int c = 0; c < clients; ++c) {
    conns.push_back(Connect());
    Result r(
        PQprepare(conns.back().get(), "read", sql.c_str(), params, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      Fail(absl::StrCat("prepare: ", PQerrorMessage(conns.back().get())));
    }
  }
  Recorder recorder(absl::Now(), absl::GetFlag(FLAGS_warmup),
                    absl::GetFlag(FLAGS_duration));
  std::atomic<int64_t> wrong{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(absl::GetFlag(FLAGS_seed) * 7919 +
                          static_cast<uint64_t>(c));
      std::vector<std::string> values;
      std::vector<const char*> pointers;
      while (!recorder.Finished(absl::Now())) {
        fill(rng, &values);
        pointers.clear();
        for (const std::string& v : values) pointers.push_back(v.c_str());
        absl::Time started = absl::Now();
        Result r(PQexecPrepared(conns[c].get(), "read", params, pointers.data(),
                                nullptr, nullptr, 0));
        absl::Time done = absl::Now();
        bool ok = PQresultStatus(r.get()) == PGRES_TUPLES_OK;
        int n = ok ? PQntuples(r.get()) : 0;
        if (ok && (n < min_rows || n > max_rows)) {
          ok = false;
          ++wrong;
        }
        if (ok) {
          recorder.Record(started, done, true, items ? items(*r) : n);
        } else {
          recorder.RecordError(done, 2);
        }
      }
    });
  }
  // This process's CPU over the measured window only, as the load
  // generator counts it.
  absl::SleepFor(recorder.measure_start() - absl::Now());
  const double cpu_before = ProcessCpuSeconds();
  absl::SleepFor(recorder.end() - absl::Now());
  const double cpu_after = ProcessCpuSeconds();
  for (std::thread& t : threads) t.join();
  Json out = Header(scenario);
  out.Add("clients", clients)
      .Add("wrong_answers", wrong.load())
      .Add("client_cpu_s", cpu_after - cpu_before);
  recorder.AddSummary(&out, /*with_timeline=*/false);
  std::cout << out.ToString() << std::endl;
  return recorder.errors() == 0 ? 0 : 1;
}

int RunGet() {
  std::vector<Row> rows = LoadRows();
  std::vector<std::string> ids;
  for (const Row& row : rows) ids.push_back(row.fields[0]);
  return RunReads(
      "peer_get",
      absl::StrCat(kSelectFactAndMention, kFromFactsWithMention,
                   "WHERE f.id = $1"),
      1,
      [&ids](std::mt19937_64& rng, std::vector<std::string>* values) {
        values->assign(1, ids[rng() % ids.size()]);
      },
      /*min_rows=*/1, /*max_rows=*/1);
}

int RunSubject() {
  const Workload w = WorkloadFromFlags();
  return RunReads(
      "peer_subject",
      absl::StrCat(kSelectFactAndMention, kFromFactsWithMention,
                   "WHERE f.subject = $1 ORDER BY f.predicate, f.id LIMIT ",
                   absl::GetFlag(FLAGS_page_size)),
      1,
      [&w](std::mt19937_64& rng, std::vector<std::string>* values) {
        values->assign(
            1, w.SubjectId(static_cast<int64_t>(rng() % w.options().subjects)));
      },
      /*min_rows=*/1, absl::GetFlag(FLAGS_page_size));
}

int RunRange() {
  const Workload w = WorkloadFromFlags();
  const int64_t facts = absl::GetFlag(FLAGS_facts);
  return RunReads(
      "peer_range",
      absl::StrCat(kSelectFactAndMention, kFromFactsWithMention,
                   "WHERE f.predicate = $1 AND f.unit = $2 AND f.amount >= $3 "
                   "ORDER BY f.amount, f.id LIMIT ",
                   absl::GetFlag(FLAGS_page_size)),
      3,
      [&w, facts](std::mt19937_64& rng, std::vector<std::string>* values) {
        Workload::RangeQuery q = w.RandomRange(rng(), facts);
        *values = {q.predicate, q.unit, q.min};
      },
      /*min_rows=*/1, absl::GetFlag(FLAGS_page_size));
}

// The same searches as the load generator's search_facts: one page of the
// best-ranked facts and the count of all that match. Rows are (fact,
// mention) pairs, which counts facts because every fact of the workload has
// one mention.
int RunSearch() {
  const Workload w = WorkloadFromFlags();
  const std::string words = "plainto_tsquery('english', $1)";
  return RunReads(
      "peer_search",
      absl::StrCat(kSelectFactAndMention,
                   ", count(*) OVER () FROM facts f JOIN mentions m ON "
                   "m.fact_id = f.id WHERE m.quote_words @@ ",
                   words, " ORDER BY ts_rank(m.quote_words, ", words,
                   ") DESC, f.id LIMIT ", absl::GetFlag(FLAGS_page_size)),
      1,
      [&w](std::mt19937_64& rng, std::vector<std::string>* values) {
        values->assign(1, w.SearchQuery(rng));
      },
      // Every name is in the quotes of its subject's facts.
      /*min_rows=*/1, absl::GetFlag(FLAGS_page_size),
      [](const PGresult& r) -> int64_t {
        // The count of every match, in the last column of each row.
        // PostgreSQL prints a bigint, which always parses; none is counted
        // if it did not.
        int64_t total = 0;
        if (!absl::SimpleAtoi(PQgetvalue(&r, 0, PQnfields(&r) - 1), &total)) {
          return int64_t{0};
        }
        return total;
      });
}

}  // namespace
}  // namespace factstore::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace factstore::bench;  // NOLINT: one program's main.
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  if (scenario == "schema") return RunSchema();
  if (scenario == "insert") return RunInsert();
  if (scenario == "copy") return RunCopy();
  if (scenario == "get") return RunGet();
  if (scenario == "subject") return RunSubject();
  if (scenario == "range") return RunRange();
  if (scenario == "search") return RunSearch();
  std::cerr << "peer_benchmark: unknown --scenario \"" << scenario
            << "\" (schema, insert, copy, get, subject, range, search)"
            << std::endl;
  return 2;
}
