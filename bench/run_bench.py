#!/usr/bin/env python3
"""Runs the factstore benchmarks and prints one table (bench/README.md).

./dev bench builds the binaries with --config=opt, copies them to a temporary
directory and runs this script with --bin pointing there:

  run_bench.py --bin DIR                 quick run (a few minutes)
  run_bench.py --bin DIR --full          also the scale run (10M facts)
  run_bench.py --bin DIR --scenario get_fact --scenario freshness

It starts the real ingest and query servers on a fresh store in a temporary
directory, the transport baseline server next to them, runs the load
generator once per scenario, then the storage baseline on the same data, and
compares each figure with its baseline measured in the same run. Results go to
bench/results/latest.json (and latest.png for --full). Nothing fails on
timing: targets are marked pass or MISS for information.

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
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")

# Block caches of the servers (their --block_cache_mb defaults), for the RSS
# target.
INGEST_CACHE_MB = 128
QUERY_CACHE_MB = 256

# Every scenario --scenario accepts, in the order a full suite runs them.
SCENARIOS = [
    "get_fact", "get_entity", "batch_get_facts", "list_by_subject",
    "list_by_range", "search_prefix", "ingest_stream", "ingest_unary",
    "freshness", "storage",
]


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """User + system CPU seconds of `pid` from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return -1


