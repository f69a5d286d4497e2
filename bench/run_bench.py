#!/usr/bin/env python3
"""Runs the factstore benchmarks and prints one table (bench/README.md).

./dev bench builds the binaries with --config=opt, copies them to a temporary
directory and runs this script with --bin pointing there:

  run_bench.py --bin DIR                 quick run (a few minutes)
  run_bench.py --bin DIR --full          also the scale run (10M facts)
  run_bench.py --bin DIR --scenario get_fact --scenario freshness
  run_bench.py --bin DIR --replicated    replicated mode against embedded
  run_bench.py --bin DIR --compare-bin OTHER --scenario get_fact
                                         two query servers, alternating rounds

It starts the real ingest and query servers on a fresh store in a temporary
directory, the transport baseline server next to them, runs the load
generator once per scenario, then the storage baseline on the same data, and
compares each figure with its baseline measured in the same run. Results go to
bench/results/latest.json (and latest.png for --full). Nothing fails on
timing: targets are marked pass or MISS for information.

--replicated runs another suite instead: embedded mode (ingest, freshness),
then replicated mode on a 3-node NATS JetStream cluster
(tests/python/nats_cluster.py) with one ingest and two query replicas
(ingest, a joining replica's catch-up, GetFact on one and on two replicas,
freshness on a replica); results in bench/results/latest-replicated.json.

--compare-bin and --compare-flag compare two query servers instead: this
build's (A) and another build's or the same one with other flags (B) follow
the same populated store side by side, and each read scenario alternates
between them for --rounds rounds (A B, B A, A B, ...), so that both meet the
same store, the same hour and, on average, the same drift of a shared
machine; results in bench/results/latest-compare.json.

Python standard library only; matplotlib (Debian python3-matplotlib) is used
for the plot of the full run when it is installed.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")

# Block caches of the servers (their --block_cache_mb defaults), for the RSS
# target.
INGEST_CACHE_MB = 128
QUERY_CACHE_MB = 256

# The commit log's stream in --replicated runs.
NATS_STREAM = "FACTSTORE_BENCH"

# PostgreSQL 15 from Debian (postgresql-15), the peer of the quick run.
PG_BIN = "/usr/lib/postgresql/15/bin"

# Every scenario --scenario accepts, in the order a full suite runs them.
SCENARIOS = [
    "get_fact", "get_entity", "batch_get_facts", "list_by_subject",
    "list_by_range", "list_by_involves", "aggregate_by_subject",
    "search_facts", "search_prefix", "ingest_stream", "ingest_unary", "freshness", "storage",
    "peer",
]


# The read scenarios a comparison runs (all of them unless --scenario picks
# some), each with the query service method it calls.
COMPARE_SCENARIOS = {
    "get_fact": "GetFact", "get_entity": "GetEntity",
    "batch_get_facts": "BatchGetFacts", "list_by_subject": "ListFacts",
    "list_by_range": "ListFacts", "list_by_involves": "ListFacts",
    "aggregate_by_subject": "AggregateFacts", "search_facts": "SearchFacts",
    "search_prefix": "SearchEntities",
}


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count):
    """`count` distinct free ports: each stays bound until all are chosen."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_for_port(port, process, name, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited during start-up (see {process.log_path})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{name} did not listen on port {port} within {timeout} s")