class Server:
    """One server process with its log file."""

    def __init__(self, name, argv, port, logs, env=None):
        self.name = name
        self.env = env
        self.argv = argv
        self.port = port
        self.log_path = os.path.join(logs, f"{name}.log")
        self.process = None

    def start(self):
        log_file = open(self.log_path, "ab")
        started = time.monotonic()
        self.process = subprocess.Popen(self.argv, stdout=log_file,
                                        stderr=subprocess.STDOUT, env=self.env)
        self.process.log_path = self.log_path
        wait_for_port(self.port, self.process, self.name)
        return time.monotonic() - started

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
        self.failures = []
        # Whatever the programs put in $TMPDIR goes away with the work
        # directory.
        self.env = dict(os.environ, TMPDIR=self.work)
        self.shape = None
        self.seed, self.subjects, self.documents, self.facts = 1, 1000, 5000, 0

    # -- processes ---------------------------------------------------------

    def program(self, name):
        return os.path.join(self.bin, name)

    def start_cluster(self, store, sync=False):
        """Starts ingest, query and the transport baseline on `store`."""
        ports = [free_port() for _ in range(3)]
        self.ingest_addr = f"127.0.0.1:{ports[0]}"
        self.query_addr = f"127.0.0.1:{ports[1]}"
        self.baseline_addr = f"127.0.0.1:{ports[2]}"
        self.store = store
        self.ingest = Server("ingest", [
            self.program("ingest_server"), f"--listen={self.ingest_addr}",
            f"--data_dir={store}", f"--sync={'true' if sync else 'false'}",
            "--log_level=warning"], ports[0], self.logs, self.env)
        self.query = Server("query", [
            self.program("query_server"), f"--listen={self.query_addr}",
            f"--data_dir={store}", "--log_level=warning",
            f"--secondary_dir={os.path.join(self.work, 'secondary-' + str(ports[1]))}"],
            ports[1], self.logs, self.env)
        self.baseline = Server("baseline", [
            self.program("transport_baseline_server"),
            f"--listen={self.baseline_addr}"], ports[2], self.logs, self.env)
        for server in (self.ingest, self.query, self.baseline):
            server.start()
            self.servers.append(server)

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
        servers = [s for s in self.servers if s.process.poll() is None]
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
             show_stderr=False):
        argv = [self.program("load_generator"), f"--scenario={scenario}",
                f"--target={target}", f"--ingest={self.ingest_addr}",
                f"--query={self.query_addr}", f"--baseline={self.baseline_addr}",
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

    def populate(self, label, facts, subjects, documents, timeline=False):
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
                  pids=[self.ingest.pid, self.query.pid],
                  show_stderr=self.args.progress)

    def read_scenarios(self, suffix, quick_levels=True):
        q = [self.query.pid]
        w = self.timed(self.args.warmup, self.args.read_seconds)
        levels = [1, 16, 64] if quick_levels else [16, 64]
        ids = f"--ids_in={self.ids}"
        if self.wanted("get_fact"):
            for k in levels:
                run = lambda: self.load(f"get_fact_{k}{suffix}", "get_fact", ids,
                                        f"--outstanding={k}", *w, pids=q)
                if k == 16 and suffix == "":
                    self.profiled("get_fact_16", self.query.pid, self.args.warmup,
                                  self.args.read_seconds, run)
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
            self.load("batch_get_facts_16", "batch_get_facts", ids,
                      "--outstanding=16", *w, pids=q)
        if self.wanted("list_by_subject"):
            self.load(f"list_by_subject_16{suffix}", "list_by_subject",
                      "--outstanding=16", *w, pids=q)
        if self.wanted("list_by_range") and suffix == "":
            self.load("list_by_range_16", "list_by_range", f"--facts={self.facts}",
                      "--outstanding=16", *w, pids=q)
        if self.wanted("search_prefix") and suffix == "":
            self.load("load_entities", "load_entities",
                      f"--search_entities={self.args.search_entities}",
                      "--outstanding=2")
            self.load("search_prefix_16", "search_prefix",
                      f"--search_entities={self.args.search_entities}",
                      "--outstanding=16", *w, pids=q)

    def ingest_scenarios(self):
        both = [self.ingest.pid, self.query.pid]
        w = self.timed(self.args.ingest_warmup, self.args.ingest_seconds)
        if self.wanted("ingest_stream"):
            for streams, first in ((1, 10_000_000), (4, 20_000_000)):
                run = lambda: self.load(
                    f"ingest_stream_{streams}", "ingest_stream",
                    f"--streams={streams}", f"--first_index={first}", *w,
                    pids=both)
                if streams == 4:
                    self.profiled("ingest_stream_4", self.ingest.pid,
                                  self.args.ingest_warmup, self.args.ingest_seconds,
                                  run)
                else:
                    run()
            real = self.runs.get("ingest_stream_4", {})
            bw = self.timed(1, self.args.read_seconds)
            for streams in (1, 4):
                self.load(f"baseline_ingest_stream_{streams}", "ingest_stream",
                          f"--streams={streams}",
                          f"--ack_bytes={real.get('ack_bytes', 0)}", *bw,
                          pids=[self.baseline.pid], target="baseline")
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
        with open(out, "w") as f:
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

    def quick_suite(self):
        store = os.path.join(self.work, "store-100k")
        self.start_cluster(store)
        facts = self.args.facts
        self.populate("100k", facts, max(1000, facts // 100),
                      max(5000, facts // 20))
        self.read_scenarios("")
        self.record_rss("100k")
        self.stop_all()
        # Raw reads of the same data, with nothing else running.
        self.storage_read_baseline("100k")
        # Writes: restarted on the same store.
        if any(self.wanted(s) for s in ("ingest_stream", "ingest_unary", "freshness")):
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

    def scale_suite(self):
        facts = self.args.scale_facts
        label = "scale"
        store = os.path.join(self.work, "store-scale")
        self.start_cluster(store)
        log(f"scale run: populating {facts} facts (this takes a while)")
        self.populate(label, facts, max(1000, facts // 100),
                      max(5000, facts // 20), timeline=True)
        self.record_rss("scale_loaded")
        self.read_scenarios("_scale", quick_levels=False)
        self.record_rss("scale")
        stopped, started = self.restart_ingest()
        self.extra["ingest_restart"] = {"stop_s": stopped, "start_s": started,
                                        "facts": facts}
        log(f"ingest restart on {facts} facts: stop {stopped:.2f} s, "
            f"start {started:.2f} s")
        self.stop_all()
        self.extra["scale_store_bytes"] = dir_bytes(store)
        shutil.rmtree(store, ignore_errors=True)

    def run(self):
        started = datetime.datetime.now().astimezone()
        try:
            self.quick_suite()
            if self.args.full:
                self.scale_suite()
        finally:
            self.stop_all()
        table = build_table(self.runs, self.extra, self.args)
        result = {
            "mode": "full" if self.args.full else "quick",
            "started": started.isoformat(timespec="seconds"),
            "seconds": (datetime.datetime.now().astimezone() - started).total_seconds(),
            "machine": machine(),
            "settings": {k: v for k, v in vars(self.args).items() if k != "bin"},
            "table": table,
            "missed": [r["figure"] for r in table if r["mark"] == "MISS"],
            "failures": self.failures,
            "extra": self.extra,
            "runs": self.runs,
        }
        os.makedirs(RESULTS, exist_ok=True)
        path = os.path.join(RESULTS, "latest.json")
        with open(path, "w") as f:
            json.dump(result, f, indent=1)
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

    def timed(figure, unit, data, *, value=None, per="ops", **kw):
        """A row for a load generator run: its rate, latency and CPU."""
        count = data[per]
        kw.setdefault("server_cpu_per_op", per_op_us(server_cpu(data), count))
        kw.setdefault("client_cpu_per_op", per_op_us(data.get("client_cpu_s"), count))
        return row(figure, unit,
                   value if value is not None else data[f"{per}_per_s"],
                   p50=data["latency_ms"]["p50"], p99=data["latency_ms"]["p99"],
                   run=data, **kw)

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
            r["target"] = ">= 60,000 facts/s"
            r["mark"] = mark(data["items_per_s"] >= 60000)
        table.append(r)
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
                    target=">= 50% of raw keys/s",
                    mark=mark(keys >= 0.5 * write["keys_per_s"]),
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
        table.append(timed("BatchGetFacts (100 ids), 16 outstanding", "calls/s", data,
                           baseline_name="raw gets/100" if base else "",
                           baseline=base))
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
                  target=">= 40% of raw 100-key scans",
                  note=f"pages of 100, {data['items'] / max(1, data['ops']):.0f} "
                       f"facts/page on average")
        r["mark"] = mark(r["ratio"] >= 0.4 if r["ratio"] is not None else None)
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
    data = runs.get("search_prefix_16")
    if data:
        table.append(timed("SearchEntities prefix, 16 outstanding", "calls/s", data,
                           note=f"{args.search_entities:,} entities, "
                                f"{data['items'] / max(1, data['ops']):.1f} "
                                f"matches per call (page of 20)"))

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
        r = timed(f"{label}, {big_facts:,} facts", "calls/s", big,
                  baseline_name=f"{small_facts:,} facts" if small else "",
                  baseline=small["ops_per_s"] if small else None, target=target)
        if target:
            r["mark"] = mark(r["ratio"] >= 0.8 if r["ratio"] is not None else None)
        table.append(r)
    for label, facts in (("100k", small_facts), ("scale", big_facts)):
        rss = extra.get(f"rss_{label}")
        if not rss:
            continue
        for server, cache in (("query", QUERY_CACHE_MB), ("ingest", INGEST_CACHE_MB)):
            mib = rss[f"{server}_bytes"] / 2**20
            table.append(row(f"RSS of {server} service, {facts:,} facts", "MiB", mib,
                             baseline_name="cache+300MiB", baseline=cache + 300,
                             target="<= block cache + 300 MiB",
                             mark=mark(mib <= cache + 300)))
    pop = runs.get("populate_scale")
    if pop:
        table.append(timed(f"Populate {big_facts:,} facts, 4 streams", "facts/s", pop,
                           per="items", note=f"{pop['seconds']:.0f} s"))
    restart = extra.get("ingest_restart")
    if restart:
        table.append(row(f"Ingest restart, {restart['facts']:,} facts", "s to listen",
                         restart["start_s"],
                         note=f"SIGTERM to exit took {restart['stop_s']:.1f} s; store "
                              f"{extra.get('scale_store_bytes', 0) / 2**30:.2f} GiB"))
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
          "busy meanwhile\n(the machine is shared; above ~0.3 the figure is "
          "disturbed).")
    notes = [(r["figure"].strip(), r["note"]) for r in table if r["note"]]
    if notes:
        print("\nNotes:")
        for figure, note in notes:
            print(f"  {figure}: {note}")


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
    parser.add_argument("--ingest-seconds", type=float, default=8)
    parser.add_argument("--ingest-warmup", type=float, default=2)
    parser.add_argument("--write-seconds", type=float, default=10)
    parser.add_argument("--sync-seconds", type=float, default=5)
    parser.add_argument("--samples", type=int, default=200,
                        help="freshness samples without load")
    parser.add_argument("--loaded-samples", type=int, default=40,
                        help="freshness samples under ingest load")
    parser.add_argument("--sync-baseline", action="store_true",
                        help="also the raw --sync write baseline (always in --full)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the ingest server under 4 streams and the "
                             "query server under GetFact with perf "
                             "(bench/results/profile_*.txt)")
    parser.add_argument("--progress", action="store_true",
                        help="show populate progress")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary stores and logs")
    args = parser.parse_args()
    if args.full:
        args.progress = True
    Bench(args).run()


if __name__ == "__main__":
    main()