def cpu_seconds(pid):
    """User + system CPU seconds of `pid` and of its children, from
    /proc/PID/stat: those it has waited for, and those still running (the
    PostgreSQL peer's backends are children of its postmaster)."""
    def stat(p):
        with open(f"/proc/{p}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    for _ in range(10):
        fields = stat(pid)
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                child = stat(entry)
            except OSError:
                continue
            if child[1] == str(pid):
                ticks += int(child[11]) + int(child[12])
        # A child reaped during the scan is in neither sum: scan again.
        if stat(pid)[13:15] == fields[13:15]:
            break
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU seconds the whole machine has been busy (all CPUs), /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    return busy / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scrape_metrics(port):
    """A server's Prometheus samples, {"name{labels}": value}; None if the
    endpoint did not answer (the figures that need it are left out)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                    timeout=10) as reply:
            text = reply.read().decode()
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                samples[key] = float(value)
        return samples
    except (OSError, ValueError) as e:
        log(f"metrics on port {port}: {e}")
        return None


def metric_sum(samples, name, label=""):
    """The sum of `name`'s samples, of those whose labels hold `label` if
    given (e.g. 'block="data"')."""
    return sum(v for k, v in samples.items()
               if (k == name or k.startswith(name + "{")) and label in k)


def block_cache_figures(before, after, method):
    """What the query server's block cache did between two scrapes, per call
    of `method` it handled meanwhile: misses by kind of block, reads of
    table files and their bytes, and the hit ratio of data blocks. The
    server's own reads (its follower reads the head about 100 times a
    second) count too, without calls."""
    if not before or not after:
        return None

    def delta(name, label=""):
        return metric_sum(after, name, label) - metric_sum(before, name, label)
    calls = delta("grpc_server_handled_total", f'grpc_method="{method}"')
    if calls <= 0:
        return None
    figures = {"calls": calls}
    for kind in ("data", "index", "filter"):
        figures[f"{kind}_misses_per_call"] = delta(
            "factstore_rocksdb_block_cache_misses_total", f'block="{kind}"') / calls
    data_hits = delta("factstore_rocksdb_block_cache_hits_total", 'block="data"')
    data_misses = delta("factstore_rocksdb_block_cache_misses_total", 'block="data"')
    figures["data_hit_ratio"] = (data_hits / (data_hits + data_misses)
                                 if data_hits + data_misses else None)
    reads = delta("factstore_rocksdb_table_reads_total")
    figures["table_reads_per_call"] = reads / calls
    figures["table_read_bytes_per_read"] = (
        delta("factstore_rocksdb_table_read_bytes_total") / reads if reads else 0)
    return figures


def block_cache_note(figures):
    if not figures:
        return ""
    ratio = figures["data_hit_ratio"]
    if figures["table_reads_per_call"] == 0:
        return ("no table reads (" + ("all from memtables" if ratio is None
                                      else f"data blocks hit {ratio:.0%}") + ")")
    return (f"{figures['table_reads_per_call']:.2f} table reads a call, "
            f"{figures['table_read_bytes_per_read'] / 1024:.1f} KiB each (block cache "
            f"misses a call: data {figures['data_misses_per_call']:.2f}, index "
            f"{figures['index_misses_per_call']:.2f}, filter "
            f"{figures['filter_misses_per_call']:.2f}; data blocks hit "
            f"{'-' if ratio is None else f'{ratio:.0%}'})")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return -1


class Server:
    """One server process with its log file."""

    def __init__(self, name, argv, port, logs, env=None, user=None):
        self.name = name
        self.env = env
        # Runs as this user when set (PostgreSQL refuses to run as root).
        self.user = user
        self.argv = argv
        self.port = port
        # Where it serves /metrics, when the harness asked for it.
        self.metrics_port = None
        self.log_path = os.path.join(logs, f"{name}.log")
        self.process = None

    def start(self, timeout=120.0):
        log_file = open(self.log_path, "ab")
        started = time.monotonic()
        self.process = subprocess.Popen(self.argv, stdout=log_file,
                                        stderr=subprocess.STDOUT, env=self.env,
                                        user=self.user)
        self.process.log_path = self.log_path
        wait_for_port(self.port, self.process, self.name, timeout)
        return time.monotonic() - started

    def log_messages(self):
        """The "msg" of every JSON line the server logged so far."""
        messages = []
        try:
            with open(self.log_path, errors="replace") as f:
                for line in f:
                    try:
                        messages.append(json.loads(line).get("msg"))
                    except ValueError:
                        pass
        except OSError:
            pass
        return messages

    def wait_for_log(self, message, timeout=60.0):
        """Waits until the server logs `message` (seconds waited)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited (see {self.log_path})")
            if message in self.log_messages():
                return time.monotonic() - started
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not log {message!r} within "
                           f"{timeout} s (see {self.log_path})")

    @property
    def pid(self):
        return self.process.pid

    def stop(self, timeout=60):
        """SIGTERM, then SIGKILL after `timeout`; returns seconds to exit."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - started


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.work = tempfile.mkdtemp(prefix="factstore-bench-")
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs)
        self.runs = {}       # name -> JSON object printed by a program
        self.extra = {}      # other figures (RSS, restart time, ...)
        self.servers = []
        # Other processes of ours whose CPU is not "Others" (NATS nodes).
        self.helpers = []
        self.failures = []
        # Whatever the programs put in $TMPDIR goes away with the work
        # directory.
        self.env = dict(os.environ, TMPDIR=self.work)
        self.shape = None
        self.seed, self.subjects, self.documents, self.facts = 1, 1000, 5000, 0
        # The populated facts as the PostgreSQL peer's rows (export_facts).
        self.peer_rows = None

    # -- processes ---------------------------------------------------------

    def program(self, name):
        return os.path.join(self.bin, name)

    def start_cluster(self, store, sync=False, query_cache_mb=QUERY_CACHE_MB):
        """Starts ingest, query and the transport baseline on `store`."""
        ports = free_ports(5)
        self.ingest_addr = f"127.0.0.1:{ports[0]}"
        self.query_addr = f"127.0.0.1:{ports[1]}"
        self.baseline_addr = f"127.0.0.1:{ports[2]}"
        self.store = store
        self.ingest = Server("ingest", [
            self.program("ingest_server"), f"--listen={self.ingest_addr}",
            f"--data_dir={store}", f"--sync={'true' if sync else 'false'}",
            f"--metrics_listen=127.0.0.1:{ports[3]}",
            "--log_level=warning"], ports[0], self.logs, self.env)
        self.ingest.metrics_port = ports[3]  # settle() reads it
        self.query = self.query_server("query", self.program("query_server"),
                                       store, ports[1], ports[4], query_cache_mb)
        self.baseline = Server("baseline", [
            self.program("transport_baseline_server"),
            f"--listen={self.baseline_addr}"], ports[2], self.logs, self.env)
        for server in (self.ingest, self.query, self.baseline):
            server.start()
            self.servers.append(server)

    def query_server(self, name, program, store, port, metrics_port, cache_mb,
                     extra_flags=()):
        """A query server (not started) following `store` as a secondary
        of its own, serving on `port` and its metrics on `metrics_port`;
        `extra_flags` come last, so they override the ones before."""
        server = Server(name, [
            program, f"--listen=127.0.0.1:{port}", f"--data_dir={store}",
            "--log_level=warning", f"--block_cache_mb={cache_mb}",
            f"--metrics_listen=127.0.0.1:{metrics_port}",
            f"--secondary_dir={os.path.join(self.work, 'secondary-' + str(port))}",
            *extra_flags], port, self.logs, self.env)
        server.metrics_port = metrics_port  # with_block_cache_figures() reads it
        return server

    def restart_ingest(self, sync=False):
        stopped = self.ingest.stop()
        self.ingest.argv = [a for a in self.ingest.argv if not a.startswith("--sync=")]
        self.ingest.argv.append(f"--sync={'true' if sync else 'false'}")
        started = self.ingest.start()
        return stopped, started

    def stop_all(self):
        for server in reversed(self.servers):
            server.stop()
        self.servers = []

    # -- programs ----------------------------------------------------------

    def run_program(self, name, argv, timeout=None, show_stderr=False):
        """Runs a benchmark program and returns the JSON object it printed."""
        stderr_path = os.path.join(self.logs, f"{name}.stderr")
        # What else the machine did meanwhile: busy CPU time of the whole
        # machine minus that of our servers and of the program.
        servers = [s.process for s in self.servers] + self.helpers
        servers = [p for p in servers if p is not None and p.poll() is None]
        ours0 = children_cpu_seconds() + sum(cpu_seconds(s.pid) for s in servers)
        busy0 = machine_busy_seconds()
        started = time.monotonic()
        with open(stderr_path, "wb") as stderr:
            result = subprocess.run(argv, stdout=subprocess.PIPE,
                                    stderr=None if show_stderr else stderr,
                                    timeout=timeout, env=self.env)
        elapsed = time.monotonic() - started
        busy = machine_busy_seconds() - busy0
        ours = children_cpu_seconds() - ours0
        for s in servers:
            try:
                ours += cpu_seconds(s.pid)
            except OSError:
                pass
        other = max(0.0, busy - ours)
        lines = [l for l in result.stdout.decode().splitlines() if l.startswith("{")]
        if not lines:
            self.failures.append(f"{name}: no result (exit {result.returncode}; "
                                 f"see {stderr_path})")
            log(f"{name}: FAILED (see {stderr_path})")
            return None
        data = json.loads(lines[-1])
        data["machine"] = {"elapsed_s": elapsed, "busy_cpu_s": busy,
                           "ours_cpu_s": ours, "other_cpu_s": other,
                           "other_cores": other / elapsed if elapsed > 0 else 0}
        if result.returncode != 0:
            data["exit_code"] = result.returncode
            self.failures.append(f"{name}: exit {result.returncode} "
                                 f"(errors in the run; see {stderr_path})")
        self.runs[name] = data
        return data

    def load(self, name, scenario, *flags, pids=None, target="factstore",
             show_stderr=False, query=None):
        argv = [self.program("load_generator"), f"--scenario={scenario}",
                f"--target={target}", f"--ingest={self.ingest_addr}",
                f"--query={query or self.query_addr}",
                f"--baseline={self.baseline_addr}",
                f"--seed={self.seed}", f"--subjects={self.subjects}",
                f"--documents={self.documents}"]
        if pids:
            argv.append("--server_pids=" + ",".join(str(p) for p in pids))
        argv += list(flags)
        data = self.run_program(name, argv, show_stderr=show_stderr)
        if data is not None:
            log(f"{name}: {summary(data)}")
        return data

    # -- phases ------------------------------------------------------------

    def wanted(self, scenario):
        return not self.args.scenario or scenario in self.args.scenario

    def timed(self, warmup, duration):
        return [f"--warmup={warmup}s", f"--duration={duration}s"]

    def populate(self, label, facts, subjects, documents, timeline=False,
                 pids=None):
        self.seed = 1
        self.subjects = subjects
        self.documents = documents
        self.facts = facts
        self.ids = os.path.join(self.work, f"ids-{label}.txt")
        self.load(f"setup_{label}", "setup")
        flags = [f"--facts={facts}", "--streams=4", f"--ids_out={self.ids}"]
        if timeline:
            flags.append("--timeline")
        if self.args.progress:
            flags.append("--progress")
        self.load(f"populate_{label}", "populate", *flags,
                  pids=pids or [self.ingest.pid, self.query.pid],
                  show_stderr=self.args.progress)

    def settle(self, label, timeout=1800):
        """Waits until the ingest server has no compaction running or
        pending, so that reads after a large load do not share the 2 cores
        with the load's compactions (at 10M facts they took 7 to 14 s;
        bench/README.md)."""
        started = time.monotonic()
        quiet = 0  # polls in a row that found nothing to compact
        seconds = 0.0  # until the first of them
        while quiet < 3 and time.monotonic() - started < timeout:
            samples = scrape_metrics(self.ingest.metrics_port)
            if samples is None:
                self.failures.append(f"{label}: no metrics from the ingest server; "
                                     f"reads measured without waiting for compactions")
                return
            busy = (metric_sum(samples, "factstore_rocksdb_running_compactions")
                    + metric_sum(samples, "factstore_rocksdb_pending_compaction_bytes"))
            if busy:
                quiet = 0
            else:
                if quiet == 0:
                    seconds = time.monotonic() - started
                quiet += 1
            if quiet < 3:
                time.sleep(1)
        settled = quiet >= 3
        if not settled:
            seconds = time.monotonic() - started
        self.extra[f"settle_{label}"] = {"seconds": seconds, "settled": settled}
        if settled:
            log(f"{label}: compactions done {seconds:.0f} s after the load")
        else:
            self.failures.append(f"{label}: compactions still running {timeout} s "
                                 f"after the load; its reads were measured anyway")

    def with_block_cache_figures(self, method, warmup, run, query=None):
        """Runs `run()` (a load with --warmup=`warmup`) and adds what the
        block cache of `query` (self.query if None) did from `warmup` seconds
        after its start to the run's figures (block_cache_figures). The load
        generator reads its ids before it starts warming up (a few seconds
        for 10M ids), so the figures take in the end of the warm-up too: they
        are per call handled in the same window, and describe the warm
        store."""
        port = (query or self.query).metrics_port
        before = {}
        scrape = threading.Timer(
            warmup, lambda: before.update(scrape_metrics(port) or {}))
        scrape.start()
        data = run()
        scrape.join()
        if data is not None:
            data["block_cache"] = block_cache_figures(
                before, scrape_metrics(port), method)
        return data

    def read_flags(self, scenario):
        """The load generator's flags for `scenario` at 16 outstanding,
        beyond --scenario and the timing."""
        own = {"get_fact": [f"--ids_in={self.ids}"],
               "batch_get_facts": [f"--ids_in={self.ids}"],
               "list_by_range": [f"--facts={self.facts}"],
               "search_prefix": [f"--search_entities={self.args.search_entities}"]}
        return own.get(scenario, []) + ["--outstanding=16"]

    def load_search_entities(self):
        """The entity population SearchEntities by prefix searches."""
        self.load("load_entities", "load_entities",
                  f"--search_entities={self.args.search_entities}",
                  "--outstanding=2")

    def read_scenarios(self, suffix, quick_levels=True, warmup=None):
        """The read scenarios, each after `warmup` seconds (args.warmup if
        None) of the same calls."""
        warmup = self.args.warmup if warmup is None else warmup
        q = [self.query.pid]
        w = self.timed(warmup, self.args.read_seconds)
        levels = [1, 16, 64] if quick_levels else [16, 64]
        ids = f"--ids_in={self.ids}"
        if self.wanted("get_fact"):
            for k in levels:
                run = lambda: self.with_block_cache_figures(
                    "GetFact", warmup,
                    lambda: self.load(f"get_fact_{k}{suffix}", "get_fact", ids,
                                      f"--outstanding={k}", *w, pids=q))
                if k == 16:
                    self.profiled(f"get_fact_16{suffix}", self.query.pid,
                                  warmup, self.args.read_seconds, run)
                else:
                    run()
            if suffix == "":
                reply = self.runs.get("get_fact_16", {}).get("reply_bytes", 0)
                request = self.runs.get("get_fact_16", {}).get("request_bytes", 0)
                for k in levels:
                    self.load(f"baseline_get_fact_{k}", "get_fact",
                              f"--outstanding={k}", f"--reply_bytes={reply}",
                              f"--request_bytes={request}", *w,
                              pids=[self.baseline.pid], target="baseline")
        if self.wanted("get_entity") and suffix == "":
            for k in levels:
                self.load(f"get_entity_{k}", "get_entity", f"--outstanding={k}",
                          *w, pids=q)
        if self.wanted("batch_get_facts") and suffix == "":
            self.profiled(
                "batch_get_facts_16", self.query.pid, warmup,
                self.args.read_seconds,
                lambda: self.load("batch_get_facts_16", "batch_get_facts",
                                  *self.read_flags("batch_get_facts"), *w,
                                  pids=q))
        if self.wanted("list_by_subject"):
            run = lambda: self.with_block_cache_figures(
                "ListFacts", warmup,
                lambda: self.load(f"list_by_subject_16{suffix}", "list_by_subject",
                                  *self.read_flags("list_by_subject"), *w,
                                  pids=q))
            if suffix == "":
                self.profiled("list_by_subject_16", self.query.pid,
                              warmup, self.args.read_seconds, run)
            else:
                run()
        if self.wanted("list_by_range") and suffix == "":
            self.load("list_by_range_16", "list_by_range",
                      *self.read_flags("list_by_range"), *w, pids=q)
        # Issue 17's reads, each beside ListFacts by subject.
        for scenario in ("list_by_involves", "aggregate_by_subject", "search_facts"):
            if self.wanted(scenario) and suffix == "":
                self.profiled(
                    f"{scenario}_16", self.query.pid, warmup,
                    self.args.read_seconds,
                    lambda scenario=scenario: self.load(
                        f"{scenario}_16", scenario, *self.read_flags(scenario),
                        *w, pids=q))
        if self.wanted("search_prefix") and suffix == "":
            self.load_search_entities()
            self.profiled(
                "search_prefix_16", self.query.pid, warmup,
                self.args.read_seconds,
                lambda: self.load("search_prefix_16", "search_prefix",
                                  *self.read_flags("search_prefix"), *w,
                                  pids=q))

    def ingest_without_word_index(self, w, streams, first):
        """The same streams into a store kept without the word index
        (--index_words=false, a fresh store with the same predicates and
        entities), to show what the index costs in the same run."""
        port = free_port()
        store = os.path.join(self.work, f"store-no-words-{streams}")
        server = Server("ingest-no-words", [
            self.program("ingest_server"), f"--listen=127.0.0.1:{port}",
            f"--data_dir={store}", "--index_words=false", "--metrics_listen=",
            "--log_level=warning"], port, self.logs, self.env)
        saved = self.ingest_addr
        try:
            server.start()
            # Its CPU is the figure's, not other processes'.
            self.helpers.append(server.process)
            self.ingest_addr = f"127.0.0.1:{port}"
            self.load(f"setup_no_words_{streams}", "setup")
            self.load(f"ingest_stream_{streams}_no_words", "ingest_stream",
                      f"--streams={streams}", f"--first_index={first}", *w,
                      pids=[server.process.pid])
        finally:
            self.ingest_addr = saved
            if server.process in self.helpers:
                self.helpers.remove(server.process)
            server.stop()
            if not self.args.keep:
                shutil.rmtree(store, ignore_errors=True)

    def ingest_stream_scenarios(self, store):
        """StreamIngestFacts at 1 and 4 streams, each into its own copy of
        the populated `store` (closed), with and without the word index.
        Run one after the other on one store, the second run started from a
        store the first had grown by hundreds of thousands of facts, and
        paid for their compactions: whichever ran second lost a fifth of its
        rate (bench/README.md)."""
        w = self.timed(self.args.ingest_warmup, self.args.ingest_seconds)
        for streams, first in ((1, 10_000_000), (4, 20_000_000)):
            copy = os.path.join(self.work, f"store-{streams}-streams")
            shutil.copytree(store, copy)
            os.sync()  # the copy's writeback is not the run's
            try:
                self.start_cluster(copy)
                run = lambda: self.load(
                    f"ingest_stream_{streams}", "ingest_stream",
                    f"--streams={streams}", f"--first_index={first}", *w,
                    pids=[self.ingest.pid, self.query.pid])
                if streams == 4:
                    self.profiled("ingest_stream_4", self.ingest.pid,
                                  self.args.ingest_warmup,
                                  self.args.ingest_seconds, run)
                    real = self.runs.get("ingest_stream_4", {})
                    # The baseline alone: the servers would still be
                    # flushing and compacting what the run wrote.
                    self.query.stop()
                    self.ingest.stop()
                    bw = self.timed(1, self.args.read_seconds)
                    for baseline_streams in (1, 4):
                        self.load(f"baseline_ingest_stream_{baseline_streams}",
                                  "ingest_stream",
                                  f"--streams={baseline_streams}",
                                  f"--ack_bytes={real.get('ack_bytes', 0)}",
                                  *bw, pids=[self.baseline.pid],
                                  target="baseline")
                else:
                    run()
            finally:
                self.stop_all()
                if not self.args.keep:
                    shutil.rmtree(copy, ignore_errors=True)
            self.ingest_without_word_index(w, streams, first)

    def ingest_scenarios(self):
        both = [self.ingest.pid, self.query.pid]
        w = self.timed(self.args.ingest_warmup, self.args.ingest_seconds)
        if self.wanted("ingest_unary"):
            self.load("ingest_unary_4", "ingest_unary", "--outstanding=4",
                      "--first_index=30000000", *w, pids=both)
        if self.wanted("freshness"):
            both = [self.ingest.pid, self.query.pid]
            self.load("freshness", "freshness", f"--samples={self.args.samples}",
                      "--first_index=40000000", pids=both)
            self.load("freshness_loaded", "freshness",
                      f"--samples={self.args.loaded_samples}",
                      "--first_index=41000000", "--background_streams=1",
                      pids=both)

    def storage_read_baseline(self, label):
        """Measures the shape of a fact's writes and reads the store raw
        (servers stopped, so that nothing else runs)."""
        self.shape = self.run_program(f"storage_measure_{label}", [
            self.program("storage_baseline"), "--mode=measure",
            f"--store={self.store}"])
        if self.shape:
            log(f"storage_measure_{label}: {self.shape['keys_per_fact']:.2f} keys "
                f"and {self.shape['bytes_per_fact']:.0f} bytes per fact")
        data = self.run_program(f"storage_read_{label}", [
            self.program("storage_baseline"), "--mode=read",
            f"--store={self.store}", "--threads=2",
            f"--warmup={self.args.warmup}s",
            f"--duration={self.args.read_seconds}s"])
        if data:
            log(f"storage_read_{label}: gets {data['point_get']['ops_per_s']:.0f}/s, "
                f"scans {data['range_scan']['ops_per_s']:.0f}/s")

    def storage_write_baseline(self):
        """Raw batched writes of the measured shape into fresh databases."""
        if not self.shape:
            return
        for sync, seconds in ((False, self.args.write_seconds),
                              (True, self.args.sync_seconds)):
            if sync and not self.args.full and not self.args.sync_baseline:
                continue
            name = f"storage_write{'_sync' if sync else ''}"
            data = self.run_program(name, [
                self.program("storage_baseline"), "--mode=write",
                f"--dir={os.path.join(self.work, name)}",
                f"--shape={self.shape['shape']}",
                f"--commit_bytes_per_fact={self.shape['commit_bytes_per_fact']}",
                f"--head_bytes={self.shape['head_bytes']}",
                f"--sync={'true' if sync else 'false'}",
                f"--duration={seconds}s"])
            if data:
                log(f"{name}: {data['keys_per_s']:.0f} keys/s "
                    f"({data['facts_per_s']:.0f} facts/s)")
            shutil.rmtree(os.path.join(self.work, name), ignore_errors=True)

    def profiled(self, name, pid, delay, seconds, run):
        """Runs `run()` while perf samples `pid` for `seconds` after `delay`."""
        if not self.args.profile or shutil.which("perf") is None:
            if self.args.profile:
                log("no perf (Debian linux-perf): not profiling")
            return run()
        data = os.path.join(self.work, f"perf-{name}.data")
        perf = subprocess.Popen(
            ["sh", "-c", f"sleep {delay}; exec perf record -F 199 "
                         f"--call-graph dwarf,16384 -p {pid} -o {data} -- sleep {seconds}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = run()
        perf.wait()
        os.makedirs(RESULTS, exist_ok=True)
        out = os.path.join(RESULTS, f"profile_{name}.txt")
        # perf can start late on a slow machine and sample the server after
        # the load ended (seen: 5 samples of an idle query server). A busy
        # server gives about 199 samples a second per busy core.
        samples = subprocess.run(
            ["perf", "script", "-F", "tid", "-i", data],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True).stdout.count("\n")
        too_few = samples < 50 * seconds
        if too_few:
            log(f"profile of {name}: only {samples} samples in {seconds} s, "
                "so perf missed most of the load; run again, with a longer "
                "--read-seconds")
        with open(out, "w") as f:
            if too_few:
                f.write(f"== {name}: only {samples} samples: perf missed "
                        "most of the load; not a profile of it ==\n\n")
            for title, flags in (("self", ["--no-children"]),
                                 ("inclusive (children)", ["--children"])):
                report = subprocess.run(
                    ["perf", "report", "-i", data, "--stdio", "-g", "none",
                     "--sort", "symbol", "--percent-limit", "0.5"] + flags,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                lines = [" ".join(l.split()) for l in report.stdout.splitlines()
                         if l.strip() and not l.startswith("#")]
                f.write(f"== {name}: top functions, {title} ==\n")
                f.write("\n".join(lines[:60]) + "\n\n")
        self.extra[f"profile_{name}"] = os.path.relpath(out, ROOT)
        log(f"profile of {name}: {out}")
        return result

    def record_rss(self, label):
        self.extra[f"rss_{label}"] = {
            "ingest_bytes": rss_bytes(self.ingest.pid),
            "query_bytes": rss_bytes(self.query.pid),
        }

    def start_quick_store(self):
        """Starts the servers on a fresh store, populates it with --facts
        facts and waits for its compactions; returns the store's path."""
        store = os.path.join(self.work, "store-100k")
        self.start_cluster(store)
        facts = self.args.facts
        self.populate("100k", facts, max(1000, facts // 100),
                      max(5000, facts // 20))
        self.settle("100k")
        return store

    def quick_suite(self):
        store = self.start_quick_store()
        self.read_scenarios("")
        self.record_rss("100k")
        if self.wanted("peer"):
            # The same facts for the peer, as factstore stored them.
            rows = os.path.join(self.work, "peer-rows.txt")
            if self.load("export_facts", "export_facts", f"--ids_in={self.ids}",
                         f"--rows_out={rows}"):
                self.peer_rows = rows
        self.stop_all()
        # Raw reads of the same data, with nothing else running.
        self.storage_read_baseline("100k")
        # Writes: streams into copies of the store, the rest restarted on
        # the store itself.
        if self.wanted("ingest_stream"):
            self.ingest_stream_scenarios(store)
        if (self.wanted("ingest_unary") or self.wanted("freshness")
                or (self.args.full and self.wanted("ingest_stream"))):
            self.start_cluster(store)
            self.ingest_scenarios()
            if self.args.full and self.wanted("ingest_stream"):
                # Durable acknowledgements: fsync at every commit.
                self.restart_ingest(sync=True)
                self.load("ingest_stream_4_sync", "ingest_stream", "--streams=4",
                          "--first_index=50000000",
                          *self.timed(self.args.ingest_warmup,
                                      self.args.ingest_seconds),
                          pids=[self.ingest.pid, self.query.pid])
            self.stop_all()
        if self.wanted("storage") or self.wanted("ingest_stream"):
            self.storage_write_baseline()
        if self.peer_rows:
            self.peer_suite()

    # -- comparing two query servers -----------------------------------------

    def compare_suite(self):
        """This build's query server (A) and the other one (B) on the same
        populated store, each read scenario in --rounds alternating rounds.
        Both follow the store all along; the one not being read only catches
        up with it (about 1% of a core)."""
        store = self.start_quick_store()
        scenarios = [s for s in COMPARE_SCENARIOS if self.wanted(s)]
        if "search_prefix" in scenarios:
            self.load_search_entities()
        port, metrics_port = free_ports(2)
        other = self.query_server(
            "query-b", compared_program(self.args, self.bin), store, port,
            metrics_port, QUERY_CACHE_MB, self.args.compare_flag or ())
        other.start()
        self.servers.append(other)
        sides = {"A": self.query, "B": other}
        w = self.timed(self.args.warmup, self.args.read_seconds)
        for scenario in scenarios:
            for r in range(self.args.rounds):
                for side in ("AB" if r % 2 == 0 else "BA"):
                    server = sides[side]
                    self.with_block_cache_figures(
                        COMPARE_SCENARIOS[scenario], self.args.warmup,
                        lambda: self.load(
                            compare_run_name(scenario, side, r), scenario,
                            *self.read_flags(scenario), *w, pids=[server.pid],
                            query=f"127.0.0.1:{server.port}"),
                        query=server)
        return scenarios

    # -- the PostgreSQL peer -------------------------------------------------

    def peer_suite(self):
        """The same facts and reads against PostgreSQL 15, on a private
        cluster on loopback that is removed afterwards (bench/README.md)."""
        if not os.path.exists(os.path.join(PG_BIN, "postgres")):
            self.failures.append("peer: PostgreSQL 15 is not installed "
                                 f"({PG_BIN}; ./dev bench installs it)")
            return
        pg_dir = tempfile.mkdtemp(prefix="factstore-peer-")
        try:
            try:
                conninfo = self.start_peer(pg_dir)
            except (OSError, RuntimeError, LookupError, ValueError,
                    subprocess.CalledProcessError) as e:
                self.failures.append(f"peer: PostgreSQL did not start: {e} "
                                     f"(logs in {self.logs})")
                return
            common = [self.program("peer_benchmark"), f"--conninfo={conninfo}",
                      f"--rows={self.peer_rows}", f"--seed={self.seed}",
                      f"--subjects={self.subjects}", f"--documents={self.documents}",
                      f"--facts={self.facts}"]

            def peer(name, scenario, *flags):
                data = self.run_program(name, common + [f"--scenario={scenario}",
                                                         *flags])
                if data is not None and "ops_per_s" in data:
                    log(f"{name}: {summary(data)}")

            # Inserts with the quotes' words indexed, as factstore ingests
            # by default, and without, as its no-words runs.
            for writers in (1, 4):
                for words, suffix in ((False, "_no_words"), (True, "")):
                    peer(f"peer_schema_{writers}{suffix}", "schema",
                         f"--index_quote_words={str(words).lower()}")
                    peer(f"peer_insert_{writers}{suffix}", "insert",
                         f"--writers={writers}", "--batch_size=1000")
            peer("peer_copy", "copy")
            w = self.timed(self.args.warmup, self.args.read_seconds)
            for k in (1, 16, 64):
                peer(f"peer_get_{k}", "get", f"--clients={k}", *w)
            peer("peer_subject_16", "subject", "--clients=16", "--page_size=100", *w)
            peer("peer_range_16", "range", "--clients=16", "--page_size=100", *w)
            peer("peer_search_16", "search", "--clients=16", "--page_size=20", *w)
        finally:
            self.stop_all()
            shutil.rmtree(pg_dir, ignore_errors=True)

    def start_peer(self, pg_dir):
        """initdb and start PostgreSQL in `pg_dir`; returns its conninfo.

        Durability as factstore's default: the WAL is written at each commit
        but not flushed (synchronous_commit=off; factstore acknowledges after
        writing its WAL, without fsync unless --sync). 256 MB of shared
        buffers, as the query service's block cache."""
        user = None
        if os.geteuid() == 0:
            user = "postgres"  # the Debian package's user
            shutil.chown(pg_dir, user, user)
        data = os.path.join(pg_dir, "data")
        with open(os.path.join(self.logs, "postgresql-initdb.log"), "wb") as out:
            subprocess.run([os.path.join(PG_BIN, "initdb"), "-D", data,
                            "-U", "factstore", "--auth=trust", "--encoding=UTF8",
                            "--locale=C.UTF-8", "--no-sync"],
                           stdout=out, stderr=subprocess.STDOUT, user=user,
                           check=True)
        port = free_port()
        server = Server("postgresql", [
            os.path.join(PG_BIN, "postgres"), "-D", data, "-p", str(port),
            "-k", pg_dir, "-c", "listen_addresses=127.0.0.1",
            "-c", "synchronous_commit=off", "-c", "shared_buffers=256MB",
            "-c", "max_connections=100"], port, self.logs, user=user)
        self.servers.append(server)  # stopped with the rest, even if it fails
        server.start()
        return f"host=127.0.0.1 port={port} user=factstore dbname=postgres"

    def scale_suite(self):
        facts = self.args.scale_facts
        label = "scale"
        store = os.path.join(self.work, "store-scale")
        self.start_cluster(store, query_cache_mb=self.args.scale_query_cache_mb)
        log(f"scale run: populating {facts} facts (this takes a while)")
        self.populate(label, facts, max(1000, facts // 100),
                      max(5000, facts // 20), timeline=True)
        self.record_rss("scale_loaded")
        self.settle(label)
        self.read_scenarios("_scale", quick_levels=False,
                            warmup=self.args.scale_warmup)
        self.record_rss("scale")
        stopped, started = self.restart_ingest()
        self.extra["ingest_restart"] = {"stop_s": stopped, "start_s": started,
                                        "facts": facts}
        log(f"ingest restart on {facts} facts: stop {stopped:.2f} s, "
            f"start {started:.2f} s")
        self.stop_all()
        self.extra["scale_store_bytes"] = dir_bytes(store)
        if not self.args.keep:
            shutil.rmtree(store, ignore_errors=True)

    # -- replicated mode ---------------------------------------------------

    def mode_runs(self, prefix, pids):
        """ingest_stream at 1 and 4 streams, then freshness idle and under
        load: what --replicated measures in both modes, the same way."""
        w = self.timed(self.args.ingest_warmup, self.args.ingest_seconds)
        for streams, first in ((1, 10_000_000), (4, 20_000_000)):
            self.load(f"{prefix}ingest_stream_{streams}", "ingest_stream",
                      f"--streams={streams}", f"--first_index={first}", *w,
                      pids=pids)
        self.load(f"{prefix}freshness", "freshness",
                  f"--samples={self.args.samples}", "--first_index=40000000",
                  pids=pids)
        self.load(f"{prefix}freshness_loaded", "freshness",
                  f"--samples={self.args.loaded_samples}",
                  "--first_index=41000000", "--background_streams=1", pids=pids)

    def replicated_server(self, name, program, data_dir, *flags):
        """A server in replicated mode on the bench's NATS cluster, with a
        data directory of its own (not started)."""
        port = free_port()
        return Server(name, [
            self.program(program), f"--listen=127.0.0.1:{port}",
            f"--data_dir={data_dir}", "--metrics_listen=", "--log_level=info",
            f"--nats={self.nats.urls}", f"--nats_stream={NATS_STREAM}",
            "--nats_replicas=3", *flags], port, self.logs, self.env)

    def wait_replicas(self, name, replicas, facts=None):
        """Waits until every replica has applied the whole log; checks that
        they hold `facts` facts (when given) and the same commit."""
        data = self.load(name, "wait_serving", "--caught_up", "--poll_interval=20ms",
                         pids=[r.pid for r in replicas],
                         query=",".join(f"127.0.0.1:{r.port}" for r in replicas))
        if not data:
            return None
        held = [r.get("caught_up") for r in data["replicas"]]
        if any(h is None for h in held):
            self.failures.append(f"{name}: a replica did not catch up (see "
                                 f"{os.path.join(self.logs, name + '.stderr')})")
            return data
        counts = [h["fact_count"] for h in held]
        commits = {h["commit_token"] for h in held}
        if facts is not None and any(c != facts for c in counts):
            self.failures.append(f"{name}: replicas hold {counts} facts after "
                                 f"applying the whole log; {facts} were acknowledged")
        if len(commits) != 1 or len(set(counts)) != 1:
            self.failures.append(f"{name}: caught-up replicas differ: "
                                 f"{[(h['fact_count'], h['commit_token']) for h in held]}")
        return data

    def join_replica(self, facts, nats_pids):
        """Starts a query replica on an empty directory with
        --max_commits_behind=0 and times it until it reports SERVING."""
        joining = self.replicated_server(
            "query-3", "query_server", os.path.join(self.work, "replicated", "query-3"),
            "--max_commits_behind=0")
        started = time.time()
        listen_s = joining.start(timeout=600)
        self.servers.append(joining)
        data = self.load("replicated_join", "wait_serving", "--poll_interval=5ms",
                         pids=[joining.pid] + nats_pids,
                         query=f"127.0.0.1:{joining.port}")
        try:
            cpu = cpu_seconds(joining.pid)  # all of it, from its start
        except OSError:
            cpu = None
        joining.stop()
        self.servers.remove(joining)
        replica = (data or {}).get("replicas", [{}])[0]
        if not data or replica.get("serving_s", -1) < 0:
            self.failures.append("replicated_join: the joining replica never "
                                 f"reported SERVING (see {joining.log_path})")
            return
        seconds = replica["serving_unix_us"] / 1e6 - started
        held = replica.get("at_serving", {})
        self.extra["join"] = {"facts": facts, "seconds": seconds,
                              "listen_s": listen_s, "cpu_s": cpu,
                              "at_serving": held}
        log(f"joining replica: SERVING after {seconds:.2f} s "
            f"({facts / seconds:.0f} facts/s), listening after {listen_s:.2f} s, "
            f"{held.get('fact_count')} facts")
        if held.get("fact_count") != facts:
            self.failures.append(
                f"replicated_join: the joining replica reported SERVING with "
                f"--max_commits_behind=0 holding {held.get('fact_count')} facts; "
                f"{facts} were acknowledged ({held})")

    def replicated_suite(self):
        facts = self.args.facts
        subjects, documents = max(1000, facts // 100), max(5000, facts // 20)
        # Embedded mode first, measured the same way on a store of the same
        # size.
        store = os.path.join(self.work, "store-embedded")
        self.start_cluster(store)
        self.populate("embedded", facts, subjects, documents)
        self.mode_runs("embedded_", [self.ingest.pid, self.query.pid])
        self.stop_all()
        shutil.rmtree(store, ignore_errors=True)

        # Replicated mode: 3 NATS nodes, the log's stream with 3 replicas,
        # one ingest server and two query replicas, each with its own store.
        sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
        from nats_cluster import NatsCluster  # pylint: disable=import-outside-toplevel
        base = os.path.join(self.work, "replicated")
        os.makedirs(base)
        # The log of a 100,000-fact run takes a few hundred MB per node;
        # max_file_store is a limit, not a reservation.
        self.nats = NatsCluster(3, max_file_store=32 << 30, directory=base)
        try:
            log("starting a 3-node NATS JetStream cluster")
            self.nats.start()
            self.helpers = [node.process for node in self.nats.nodes]
            nats_pids = [p.pid for p in self.helpers]
            ingest = self.replicated_server("ingest-r", "ingest_server",
                                            os.path.join(base, "ingest"), "--sync=false")
            ingest.start()
            self.servers.append(ingest)
            leader_s = ingest.wait_for_log("now the leader: accepting writes")
            self.extra["leader_after_s"] = leader_s
            log(f"replicated ingest server leads after {leader_s:.2f} s")
            replicas = []
            for i in (1, 2):
                replica = self.replicated_server(f"query-{i}", "query_server",
                                                 os.path.join(base, f"query-{i}"))
                replica.start()
                self.servers.append(replica)
                replicas.append(replica)
            q1, q2 = replicas
            self.ingest, self.query = ingest, q1
            self.ingest_addr = f"127.0.0.1:{ingest.port}"
            self.query_addr = f"127.0.0.1:{q1.port}"
            both = f"127.0.0.1:{q1.port},127.0.0.1:{q2.port}"
            self.extra["replicated_pids"] = {"ingest": ingest.pid, "query_1": q1.pid,
                                             "query_2": q2.pid, "nats": nats_pids}
            every = [ingest.pid, q1.pid, q2.pid] + nats_pids
            self.populate("replicated", facts, subjects, documents, pids=every)
            accepted = self.runs.get("populate_replicated", {}).get("items")
            self.wait_replicas("replicated_caught_up", replicas, accepted)
            if accepted:
                self.join_replica(accepted, nats_pids)
            # Point reads: one replica, then the same load over both.
            w = self.timed(self.args.warmup, self.args.read_seconds)
            for k in (16, 64):
                self.load(f"replicated_get_fact_{k}_1", "get_fact",
                          f"--ids_in={self.ids}", f"--outstanding={k}", *w,
                          pids=[q1.pid, q2.pid])
                self.load(f"replicated_get_fact_{k}_2", "get_fact",
                          f"--ids_in={self.ids}", f"--outstanding={k}", *w,
                          pids=[q1.pid, q2.pid], query=both)
            self.mode_runs("replicated_", every)
            self.wait_replicas("replicated_caught_up_at_end", replicas)
            self.record_rss("replicated")
        except Exception as error:  # pylint: disable=broad-except
            # Keep the embedded figures and whatever was measured: the table
            # still prints, with the problem listed under it.
            self.failures.append(f"replicated mode stopped: {error}")
            log(f"replicated mode stopped: {error}")
        finally:
            self.stop_all()
            self.nats.stop_all()
            self.helpers = []

    def run(self):
        started = datetime.datetime.now().astimezone()
        try:
            if self.args.replicated:
                self.replicated_suite()
            elif comparing(self.args):
                compared = self.compare_suite()
            else:
                self.quick_suite()
                if self.args.full:
                    self.scale_suite()
        finally:
            self.stop_all()
        comparison = None
        if self.args.replicated:
            table = build_replicated_table(self.runs, self.extra, self.args)
        elif comparing(self.args):
            table = []
            comparison = build_comparison(self.runs, compared, self.args.rounds)
        else:
            table = build_table(self.runs, self.extra, self.args)
        result = {
            "mode": ("replicated" if self.args.replicated
                     else "compare" if comparing(self.args)
                     else "full" if self.args.full else "quick"),
            "started": started.isoformat(timespec="seconds"),
            "seconds": (datetime.datetime.now().astimezone() - started).total_seconds(),
            "machine": machine(),
            "settings": {k: v for k, v in vars(self.args).items() if k != "bin"},
            "table": table,
            "comparison": comparison,
            "missed": [r["figure"] for r in table if r["mark"] == "MISS"],
            "failures": self.failures,
            "extra": self.extra,
            "runs": self.runs,
        }
        os.makedirs(RESULTS, exist_ok=True)
        path = os.path.join(RESULTS, "latest-replicated.json"
                            if self.args.replicated
                            else "latest-compare.json" if comparison is not None
                            else "latest.json")
        with open(path, "w") as f:
            json.dump(result, f, indent=1)
        if comparison is not None:
            print_comparison(comparison, f"this build's query server ({self.bin})",
                             compared_side(self.args))
        else:
            print_table(table)
        if self.failures:
            print("\nProblems during the run:")
            for failure in self.failures:
                print(f"  {failure}")
        print(f"\nResults: {os.path.relpath(path, os.getcwd())}")
        if self.args.full:
            png = os.path.join(RESULTS, "latest.png")
            if plot(self.runs, png):
                print(f"Plot:    {os.path.relpath(png, os.getcwd())}")
        if self.args.keep:
            print(f"Kept:    {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def dir_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass
    return total


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model,
            "kernel": platform.release(),
            "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")}


def summary(data):
    if data.get("scenario") == "wait_serving":
        parts = []
        for r in data.get("replicas", []):
            held = r.get("caught_up") or r.get("at_serving") or {}
            parts.append(f"{r['address']} SERVING after {r.get('serving_s', -1):.2f} s"
                         + (f", caught up after {r['caught_up_s']:.2f} s"
                            if "caught_up_s" in r else "")
                         + f", {held.get('fact_count')} facts")
        return "; ".join(parts)
    if data.get("scenario") == "freshness":
        f = data["freshness_ms"]
        m = data["min_commit_latency_ms"]
        return (f"visible after p50 {f['p50']:.1f} / p99 {f['p99']:.1f} ms; "
                f"min_commit read p50 {m['p50']:.1f} / p99 {m['p99']:.1f} ms; "
                f"stale {data['stale']}")
    lat = data.get("latency_ms", {})
    return (f"{data.get('ops_per_s', 0):.0f} ops/s, {data.get('items_per_s', 0):.0f} "
            f"items/s, p50 {lat.get('p50', 0):.2f} ms, p99 {lat.get('p99', 0):.2f} ms")


# -- the table ---------------------------------------------------------------

def server_cpu(data, pid_index=0):
    """Server CPU seconds of the first server pid the run measured."""
    cpu = data.get("server_cpu_s") or {}
    values = list(cpu.values())
    return values[pid_index] if len(values) > pid_index else None


def row(figure, unit, value, *, p50=None, p99=None, baseline_name="",
        baseline=None, server_cpu_per_op=None, client_cpu_per_op=None,
        target="", mark="", note="", run=None):
    ratio = (value / baseline) if (value is not None and baseline) else None
    other = (run or {}).get("machine", {}).get("other_cores")
    return {"figure": figure, "unit": unit, "value": value, "p50_ms": p50,
            "p99_ms": p99, "baseline_name": baseline_name, "baseline": baseline,
            "ratio": ratio, "server_cpu_us_per_op": server_cpu_per_op,
            "client_cpu_us_per_op": client_cpu_per_op, "target": target,
            "mark": mark, "note": note, "other_cores": other}


def per_op_us(seconds, ops):
    if seconds is None or not ops:
        return None
    return seconds / ops * 1e6


def mark(ok):
    if ok is None:
        return "?"
    return "pass" if ok else "MISS"


def timed_row(figure, unit, data, *, value=None, per="ops", **kw):
    """A row for a load generator run: its rate, latency and CPU."""
    count = data[per]
    kw.setdefault("server_cpu_per_op", per_op_us(server_cpu(data), count))
    kw.setdefault("client_cpu_per_op", per_op_us(data.get("client_cpu_s"), count))
    return row(figure, unit,
               value if value is not None else data[f"{per}_per_s"],
               p50=data["latency_ms"]["p50"], p99=data["latency_ms"]["p99"],
               run=data, **kw)


def batch_get_budget(data, read):
    """What the BatchGetFacts target leaves the query server, from the same
    run: at 16 outstanding the call rate is bound by the machine's cores,
    which the server shares with the load generator, so at 60% of raw
    gets/100 the server may spend at most cores / (0.6 x that rate) minus the
    load generator's CPU per call, in microseconds (0 when the load generator
    alone would use more). None when a figure is missing. The raw gets' rate
    moves from run to run more than factstore's CPU per call does, and the
    budget with it."""
    cpus = os.cpu_count()
    client = data.get("client_cpu_s_per_op")
    if not read or not cpus or client is None:
        return None
    rate = read["point_get"]["ops_per_s"] / 100
    if not rate:
        return None
    return max(0.0, cpus / (0.6 * rate) * 1e6 - client * 1e6)


def cpu_of(data, pids):
    """Sum of the CPU seconds a run measured for `pids` (None if one is
    missing)."""
    cpu = (data or {}).get("server_cpu_s") or {}
    values = [cpu.get(str(pid)) for pid in pids]
    if not values or any(v is None for v in values):
        return None
    return sum(values)


def build_replicated_table(runs, extra, args):
    """The table of a --replicated run: replicated figures beside the
    embedded ones measured in the same run."""
    table = []
    pids = extra.get("replicated_pids") or {}
    replicas = [pids.get("query_1"), pids.get("query_2")]
    nats = pids.get("nats") or []

    # -- ingest --
    for streams in (1, 4):
        data = runs.get(f"replicated_ingest_stream_{streams}")
        base = runs.get(f"embedded_ingest_stream_{streams}")
        if data:
            r = timed_row(f"StreamIngestFacts, {streams} stream(s), replicated",
                          "facts/s", data, per="items",
                          baseline_name="embedded" if base else "",
                          baseline=base["items_per_s"] if base else None,
                          target=">= 70% of embedded",
                          note="" if streams != 1 else
                          "4 batches of 1000 facts in flight per stream; an "
                          "acknowledgement waits for the commit's append to a "
                          "quorum of the 3 NATS nodes; Srv us/op: the ingest "
                          "server's CPU per fact")
            r["mark"] = mark(r["ratio"] >= 0.7 if r["ratio"] is not None else None)
            table.append(r)
        if base:
            table.append(timed_row(f"  embedded, {streams} stream(s)", "facts/s", base,
                                   per="items"))
        if data and streams == 4:
            nats_cpu = cpu_of(data, nats)
            if nats_cpu is not None:
                table.append(row("  NATS, 3 nodes, storing these writes",
                                 "CPU us/fact", per_op_us(nats_cpu, data["items"]),
                                 note="the three nodes' CPU together", run=data))
            follow = cpu_of(data, replicas)
            if follow is not None:
                table.append(row("  each query replica following them", "CPU us/fact",
                                 per_op_us(follow / 2, data["items"]), run=data,
                                 note="mean of the two replicas"))
        if base and streams == 4:
            follower = server_cpu(base, 1)
            if follower is not None:
                table.append(row("  embedded query service following", "CPU us/fact",
                                 per_op_us(follower, base["items"]), run=base))
        if data and base and streams == 4:
            every = cpu_of(data, [pids.get("ingest")] + replicas + nats)
            embedded = sum((base.get("server_cpu_s") or {}).values())
            table.append(row(
                "  every server's CPU per fact, 4 streams", "CPU us/fact",
                per_op_us(every, data["items"]), baseline_name="embedded",
                baseline=per_op_us(embedded, base["items"]),
                note="replicated: ingest + 2 query replicas + 3 NATS nodes; "
                     "embedded: ingest + query. Here they all share the "
                     "machine's cores, so this bounds the replicated rate "
                     "on a small machine", run=data))
    pop = runs.get("populate_replicated")
    base = runs.get("populate_embedded")
    if pop:
        table.append(timed_row(f"Populate {pop['items']:,} facts, 4 streams, repl.",
                               "facts/s", pop, per="items",
                               baseline_name="embedded" if base else "",
                               baseline=base["items_per_s"] if base else None,
                               note=f"{pop['seconds']:.1f} s; embedded "
                                    f"{base['seconds']:.1f} s" if base else ""))

    # -- a joining replica --
    join = extra.get("join")
    if join:
        ingest4 = runs.get("replicated_ingest_stream_4")
        held = join.get("at_serving") or {}
        rate = join["facts"] / join["seconds"] if join["seconds"] > 0 else None
        table.append(row(
            f"Joining replica catch-up, {join['facts']:,} facts", "facts/s", rate,
            baseline_name="ingest 4 str." if ingest4 else "",
            baseline=ingest4["items_per_s"] if ingest4 else None,
            server_cpu_per_op=per_op_us(join.get("cpu_s"), join["facts"]),
            note=f"empty directory to SERVING with --max_commits_behind=0: "
                 f"{join['seconds']:.2f} s (listening after {join['listen_s']:.2f} s); "
                 f"it then held {held.get('fact_count')} facts and "
                 f"{held.get('entity_count')} entities, log sequence "
                 f"{held.get('applied_sequence')}; baseline: the replicated "
                 f"ingest rate it must outpace; Srv us/op: its CPU per fact",
            run=runs.get("replicated_join")))

    # -- point reads over one and two replicas --
    for k in (16, 64):
        one = runs.get(f"replicated_get_fact_{k}_1")
        two = runs.get(f"replicated_get_fact_{k}_2")
        if one:
            table.append(timed_row(f"GetFact, {k} outstanding, 1 replica", "calls/s",
                                   one, server_cpu_per_op=per_op_us(
                                       cpu_of(one, replicas[:1]), one["ops"])))
        if two:
            table.append(timed_row(
                f"GetFact, {k} outstanding, 2 replicas", "calls/s", two,
                baseline_name="1 replica" if one else "",
                baseline=one["ops_per_s"] if one else None,
                server_cpu_per_op=per_op_us(cpu_of(two, replicas), two["ops"]),
                note="" if k != 16 else
                "one load generator, --query=A,B: a channel per replica, the "
                "closed loop's slots alternate between them (half of the "
                "outstanding calls each); Srv us/op: both replicas' CPU per call; "
                "client and replicas share the machine's cores"))

    # -- freshness on a replica --
    for name, label in (("freshness", "idle"), ("freshness_loaded", "under load")):
        data = runs.get(f"replicated_{name}")
        base = runs.get(f"embedded_{name}")
        for which, d in (("replica", data), ("embedded", base)):
            if not d:
                continue
            f = d["freshness_ms"]
            title = (f"Freshness without token, {label}, replica" if which == "replica"
                     else f"  embedded, {label}")
            table.append(row(
                title, "ms (p99)", f["p99"], p50=f["p50"], p99=f["p99"],
                baseline_name="embedded" if (which == "replica" and base) else "",
                baseline=base["freshness_ms"]["p99"] if (which == "replica" and base)
                else None,
                target="p99 <= 50 ms", mark=mark(f["p99"] <= 50 if f["count"] else None),
                note=(f"ingest ack to visible on a query replica, {f['count']} "
                      f"samples, polled every {d['poll_interval_ms']:g} ms"
                      + (", 1 ingest stream running" if label != "idle" else "")
                      if which == "replica" else ""),
                run=d))
        for which, d in (("replica", data), ("embedded", base)):
            if not d:
                continue
            m = d["min_commit_latency_ms"]
            title = (f"GetFact with min_commit, {label}, replica" if which == "replica"
                     else f"  embedded, {label}")
            table.append(row(
                title, "stale", d["stale"], p50=m["p50"], p99=m["p99"],
                target="never stale", mark=mark(d["stale"] == 0 and m["count"] > 0),
                note=(f"{m['count']} reads with the ack's commit token, right "
                      f"after it; p50/p99 latency" if which == "replica" else ""),
                run=d))

    rss = extra.get("rss_replicated")
    if rss:
        for server, cache in (("query", QUERY_CACHE_MB), ("ingest", INGEST_CACHE_MB)):
            mib = rss[f"{server}_bytes"] / 2**20
            table.append(row(f"RSS of {server} service, replicated", "MiB", mib,
                             baseline_name="cache+300MiB", baseline=cache + 300,
                             target="<= block cache + 300 MiB",
                             mark=mark(mib <= cache + 300),
                             note="after every scenario above" if server == "query"
                             else ""))
    return table


def build_table(runs, extra, args):
    table = []
    write = runs.get("storage_write")
    write_sync = runs.get("storage_write_sync")
    read = runs.get("storage_read_100k")
    shape = runs.get("storage_measure_100k")
    keys_per_fact = shape["keys_per_fact"] if shape else 5.0
    if shape and shape.get("facts_per_commit"):
        # The commit-log record and the head, once per commit.
        keys_per_fact += 2.0 / shape["facts_per_commit"]

    timed = timed_row

    # -- writes --
    for streams in (1, 4):
        data = runs.get(f"ingest_stream_{streams}")
        base = runs.get(f"baseline_ingest_stream_{streams}")
        if not data:
            continue
        r = timed(f"StreamIngestFacts, {streams} stream(s)", "facts/s", data,
                  per="items", baseline_name="transport" if base else "",
                  baseline=base["items_per_s"] if base else None,
                  note="" if streams != 1 else
                  "4 batches of 1000 facts in flight per stream; p50/p99 "
                  "of batch acknowledgements; CPU per fact")
        if streams == 4:
            # Issue 14's lines: the server's CPU per fact, and more streams
            # never slower than one (two runs of a noisy machine: read the
            # rates beside the mark).
            r["target"] = "<= 40 us/fact, >= 1 stream's rate"
            cpu = r["server_cpu_us_per_op"]
            one_stream = runs.get("ingest_stream_1")
            if cpu is not None and cpu > 40:
                r["mark"] = mark(False)
            elif cpu is None or not one_stream:
                r["mark"] = mark(None)
            else:
                r["mark"] = mark(
                    data["items_per_s"] >= one_stream["items_per_s"])
        table.append(r)
        no_words = runs.get(f"ingest_stream_{streams}_no_words")
        if no_words:
            table.append(timed(f"  without the word index, {streams} stream(s)",
                               "facts/s", no_words, per="items",
                               baseline_name="with it",
                               baseline=data["items_per_s"],
                               note="" if streams != 1 else
                               "--index_words=false, a fresh store: what the "
                               "word index of quotes costs"))
        if base:
            table.append(timed(f"  transport baseline, {streams} stream(s)", "facts/s",
                               base, per="items"))
        if streams == 4:
            follower = server_cpu(data, 1)
            if follower is not None:
                table.append(row("  query service following these writes",
                                 "CPU us/fact", per_op_us(follower, data["items"]),
                                 run=data))
            if write:
                keys = data["items_per_s"] * keys_per_fact
                table.append(row(
                    "  the same as RocksDB keys", "keys/s", keys,
                    baseline_name="raw writes", baseline=write["keys_per_s"],
                    server_cpu_per_op=per_op_us(server_cpu(data),
                                                data["items"] * keys_per_fact),
                    target=">= 60% of raw keys/s",
                    mark=mark(keys >= 0.6 * write["keys_per_s"]),
                    note=f"{keys_per_fact:.3f} RocksDB keys per fact "
                         f"(storage_baseline --mode=measure)", run=data))
    data = runs.get("ingest_stream_4_sync")
    if data:
        keys = data["items_per_s"] * keys_per_fact
        table.append(row(
            "StreamIngestFacts, 4 streams, --sync", "keys/s", keys,
            p50=data["latency_ms"]["p50"], p99=data["latency_ms"]["p99"],
            baseline_name="raw writes, sync" if write_sync else "",
            baseline=write_sync["keys_per_s"] if write_sync else None,
            server_cpu_per_op=per_op_us(server_cpu(data), data["items"]),
            note=f"{data['items_per_s']:.0f} facts/s", run=data))
    data = runs.get("ingest_unary_4")
    if data:
        table.append(timed("IngestFacts, 4 calls of 1000 facts", "facts/s", data,
                           per="items"))
    if write:
        table.append(row("  raw RocksDB batched writes", "keys/s", write["keys_per_s"],
                         p50=write["batch_latency_ms"]["p50"],
                         p99=write["batch_latency_ms"]["p99"],
                         server_cpu_per_op=write["cpu_s_per_fact"]
                         / write["keys_per_fact"] * 1e6,
                         note=f"batches of {write['batch_facts']} facts' keys = "
                              f"{write['facts_per_s']:.0f} facts/s; p50/p99 of "
                              f"batch writes; CPU per key", run=write))
    if write_sync:
        table.append(row("  raw RocksDB batched writes, sync", "keys/s",
                         write_sync["keys_per_s"],
                         p50=write_sync["batch_latency_ms"]["p50"],
                         p99=write_sync["batch_latency_ms"]["p99"],
                         note=f"{write_sync['facts_per_s']:.0f} facts/s", run=write_sync))

    # -- point reads --
    for k in (1, 16, 64):
        data = runs.get(f"get_fact_{k}")
        base = runs.get(f"baseline_get_fact_{k}")
        if data:
            r = timed(f"GetFact, {k} outstanding", "calls/s", data,
                      baseline_name="transport" if base else "",
                      baseline=base["ops_per_s"] if base else None)
            if k == 16:
                r["target"] = ">= 70% of transport, p99 <= 2 ms"
                r["mark"] = mark(r["ratio"] is not None and r["ratio"] >= 0.7
                                 and r["p99_ms"] <= 2.0)
            table.append(r)
        if base:
            table.append(timed(f"  transport baseline, {k} outstanding", "calls/s", base,
                               note=f"{base['reply_bytes']}-byte replies like "
                                    f"GetFact's" if k == 1 else ""))
    for k in (1, 16, 64):
        data = runs.get(f"get_entity_{k}")
        if data:
            table.append(timed(f"GetEntity, {k} outstanding", "calls/s", data))
    data = runs.get("batch_get_facts_16")
    if data:
        base = read["point_get"]["ops_per_s"] / 100 if read else None
        r = timed("BatchGetFacts (100 ids), 16 outstanding", "calls/s", data,
                  baseline_name="raw gets/100" if base else "",
                  baseline=base, target=">= 60% of raw gets/100")
        r["mark"] = mark(r["ratio"] >= 0.6 if r["ratio"] is not None else None)
        budget = batch_get_budget(data, read)
        if budget is not None:
            r["note"] = (f"at 60% the query server could spend {budget:,.0f} us of "
                         f"CPU a call beside this load generator's")
            if r["server_cpu_us_per_op"] is not None:
                r["note"] += (f"; the query server spent "
                              f"{r['server_cpu_us_per_op']:,.0f}")
        table.append(r)
    if read:
        pg = read["point_get"]
        table.append(row("  raw RocksDB point gets, 2 threads", "gets/s",
                         pg["ops_per_s"], p50=pg["latency_ms"]["p50"],
                         p99=pg["latency_ms"]["p99"],
                         server_cpu_per_op=pg["cpu_s_per_op"] * 1e6, run=read))

    # -- lists and search --
    scan = read["range_scan"] if read else None
    for name, figure in (("list_by_subject_16", "ListFacts by subject, 16 outst."),
                         ("list_by_range_16", "ListFacts by quantity range, 16 outst.")):
        data = runs.get(name)
        if not data:
            continue
        r = timed(figure, "pages/s", data,
                  baseline_name="raw scans" if scan else "",
                  baseline=scan["ops_per_s"] if scan else None,
                  note=f"pages of 100, {data['items'] / max(1, data['ops']):.0f} "
                       f"facts/page on average")
        if name == "list_by_subject_16":
            r["target"] = ">= 20% of raw 100-key scans"
            r["mark"] = mark(r["ratio"] >= 0.2 if r["ratio"] is not None else None)
        table.append(r)
    if read:
        table.append(row("  raw RocksDB 100-key range scans, 2 thr.", "scans/s",
                         scan["ops_per_s"], p50=scan["latency_ms"]["p50"],
                         p99=scan["latency_ms"]["p99"],
                         server_cpu_per_op=scan["cpu_s_per_op"] * 1e6,
                         note="seek + 100 fact records, keys and values", run=read))
        sg = read["index_scan_then_get"]
        table.append(row("  raw 100-key index scan + 100 gets, 2 thr.", "scans/s",
                         sg["ops_per_s"], p50=sg["latency_ms"]["p50"],
                         p99=sg["latency_ms"]["p99"],
                         server_cpu_per_op=sg["cpu_s_per_op"] * 1e6,
                         note="what one ListFacts page reads from RocksDB", run=read))
    # Issue 17's reads of one subject, beside ListFacts by subject.
    by_subject = runs.get("list_by_subject_16")
    for name, figure, unit, note in (
            ("list_by_involves_16", "ListFacts involving a subject, 16 outst.",
             "pages/s", "every role; pages of 100"),
            ("aggregate_by_subject_16", "AggregateFacts of a subject, 16 outst.",
             "calls/s", "counted by predicate instead of listed"),
            ("search_facts_16", "SearchFacts for a subject's name, 16 outst.",
             "calls/s", "words of quotes, ranked; page of 20")):
        data = runs.get(name)
        if data:
            table.append(timed(figure, unit, data,
                               baseline_name="ListFacts by subject" if by_subject else "",
                               baseline=by_subject["ops_per_s"] if by_subject else None,
                               note=note))
    data = runs.get("search_prefix_16")
    if data:
        r = timed("SearchEntities prefix, 16 outstanding", "calls/s", data,
                  target="<= 100 us server CPU/call",
                  note=f"{args.search_entities:,} entities, "
                       f"{data['items'] / max(1, data['ops']):.1f} "
                       f"matches per call (page of 20)")
        cpu = r["server_cpu_us_per_op"]
        r["mark"] = mark(cpu <= 100 if cpu is not None else None)
        table.append(r)

    # -- freshness --
    for name, label in (("freshness", "idle"), ("freshness_loaded", "under load")):
        data = runs.get(name)
        if not data:
            continue
        f = data["freshness_ms"]
        m = data["min_commit_latency_ms"]
        table.append(row(f"Freshness without token, {label}", "ms (p99)", f["p99"],
                         p50=f["p50"], p99=f["p99"], target="p99 <= 50 ms",
                         mark=mark(f["p99"] <= 50 if f["count"] else None),
                         note=f"ack to visible, {f['count']} samples, polled every "
                              f"{data['poll_interval_ms']:g} ms"
                              + (", 1 ingest stream running" if label != "idle" else ""),
                         run=data))
        table.append(row(f"GetFact with min_commit, {label}", "stale", data["stale"],
                         p50=m["p50"], p99=m["p99"], target="never stale",
                         mark=mark(data["stale"] == 0 and m["count"] > 0),
                         note=f"{m['count']} reads right after the ack; p50/p99 "
                              f"latency", run=data))

    table += peer_rows(runs)
    # -- scale --
    small_facts = args.facts
    big_facts = args.scale_facts
    for name, label, target in (
            ("get_fact_16", "GetFact, 16 outstanding", ">= 80% of small store"),
            ("get_fact_64", "GetFact, 64 outstanding", ""),
            ("list_by_subject_16", "ListFacts by subject", "")):
        big = runs.get(f"{name}_scale")
        if not big:
            continue
        small = runs.get(name)
        notes = []
        if args.scale_query_cache_mb != QUERY_CACHE_MB:
            notes.append(f"query block cache {args.scale_query_cache_mb} MiB "
                         f"(at {small_facts:,} facts: {QUERY_CACHE_MB})")
        settle = extra.get("settle_scale")
        if settle:
            notes.append(f"read after the load's compactions ({settle['seconds']:.0f} s)"
                         if settle["settled"] else "read while the load's compactions ran")
        notes.append(f"{args.scale_warmup:g} s of warm-up")
        if big.get("block_cache"):
            notes.append(block_cache_note(big["block_cache"]))
            if small and small.get("block_cache"):
                notes.append(f"at {small_facts:,} facts: "
                             + block_cache_note(small["block_cache"]))
        cache_note = "; ".join(notes)
        r = timed(f"{label}, {big_facts:,} facts", "calls/s", big,
                  baseline_name=f"{small_facts:,} facts" if small else "",
                  baseline=small["ops_per_s"] if small else None, target=target,
                  note=cache_note)
        if target:
            r["mark"] = mark(r["ratio"] >= 0.8 if r["ratio"] is not None else None)
        table.append(r)
    for label, facts, query_cache_mb in (
            ("100k", small_facts, QUERY_CACHE_MB),
            ("scale", big_facts, args.scale_query_cache_mb)):
        rss = extra.get(f"rss_{label}")
        if not rss:
            continue
        for server, cache in (("query", query_cache_mb),
                              ("ingest", INGEST_CACHE_MB)):
            mib = rss[f"{server}_bytes"] / 2**20
            table.append(row(f"RSS of {server} service, {facts:,} facts", "MiB", mib,
                             baseline_name="cache+300MiB", baseline=cache + 300,
                             target="<= block cache + 300 MiB",
                             mark=mark(mib <= cache + 300)))
    pop = runs.get("populate_scale")
    if pop:
        resumed = pop.get("resumed_streams", 0)
        note = f"{pop['seconds']:.0f} s"
        if resumed:
            note += (f"; {resumed} streams the server closed at --max_connection_age "
                     f"were replaced and their unacknowledged batches sent again")
        table.append(timed(f"Populate {big_facts:,} facts, 4 streams", "facts/s", pop,
                           per="items", note=note))
    restart = extra.get("ingest_restart")
    if restart:
        table.append(row(f"Ingest restart, {restart['facts']:,} facts", "s to listen",
                         restart["start_s"],
                         note=f"SIGTERM to exit took {restart['stop_s']:.1f} s; store "
                              f"{extra.get('scale_store_bytes', 0) / 2**30:.2f} GiB"))
    return table


def peer_rows(runs):
    """Each factstore figure the issue compares with PostgreSQL 15, with the
    peer's figure as its baseline (ratio = factstore / peer), then the peer's
    own row with its latencies."""
    table = []
    comparisons = [
        # (factstore run, per, peer run, figure, unit, target, check)
        # Both index the words of quotes (factstore's word index, the
        # peer's GIN index on a tsvector column) ...
        ("ingest_stream_1", "items", "peer_insert_1",
         "vs PostgreSQL: ingest, 1 stream / 1 writer", "facts/s", "", None),
        ("ingest_stream_4", "items", "peer_insert_4",
         "vs PostgreSQL: ingest, 4 streams / 4 writers", "facts/s",
         ">= 1.0x peer", lambda fs, pg: fs["items_per_s"] >= pg["items_per_s"]),
        # ... and neither does.
        ("ingest_stream_1_no_words", "items", "peer_insert_1_no_words",
         "vs PostgreSQL: ingest, quote words not indexed, 1 stream / 1 writer",
         "facts/s", "", None),
        ("ingest_stream_4_no_words", "items", "peer_insert_4_no_words",
         "vs PostgreSQL: ingest, quote words not indexed, 4 streams / 4 writers",
         "facts/s", "", None),
        ("get_fact_1", "ops", "peer_get_1",
         "vs PostgreSQL: GetFact, 1 outstanding / 1 client", "calls/s",
         "p50 <= peer's", lambda fs, pg: fs["latency_ms"]["p50"]
         <= pg["latency_ms"]["p50"]),
        ("get_fact_16", "ops", "peer_get_16",
         "vs PostgreSQL: GetFact, 16 outstanding / 16 clients", "calls/s",
         ">= 1.5x peer", lambda fs, pg: fs["ops_per_s"] >= 1.5 * pg["ops_per_s"]),
        ("get_fact_64", "ops", "peer_get_64",
         "vs PostgreSQL: GetFact, 64 outstanding / 64 clients", "calls/s", "", None),
        ("list_by_subject_16", "ops", "peer_subject_16",
         "vs PostgreSQL: 100 facts of a subject, 16 outstanding", "pages/s",
         ">= 2x peer", lambda fs, pg: fs["ops_per_s"] >= 2 * pg["ops_per_s"]),
        ("list_by_range_16", "ops", "peer_range_16",
         "vs PostgreSQL: value range, 100 a page, 16 outstanding", "pages/s",
         "", None),
        ("search_facts_16", "ops", "peer_search_16",
         "vs PostgreSQL: SearchFacts for a subject's name, 16 outstanding",
         "calls/s", "", None),
    ]
    for fs_name, per, pg_name, figure, unit, target, check in comparisons:
        fs, pg = runs.get(fs_name), runs.get(pg_name)
        if not pg or f"{per}_per_s" not in pg:
            continue
        if fs:
            r = timed_row(figure, unit, fs, per=per, baseline_name="PostgreSQL",
                          baseline=pg[f"{per}_per_s"], target=target)
            if check:
                r["mark"] = mark(check(fs, pg))
            table.append(r)
        table.append(timed_row(f"  PostgreSQL 15 ({pg_name})", unit, pg, per=per,
                               server_cpu_per_op=None))
    copy = runs.get("peer_copy")
    if copy and "items_per_s" in copy:
        table.append(row("  PostgreSQL 15 COPY (reference)", "facts/s",
                         copy["items_per_s"], run=copy,
                         note="one COPY per table of every populated fact"))
    return table


def fmt(value, digits=None):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if digits is not None:
        return f"{value:.{digits}f}"
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    if a == 0:
        return "0"
    return f"{value:.3f}"


def print_table(table):
    headers = ["Figure", "Value", "Unit", "p50 ms", "p99 ms", "Baseline", "Ratio",
               "Srv us/op", "Cli us/op", "Target", "Mark", "Others"]
    rows = []
    for r in table:
        ratio = r["ratio"]
        rows.append([
            r["figure"], fmt(r["value"]), r["unit"], fmt(r["p50_ms"]),
            fmt(r["p99_ms"]),
            f"{fmt(r['baseline'])} {r['baseline_name']}" if r["baseline"] else "",
            "" if ratio is None else (f"{ratio * 100:.2g}%" if ratio < 0.1
                                      else f"{ratio * 100:.0f}%"),
            fmt(r["server_cpu_us_per_op"]), fmt(r["client_cpu_us_per_op"]),
            r["target"], r["mark"],
            "" if r.get("other_cores") is None else f"{r['other_cores']:.1f}"])
    widths = [max(len(h), *(len(x[i]) for x in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    print("-+-".join("-" * w for w in widths))
    for x in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(x, widths)).rstrip())
    print("\nSrv/Cli us/op: CPU microseconds per operation (per fact for ingest) of "
          "the server\nand of the load generator. Others: cores other processes kept "
          f"busy meanwhile\n(the machine is shared; above ~{DISTURBED_CORES} the "
          "figure is disturbed).")
    notes = [(r["figure"].strip(), r["note"]) for r in table if r["note"]]
    if notes:
        print("\nNotes:")
        for figure, note in notes:
            print(f"  {figure}: {note}")


# -- a comparison of two query servers ------------------------------------------

# Other processes' cores above which a round is marked as disturbed, as in the
# table's Others column.
DISTURBED_CORES = 0.3


def compare_run_name(scenario, side, round_index):
    """The name of a comparison's run of `scenario` against `side` ("A" or
    "B") in round `round_index` (0-based), as self.runs keys it."""
    return f"{scenario}_16_{side}{round_index + 1}"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def compare_figures(data):
    """One comparison run's query-server CPU per call, calls/s, p99 latency,
    load generator CPU per call, other processes' cores and data-block misses
    per call; None if the run gave no result or no calls."""
    if not data or not data.get("ops"):
        return None
    return {"server_us": per_op_us(server_cpu(data), data["ops"]),
            "calls_per_s": data["ops_per_s"],
            "p99_ms": data.get("latency_ms", {}).get("p99"),
            "client_us": per_op_us(data.get("client_cpu_s"), data["ops"]),
            "other_cores": data.get("machine", {}).get("other_cores"),
            "data_misses": (data.get("block_cache") or {}).get(
                "data_misses_per_call")}


def build_comparison(runs, scenarios, rounds):
    """Per scenario: both sides' figures by round, their medians, and B
    against A in each round (B's server CPU per call and calls/s over A's;
    None where a side gave no figure), with the medians of those ratios and
    the rounds in which B spent less. A ratio within one round is the figure
    to read: both sides of a round ran within seconds of each other."""
    comparison = []
    for scenario in scenarios:
        sides = {side: [compare_figures(runs.get(compare_run_name(scenario,
                                                                  side, r)))
                        for r in range(rounds)]
                 for side in "AB"}
        # One ratio per round, None where a side gave no figure.
        pairs = [(a, b) if a and b and a["server_us"] and b["server_us"]
                 else None for a, b in zip(sides["A"], sides["B"])]
        cpu = [None if p is None else p[1]["server_us"] / p[0]["server_us"]
               for p in pairs]
        rate = [None if p is None else p[1]["calls_per_s"] / p[0]["calls_per_s"]
                for p in pairs]
        comparison.append({
            "scenario": scenario,
            "method": COMPARE_SCENARIOS[scenario],
            "rounds": sides,
            "medians": {side: {key: median([f[key] for f in figures if f])
                               for key in ("server_us", "calls_per_s",
                                           "p99_ms", "client_us",
                                           "data_misses")}
                        for side, figures in sides.items()},
            "b_over_a_server_us": cpu,
            "b_over_a_calls_per_s": rate,
            "median_b_over_a_server_us": median(cpu),
            "median_b_over_a_calls_per_s": median(rate),
            "rounds_b_spent_less": sum(1 for x in cpu if x is not None and x < 1),
            "rounds_compared": sum(1 for p in pairs if p),
        })
    return comparison


def disturbed(figures):
    """Whether other processes kept the machine busy during a comparison
    run (compare_figures)."""
    return bool(figures) and (figures["other_cores"] or 0) > DISTURBED_CORES


def print_comparison(comparison, a, b):
    """Prints `comparison` (build_comparison), A and B described by `a`
    and `b`."""
    print(f"\nA: {a}\nB: {b}")
    width = 9

    def line(label, values, last):
        print(f"  {label:<24}" + "".join(v.rjust(width) for v in values)
              + f"  | {last}")

    for c in comparison:
        rounds = len(c["rounds"]["A"])
        print(f"\n{c['method']} ({c['scenario']}, 16 outstanding)")
        line("round", [str(r + 1) for r in range(rounds)], "median")
        for key, label in (("server_us", "server us/call"),
                           ("calls_per_s", "calls/s"), ("p99_ms", "p99 ms")):
            for side in "AB":
                cells = []
                for f in c["rounds"][side]:
                    cells.append((fmt(f[key]) if f else "-")
                                 + ("*" if disturbed(f) else ""))
                line(f"{side} {label}", cells, fmt(c["medians"][side][key]))
        for key, label in (("b_over_a_server_us", "B/A server us/call"),
                           ("b_over_a_calls_per_s", "B/A calls/s")):
            line(label, ["-" if x is None else f"{x:.2f}" for x in c[key]],
                 "-" if c[f"median_{key}"] is None
                 else f"{c[f'median_{key}']:.2f}")
        print(f"  B spent less server CPU per call in {c['rounds_b_spent_less']} "
              f"of {c['rounds_compared']} rounds")
        misses = [c["medians"][side]["data_misses"] for side in "AB"]
        if any(m is not None for m in misses):
            print(f"  data-block cache misses a call (median): A {fmt(misses[0])}, "
                  f"B {fmt(misses[1])}")
    if any(disturbed(f) for c in comparison for side in "AB"
           for f in c["rounds"][side]):
        print(f"\n*: other processes kept more than {DISTURBED_CORES} cores "
              "busy during that run; read it with care.")


# -- the plot ------------------------------------------------------------------

def plot(runs, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no plot: python3-matplotlib is not installed)")
        return False
    pop = runs.get("populate_scale")
    reads = [(name, runs[name]) for name in
             ("get_fact_1", "get_fact_16", "get_fact_64", "get_entity_16",
              "batch_get_facts_16", "list_by_subject_16", "list_by_range_16",
              "search_prefix_16", "get_fact_16_scale", "get_fact_64_scale",
              "list_by_subject_16_scale") if name in runs]
    fig, axes = plt.subplots(3, 1, figsize=(11, 12))
    if pop and pop.get("timeline"):
        # Acknowledgements come in bursts (one per group commit), so the rate
        # is averaged over a sliding window.
        timeline = pop["timeline"]
        window = 10
        t = [p["t"] for p in timeline]
        items = [p["items"] for p in timeline]
        rate = [sum(items[max(0, i - window + 1):i + 1]) / min(window, i + 1)
                for i in range(len(items))]
        axes[0].plot(t, rate, lw=1)
        axes[0].set_title(f"Populate ({pop['items']:,} facts, 4 streams): facts "
                          f"acknowledged per second, {window} s average")
        axes[0].set_xlabel("seconds")
        axes[0].set_ylabel("facts/s")
        acked = [p for p in timeline if p["items"] > 0]
        axes[1].scatter([p["t"] for p in acked], [p["p50_ms"] for p in acked],
                        s=6, label="p50")
        axes[1].scatter([p["t"] for p in acked], [p["p99_ms"] for p in acked],
                        s=6, label="p99")
        axes[1].set_yscale("log")
        axes[1].set_title("Populate: batch acknowledgement latency, per second "
                          "with acknowledgements")
        axes[1].set_xlabel("seconds")
        axes[1].set_ylabel("ms")
        axes[1].legend()
    names = [n for n, _ in reads]
    x = range(len(names))
    for key, offset in (("p50", -0.27), ("p90", 0), ("p99", 0.27)):
        axes[2].bar([i + offset for i in x],
                    [d["latency_ms"][key] for _, d in reads], width=0.27, label=key)
    axes[2].set_xticks(list(x))
    axes[2].set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    axes[2].set_yscale("log")
    axes[2].set_ylabel("ms")
    axes[2].set_title("Read latency percentiles")
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def comparing(args):
    """Whether this run compares two query servers (compare_suite)."""
    return bool(args.compare_bin or args.compare_flag)


def compared_program(args, this_bin):
    """The query server program of B: --compare-bin's, or this build's."""
    return os.path.join(os.path.abspath(args.compare_bin or this_bin),
                        "query_server")


def compared_side(args):
    """What B of a comparison is, in words."""
    program = (compared_program(args, None) if args.compare_bin
               else "this build's query server")
    flags = " ".join(args.compare_flag or ())
    return f"{program}{' with ' + flags if flags else ''}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True,
                        help="directory holding the opt binaries")
    parser.add_argument("--full", action="store_true",
                        help="also the scale run and the --sync ingest")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="run only these scenarios (repeatable); the store "
                             "is always populated")
    parser.add_argument("--facts", type=int, default=100_000,
                        help="facts in the store of the quick run")
    parser.add_argument("--scale-facts", type=int, default=10_000_000,
                        help="facts in the store of the full run's scale run")
    parser.add_argument("--search-entities", type=int, default=100_000)
    parser.add_argument("--read-seconds", type=float, default=4)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--scale-warmup", type=float, default=30,
                        help="warm-up of each read scenario on the scale store: "
                             "its first reads fill a cold block cache (at 10M "
                             "facts GetFact's rate rose over its first 30-50 s)")
    parser.add_argument("--ingest-seconds", type=float, default=8)
    parser.add_argument("--ingest-warmup", type=float, default=2)
    parser.add_argument("--write-seconds", type=float, default=10)
    parser.add_argument("--sync-seconds", type=float, default=5)
    parser.add_argument("--samples", type=int, default=200,
                        help="freshness samples without load")
    parser.add_argument("--loaded-samples", type=int, default=200,
                        help="freshness samples under ingest load")
    parser.add_argument("--sync-baseline", action="store_true",
                        help="also the raw --sync write baseline (always in --full)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the ingest server under 4 streams and the "
                             "query server under GetFact at 16 (with --full on "
                             "the scale store too), BatchGetFacts, "
                             "ListFacts by subject and SearchEntities with perf "
                             "(bench/results/profile_*.txt)")
    parser.add_argument("--progress", action="store_true",
                        help="show populate progress")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary stores (the scale store "
                             "too: about 10 GiB at 10M facts) and logs")
    parser.add_argument("--scale-query-cache-mb", type=int, default=QUERY_CACHE_MB,
                        help="the query server's --block_cache_mb in the scale "
                             "run; with a smaller --scale-facts, a cache as much "
                             "smaller stands in for the 10M run's cache misses "
                             "in minutes")
    parser.add_argument("--replicated", action="store_true",
                        help="instead of the quick run: replicated mode (a "
                             "3-node NATS JetStream cluster from "
                             "tests/python/nats_cluster.py, stream replicas 3, "
                             "one ingest and two query replicas) against "
                             "embedded mode measured the same way in the same "
                             "run: ingest at 1 and 4 streams, a joining "
                             "replica's catch-up after --facts facts, GetFact "
                             "on one and on two replicas, freshness on a "
                             "replica (bench/results/latest-replicated.json; "
                             "a few minutes)")
    parser.add_argument("--compare-bin", metavar="DIR",
                        help="instead of the quick run: compare this build's "
                             "query server (A) with DIR/query_server (B) on one "
                             "populated store, the read scenarios (or those "
                             "--scenario names) in --rounds alternating rounds "
                             "(bench/results/latest-compare.json)")
    parser.add_argument("--compare-flag", action="append", metavar="FLAG",
                        help="a flag for B's query server, after the ones both "
                             "get (repeatable; write it with '=', as in "
                             "--compare-flag=--block_cache_mb=1024); without "
                             "--compare-bin, B is this build with these flags")
    parser.add_argument("--rounds", type=int,
                        help="rounds of a comparison (5); each runs A and B "
                             "once, in turn first")
    args = parser.parse_args()
    if args.rounds is not None and not comparing(args):
        parser.error("--rounds is for a comparison (--compare-bin or "
                     "--compare-flag)")
    if args.rounds is None:
        args.rounds = 5
    if comparing(args):
        if args.full or args.replicated or args.profile:
            parser.error("--compare-bin and --compare-flag run a comparison of "
                         "their own: not with --full, --replicated or --profile")
        if args.rounds < 1:
            parser.error("--rounds must be at least 1")
        others = [s for s in args.scenario or () if s not in COMPARE_SCENARIOS]
        if others:
            parser.error(f"a comparison runs read scenarios only, not "
                         f"{', '.join(others)} (these: "
                         f"{', '.join(COMPARE_SCENARIOS)})")
        if args.compare_bin and not os.access(
                os.path.join(args.compare_bin, "query_server"), os.X_OK):
            parser.error(f"--compare-bin: no query_server program in "
                         f"{args.compare_bin}")
    if args.scale_query_cache_mb < 1:
        parser.error("--scale-query-cache-mb must be at least 1")
    if args.replicated and (args.full or args.scenario or args.profile):
        parser.error("--replicated runs a suite of its own: not with --full, "
                     "--scenario or --profile")
    if args.full:
        args.progress = True
    Bench(args).run()


if __name__ == "__main__":
    main()
