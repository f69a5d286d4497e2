#!/usr/bin/env python3
"""Soak: steady ingest with concurrent queries for a set time, then checks.

    soak.py [--minutes 5] [--rate 2000] [--query-rate 200] [--bin DIR]
    ./dev soak [--minutes N] [...]          (opt build; see ./dev help)

Starts the real ingest and query servers on a fresh store in a temporary
directory (loopback, port 0, no metrics port), then for the set duration:

  - one writer streams facts through StreamIngestFacts at a fixed rate
    (--rate facts/s in batches of --batch), recording every acknowledged fact;
  - readers make point reads (GetFact, BatchGetFacts), ListFacts scans by
    subject and by value range, entity searches and read-your-writes reads
    (min_commit of the last acknowledgement) at --query-rate calls/s;
  - three watches follow the change feed (all facts from commit 0, one
    subject, and the live tail, whose lag is measured);
  - the RSS of both servers is sampled from /proc every 2 s.

Then it checks: no call failed; every acknowledged fact is readable
(BatchGetFacts over all of them) and counted once by GetStats; the watch from
commit 0 saw each fact asserted exactly once; the resident memory of each
server after warm-up is flat: the peak over the second half of the
post-warm-up period exceeds the peak over its first half by at most
--rss-slack-mb plus --rss-slack-pct percent. Latency percentiles per
--bucket-seconds (a minute by default) go to bench/results/soak-<time>.csv,
a plot to .png (python3-matplotlib), and a summary to .json. Timing is
reported, never a failure. The run stops by itself: the load after the set
time, the checks within --check-timeout. Exit status 0 when every check
passes.
"""

import argparse
import array
import csv
import datetime
import json
import os
import random
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import monitor  # noqa: E402
import testlib  # noqa: E402

import grpc  # noqa: E402

INGEST = "factstore.v1.IngestService"
QUERY = "factstore.v1.QueryService"
PREDICATE = "soak.amount"
DOCUMENT = "doc:soak"
SUBJECTS = 1000
MB = 1 << 20

# Reader operations and their share of --query-rate.
OPERATIONS = [
    ("get_fact", 30), ("batch_get_facts", 15), ("list_by_subject", 15),
    ("list_by_range", 15), ("search_entities", 15), ("read_your_writes", 10),
]
# Every latency series of the report, in column order.
SERIES = ["ingest_ack"] + [name for name, _ in OPERATIONS] + ["watch_lag"]


def log(message):
    print(f"soak: {message}", file=sys.stderr, flush=True)


def subject_of(n):
    return f"org:soak-{n % SUBJECTS}"


def percentile(sorted_values, fraction):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index]


class Recorder:
    """Latencies and errors per series and per time bucket."""

    def __init__(self, bucket_seconds):
        self.bucket_seconds = bucket_seconds
        self.start = time.time()
        self.lock = threading.Lock()
        self.latencies = {}  # (bucket, series) -> [seconds]
        self.errors = {}     # (bucket, series) -> count
        self.error_samples = []

    def bucket(self, when=None):
        return int(((when or time.time()) - self.start) // self.bucket_seconds)

    def ok(self, series, seconds, when=None):
        with self.lock:
            self.latencies.setdefault((self.bucket(when), series), []).append(seconds)

    def error(self, series, detail):
        with self.lock:
            key = (self.bucket(), series)
            self.errors[key] = self.errors.get(key, 0) + 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{series}: {detail}")

    def total_errors(self):
        with self.lock:
            return sum(self.errors.values())

    def buckets(self):
        with self.lock:
            keys = set(self.latencies) | set(self.errors)
        return sorted({b for b, _ in keys})


class Acknowledged:
    """Every acknowledged fact: its id (16 raw bytes each, compact enough for
    hours of ingest) and its amount, which is its sequence number."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ids = bytearray()
        self.count = 0
        self.last_token = ""
        self.last_id = ""

    def add(self, ids, token):
        with self.lock:
            for fact_id in ids:
                self.ids += bytes.fromhex(fact_id[2:])
            self.count += len(ids)
            self.last_token = token
            if ids:
                self.last_id = ids[-1]

    def fact_id(self, index):
        with self.lock:
            return "f_" + self.ids[index * 16:(index + 1) * 16].hex()

    def snapshot(self):
        with self.lock:
            return self.count, self.last_token, self.last_id


class Writer(threading.Thread):
    """StreamIngestFacts at a fixed rate: batch k is sent at start + k * interval
    (at once when flow control has held the stream back). Every batch has a
    request_id of its own; when the server ends the stream with UNAVAILABLE
    (as at --max_connection_age), the writer opens a new one and first sends
    again every batch not yet acknowledged: those already committed are
    answered from their first commit, so each fact is written once."""

    def __init__(self, stubs, channel, args, acknowledged, recorder, stop):
        super().__init__(daemon=True)
        self.stubs = stubs
        self.stub = stubs.ingest_grpc.IngestServiceStub(channel)
        self.batch = args.batch
        self.interval = args.batch / args.rate
        self.acknowledged = acknowledged
        self.recorder = recorder
        self.stop = stop
        self.lock = threading.Lock()
        self.unacknowledged = {}  # batch number -> time first sent
        self.next_batch = 0
        self.start_time = None
        self.sent_facts = 0
        self.reconnects = 0
        self.failure = None

    def make_request(self, k):
        request = self.stubs.ingest.StreamIngestFactsRequest(
            compact_results=True, request_id=f"soak-batch-{k}")
        for n in range(k * self.batch, (k + 1) * self.batch):
            fact = request.facts.add(subject=subject_of(n), predicate=PREDICATE)
            fact.value.quantity.amount = str(n)
            fact.value.quantity.unit = "count"
            fact.mentions.add(document_id=DOCUMENT, quote=f"Soak fact number {n}.")
        return request

    def requests(self, stream):
        """The batches of one stream; stream["batches"][i] is the batch
        number of its i-th request. Stops once stream["over"] is set."""
        with self.lock:
            if stream["over"]:
                return
            resend = sorted(self.unacknowledged)
            stream["batches"].extend(resend)
        for k in resend:
            yield self.make_request(k)
        while not self.stop.is_set():
            due = self.start_time + self.next_batch * self.interval
            delay = due - time.time()
            if delay > 0 and self.stop.wait(delay):
                return
            with self.lock:
                if stream["over"]:
                    return
                k = self.next_batch
                self.next_batch += 1
                self.unacknowledged[k] = time.time()
                self.sent_facts += self.batch
                stream["batches"].append(k)
            yield self.make_request(k)

    def run(self):
        self.start_time = time.time()
        while True:
            stream = {"batches": [], "over": False}
            try:
                for ack in self.stub.StreamIngestFacts(self.requests(stream),
                                                       timeout=10**6):
                    now = time.time()
                    k = stream["batches"][ack.batch_index]
                    with self.lock:
                        sent = self.unacknowledged.pop(k)
                    if ack.HasField("batch_error") or ack.accepted_count != self.batch or any(
                            r.outcome != self.stubs.ingest.OUTCOME_CREATED
                            for r in ack.results):
                        self.recorder.error("ingest_ack", f"batch {k}: "
                                            f"{ack.batch_error.message or 'not all created'}")
                        continue
                    self.acknowledged.add([r.fact_id for r in ack.results], ack.commit_token)
                    self.recorder.ok("ingest_ack", now - sent, now)
                return
            except grpc.RpcError as error:
                with self.lock:
                    stream["over"] = True
                if error.code() == grpc.StatusCode.UNAVAILABLE and not self.stop.is_set():
                    self.reconnects += 1
                    continue
                if error.code() == grpc.StatusCode.CANCELLED and self.stop.is_set():
                    return
                self.failure = f"{error.code()}: {error.details()}"
                self.recorder.error("ingest_ack", self.failure)
                return


class Reader(threading.Thread):
    """Calls the query service at `rate` calls/s, the operation drawn by weight."""

    def __init__(self, stubs, address, rate, acknowledged, recorder, stop, seed):
        super().__init__(daemon=True)
        self.stubs = stubs
        self.channel = grpc.insecure_channel(
            address, options=monitor.separate_connection_options())
        self.query = stubs.query_grpc.QueryServiceStub(self.channel)
        self.interval = 1.0 / rate
        self.acknowledged = acknowledged
        self.recorder = recorder
        self.stop = stop
        self.rng = random.Random(seed)
        self.names = [name for name, _ in OPERATIONS]
        self.weights = [weight for _, weight in OPERATIONS]

    def call(self, name):
        s = self.stubs
        q = s.query
        count, token, last_id = self.acknowledged.snapshot()
        if count == 0:
            return None
        n = self.rng.randrange(count)
        # The query service follows the store: reads of acknowledged facts
        # ask for at least the commit that acknowledged them.
        options = s.types.ReadOptions(min_commit=token)
        if name == "get_fact":
            reply = self.query.GetFact(q.GetFactRequest(
                id=self.acknowledged.fact_id(n), read_options=options), timeout=30)
            return reply.fact.id
        if name == "batch_get_facts":
            ids = [self.acknowledged.fact_id(self.rng.randrange(count)) for _ in range(20)]
            reply = self.query.BatchGetFacts(q.BatchGetFactsRequest(
                ids=ids, read_options=options), timeout=30)
            if reply.missing_ids:
                raise AssertionError(f"acknowledged facts missing: {reply.missing_ids[:3]}")
            return reply
        if name == "list_by_subject":
            return self.query.ListFacts(q.ListFactsRequest(
                filter=q.FactFilter(subject=subject_of(n), predicate=PREDICATE),
                page_size=100, read_options=options), timeout=30)
        if name == "list_by_range":
            reply = self.query.ListFacts(q.ListFactsRequest(
                filter=q.FactFilter(predicate=PREDICATE, quantity_range=q.QuantityRange(
                    unit="count", min=str(n), max=str(n + 99))),
                page_size=100, read_options=options), timeout=30)
            if not reply.facts:
                raise AssertionError(f"no fact in [{n}, {n + 99}]")
            return reply
        if name == "search_entities":
            return self.query.SearchEntities(q.SearchEntitiesRequest(
                query=f"soak company {n % SUBJECTS}", page_size=20), timeout=30)
        if name == "read_your_writes":
            # The newest acknowledged fact, read at once at its commit.
            return self.query.GetFact(q.GetFactRequest(
                id=last_id, read_options=options), timeout=30)
        raise ValueError(name)

    def run(self):
        next_due = time.time()
        while not self.stop.is_set():
            delay = next_due - time.time()
            if delay > 0 and self.stop.wait(delay):
                break
            next_due = max(next_due + self.interval, time.time() - 1.0)
            name = self.rng.choices(self.names, self.weights)[0]
            started = time.time()
            try:
                if self.call(name) is not None:
                    self.recorder.ok(name, time.time() - started)
            except (grpc.RpcError, AssertionError) as error:
                detail = (f"{error.code()}: {error.details()}"
                          if isinstance(error, grpc.RpcError) else str(error))
                self.recorder.error(name, detail)
        self.channel.close()


class Watcher(threading.Thread):
    """A WatchFacts call. `amounts` marks every fact asserted (by its amount,
    which is its sequence number) and counts duplicates; `lag` records the
    time from commit to delivery."""

    def __init__(self, stubs, address, request, recorder, name, lag=False):
        super().__init__(daemon=True)
        self.stubs = stubs
        self.channel = grpc.insecure_channel(
            address, options=monitor.separate_connection_options())
        self.stub = stubs.query_grpc.QueryServiceStub(self.channel)
        self.request = request
        self.stream = self.stub.WatchFacts(request, timeout=10**6)
        self.resume_token = ""
        self.reconnects = 0
        self.closed = False
        self.recorder = recorder
        self.name = name
        self.lag = lag
        self.seen = bytearray()
        self.asserted = 0
        self.duplicates = 0
        self.resume_commit = 0
        self.cond = threading.Condition()
        self.failure = None

    def run(self):
        while self.follow():
            pass

    def follow(self):
        """Reads the current stream; returns True to read again: the server
        ended it with UNAVAILABLE, as it does to every call when a connection
        reaches --max_connection_age (docs/operations.md), and the watch
        resumes from its last resume token, as clients are told to."""
        asserted_kind = self.stubs.query.CHANGE_KIND_ASSERTED
        try:
            for response in self.stream:
                now = time.time()
                with self.cond:
                    for event in response.events:
                        if event.kind != asserted_kind:
                            continue
                        amount = int(event.fact.value.quantity.amount)
                        byte, bit = divmod(amount, 8)
                        if byte >= len(self.seen):
                            self.seen.extend(bytes(byte + 4096 - len(self.seen)))
                        if self.seen[byte] & (1 << bit):
                            self.duplicates += 1
                        self.seen[byte] |= 1 << bit
                        self.asserted += 1
                        if self.lag:
                            committed = (event.commit_time.seconds
                                         + event.commit_time.nanos / 1e9)
                            self.recorder.ok("watch_lag", max(0.0, now - committed), now)
                    self.resume_token = response.resume_token
                    position = response.resume_token.split("-")[1]
                    if "." not in position:
                        self.resume_commit = int(position)
                    self.cond.notify_all()
            return False
        except grpc.RpcError as error:
            with self.cond:
                if self.closed:
                    self.cond.notify_all()
                    return False
                if error.code() == grpc.StatusCode.UNAVAILABLE:
                    self.reconnects += 1
                    request = type(self.request)()
                    request.CopyFrom(self.request)
                    if self.resume_token:
                        request.after = self.resume_token
                    self.stream = self.stub.WatchFacts(request, timeout=10**6)
                    return True
                if error.code() != grpc.StatusCode.CANCELLED:
                    self.failure = f"{error.code()}: {error.details()}"
                    self.recorder.error("watch_lag", f"{self.name}: {self.failure}")
                self.cond.notify_all()
            return False

    def wait_for(self, commit, timeout):
        deadline = time.time() + timeout
        with self.cond:
            while self.resume_commit < commit and self.failure is None:
                if time.time() > deadline:
                    return False
                self.cond.wait(0.2)
        return self.failure is None

    def close(self):
        with self.cond:
            self.closed = True
            self.stream.cancel()
        self.channel.close()


def seed(stubs, channel):
    types = stubs.types
    ingest = stubs.ingest_grpc.IngestServiceStub(channel)
    ingest.RegisterPredicates(stubs.ingest.RegisterPredicatesRequest(predicates=[
        types.Predicate(name=PREDICATE, value_type=types.VALUE_TYPE_QUANTITY,
                        unit_dimension=types.UNIT_DIMENSION_COUNT,
                        description="Soak test amounts")]), timeout=30)
    entities = [types.Entity(id=DOCUMENT, type=types.ENTITY_TYPE_DOCUMENT,
                             name="Soak document")]
    entities += [types.Entity(id=subject_of(i), type=types.ENTITY_TYPE_ORGANIZATION,
                              name=f"Soak Company {i}", aliases=[f"SC{i}"])
                 for i in range(SUBJECTS)]
    for start in range(0, len(entities), 1000):
        ingest.UpsertEntities(stubs.ingest.UpsertEntitiesRequest(
            entities=entities[start:start + 1000]), timeout=60)


def rss_check(sampler, name, warmup, slack_mb, slack_pct):
    """Peak RSS over the first and second halves of the time after warm-up."""
    end = sampler.samples[-1][0]
    middle = warmup + (end - warmup) / 2
    early = [v[name] for t, v in sampler.samples if warmup <= t < middle]
    late = [v[name] for t, v in sampler.samples if t >= middle]
    early_peak, late_peak = max(early, default=0), max(late, default=0)
    bound = early_peak * (1 + slack_pct / 100) + slack_mb * MB
    # Least-squares slope after warm-up, MiB per minute, for the report.
    points = [(t, v[name] / MB) for t, v in sampler.samples if t >= warmup]
    slope = 0.0
    if len(points) > 2:
        mean_t = sum(t for t, _ in points) / len(points)
        mean_v = sum(v for _, v in points) / len(points)
        var = sum((t - mean_t) ** 2 for t, _ in points)
        if var > 0:
            slope = 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / var
    return {"early_peak_mb": round(early_peak / MB, 1),
            "late_peak_mb": round(late_peak / MB, 1),
            "bound_mb": round(bound / MB, 1),
            "slope_mb_per_min": round(slope, 2),
            "ok": bool(early) and bool(late) and late_peak <= bound}


def write_report(path_base, recorder, sampler, acknowledged_per_bucket, plot):
    rows = []
    for bucket in recorder.buckets():
        start = bucket * recorder.bucket_seconds
        row = {"bucket": bucket, "start_s": start}
        window = [v for t, v in sampler.samples
                  if start <= t < start + recorder.bucket_seconds]
        for name in ("ingest", "query"):
            row[f"{name}_rss_mb"] = round(max((v[name] for v in window), default=0) / MB, 1)
        row["facts_acked"] = acknowledged_per_bucket.get(bucket, 0)
        for series in SERIES:
            values = sorted(recorder.latencies.get((bucket, series), []))
            row[f"{series}_count"] = len(values)
            row[f"{series}_errors"] = recorder.errors.get((bucket, series), 0)
            for label, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
                row[f"{series}_{label}_ms"] = round(1000 * percentile(values, fraction), 2)
            row[f"{series}_max_ms"] = round(1000 * (values[-1] if values else 0), 2)
        rows.append(row)
    with open(path_base + ".csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["bucket"])
        writer.writeheader()
        writer.writerows(rows)
    if not plot:
        return None
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("python3-matplotlib is not installed: no plot")
        return None
    unit = recorder.bucket_seconds / 60
    figure, (latency, memory) = plt.subplots(2, 1, figsize=(13, 9))
    for series in SERIES:
        xs = [r["start_s"] / 60 + unit / 2 for r in rows if r[f"{series}_count"]]
        if not xs:
            continue
        line, = latency.plot(xs, [r[f"{series}_p50_ms"] for r in rows if r[f"{series}_count"]],
                             label=f"{series} p50")
        latency.plot(xs, [r[f"{series}_p99_ms"] for r in rows if r[f"{series}_count"]],
                     linestyle="--", color=line.get_color(), label=f"{series} p99")
    latency.set_yscale("log")
    latency.set_ylabel("latency, ms (log)")
    latency.set_title(f"factstore soak: latency per {recorder.bucket_seconds:g} s "
                      "(solid p50, dashed p99)")
    latency.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    latency.grid(True, which="both", alpha=0.3)
    times = [t / 60 for t, _ in sampler.samples]
    for name in ("ingest", "query"):
        memory.plot(times, [v[name] / MB for _, v in sampler.samples], label=f"{name} RSS")
    memory.set_xlabel("minutes")
    memory.set_ylabel("RSS, MiB")
    memory.set_title("resident memory of the servers")
    memory.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    memory.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path_base + ".png", dpi=100)
    plt.close(figure)
    return path_base + ".png"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="duration of the load (default 5)")
    parser.add_argument("--seconds", type=float,
                        help="duration in seconds instead of --minutes")
    parser.add_argument("--rate", type=float, default=2000, help="facts/s (default 2000)")
    parser.add_argument("--batch", type=int, default=200, help="facts per batch")
    parser.add_argument("--query-rate", type=float, default=200,
                        help="query calls/s over all readers (default 200)")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--warmup", type=float,
                        help="seconds of warm-up excluded from the memory check "
                        "(default: 40%% of the run, at most 5 minutes)")
    parser.add_argument("--rss-slack-mb", type=float, default=48)
    parser.add_argument("--rss-slack-pct", type=float, default=10)
    parser.add_argument("--block-cache-mb", type=int, default=64,
                        help="--block_cache_mb of both servers (default 64)")
    parser.add_argument("--bucket-seconds", type=float,
                        help="width of the latency buckets (default 60, or a tenth "
                        "of a run shorter than 3 minutes)")
    parser.add_argument("--bin", help="directory holding ingest_server and query_server "
                        "(default: Bazel runfiles or bazel-bin)")
    parser.add_argument("--out", help="directory for soak-<time>.{csv,png,json} "
                        "(default: bench/results)")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--connection-age", type=float, default=0,
                        help="seconds: run both servers with this "
                        "--max_connection_age (and 1 s of grace), so that the "
                        "ingest stream and the watches must resume; each must "
                        "resume at least once (default: the servers' own 10 min)")
    parser.add_argument("--check-timeout", type=float, default=900,
                        help="longest time the final checks may take, s")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    duration = args.seconds if args.seconds is not None else args.minutes * 60
    if os.environ.get("ASAN_OPTIONS") or os.environ.get("TSAN_OPTIONS"):
        # Sanitizer builds hold freed memory in quarantine for a while.
        args.rss_slack_mb *= 4
    warmup = args.warmup if args.warmup is not None else min(300.0, duration * 0.4)
    bucket = args.bucket_seconds or (60.0 if duration >= 180 else max(5.0, duration / 10))
    if args.bin:
        testlib.INGEST_BINARY = os.path.join(args.bin, "ingest_server")
        testlib.QUERY_BINARY = os.path.join(args.bin, "query_server")
    elif not os.path.exists(testlib.INGEST_BINARY):
        bazel_bin = os.path.join(testlib.ROOT, "bazel-bin")
        testlib.INGEST_BINARY = os.path.join(bazel_bin, "ingest_service", "ingest_server")
        testlib.QUERY_BINARY = os.path.join(bazel_bin, "query_service", "query_server")
    out_dir = args.out or os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or os.path.join(
        testlib.ROOT, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path_base = os.path.join(out_dir, f"soak-{stamp}")

    stubs = testlib.generate_stubs()
    work = testlib.temp_dir("soak-")
    data_dir = os.path.join(work, "data")
    cache = f"--block_cache_mb={args.block_cache_mb}"
    log(f"{duration:g} s at {args.rate:g} facts/s and {args.query_rate:g} queries/s; "
        f"store in {data_dir}")
    age = ([f"--max_connection_age={args.connection_age:g}s",
            "--max_connection_age_grace=1s"] if args.connection_age else [])
    ingest = testlib.ServerProcess.ingest(data_dir, cache, *age).start()
    query = None
    failures = []
    summary = {"duration_s": duration, "rate_facts_per_s": args.rate,
               "query_rate_per_s": args.query_rate, "warmup_s": warmup,
               "bucket_s": bucket, "ingest_binary": testlib.INGEST_BINARY}
    try:
        ingest_channel = grpc.insecure_channel(ingest.address)
        if not testlib.wait_serving(ingest_channel, INGEST):
            raise RuntimeError("the ingest server is not serving")
        seed(stubs, ingest_channel)
        query = testlib.ServerProcess.query(data_dir, cache, *age).start()
        if not testlib.wait_serving(grpc.insecure_channel(query.address), QUERY):
            raise RuntimeError("the query server is not serving")
        query_channel = grpc.insecure_channel(
            query.address, options=monitor.separate_connection_options())
        query_stub = stubs.query_grpc.QueryServiceStub(query_channel)
        store_id = query_stub.GetStats(stubs.query.GetStatsRequest(),
                                       timeout=10).commit_token.split("-")[0]

        recorder = Recorder(bucket)
        acknowledged = Acknowledged()
        stop = threading.Event()
        q = stubs.query
        watchers = [
            Watcher(stubs, query.address, q.WatchFactsRequest(
                after=f"{store_id}-0", predicate_prefix="soak.", heartbeat_ms=1000),
                recorder, "from commit 0"),
            Watcher(stubs, query.address, q.WatchFactsRequest(
                subject=subject_of(0), heartbeat_ms=1000), recorder, "one subject"),
            Watcher(stubs, query.address, q.WatchFactsRequest(heartbeat_ms=1000),
                    recorder, "live tail", lag=True),
        ]
        writer = Writer(stubs, ingest_channel, args, acknowledged, recorder, stop)
        readers = [Reader(stubs, query.address, args.query_rate / args.readers,
                          acknowledged, recorder, stop, seed=i)
                   for i in range(args.readers)]
        sampler = monitor.RssSampler({"ingest": ingest.process.pid,
                                      "query": query.process.pid}, interval=2.0)
        acked_per_bucket = {}
        with sampler:
            recorder.start = sampler._start
            for thread in watchers + [writer] + readers:
                thread.start()
            end = time.time() + duration
            last_report = time.time()
            previous = 0
            while time.time() < end:
                time.sleep(min(1.0, max(0.0, end - time.time())))
                count, _, _ = acknowledged.snapshot()
                b = recorder.bucket()
                acked_per_bucket[b] = acked_per_bucket.get(b, 0) + count - previous
                previous = count
                if time.time() - last_report >= 30:
                    last_report = time.time()
                    rss = sampler.samples[-1][1]
                    log(f"{time.time() - recorder.start:5.0f} s: {count} facts acknowledged, "
                        f"{recorder.total_errors()} errors, RSS ingest "
                        f"{rss['ingest'] // MB} MiB, query {rss['query'] // MB} MiB")
                if writer.failure:
                    break
            stop.set()
            writer.join(timeout=60)
            for reader in readers:
                reader.join(timeout=60)

        # The checks, each bounded in time.
        check_deadline = time.time() + args.check_timeout
        count, token, _ = acknowledged.snapshot()
        summary["facts_sent"] = writer.sent_facts
        summary["ingest_reconnects"] = writer.reconnects
        if args.connection_age and writer.reconnects == 0:
            failures.append("the ingest stream never resumed, although "
                            "connections aged out")
        summary["facts_acknowledged"] = count
        summary["achieved_rate_facts_per_s"] = round(count / duration, 1)
        if writer.failure:
            failures.append(f"the ingest stream failed: {writer.failure}")
        if count == 0:
            failures.append("nothing was acknowledged")
        options = stubs.types.ReadOptions(min_commit=token) if token else None
        stats = query_stub.GetStats(q.GetStatsRequest(read_options=options), timeout=60)
        summary["fact_count"] = stats.fact_count
        if stats.fact_count != count:
            failures.append(f"GetStats counts {stats.fact_count} facts, "
                            f"{count} were acknowledged")
        unreadable = 0
        started = time.time()
        for start in range(0, count, 1000):
            if time.time() > check_deadline:
                failures.append(f"reading every acknowledged fact took longer than "
                                f"{args.check_timeout:g} s")
                break
            ids = [acknowledged.fact_id(i) for i in range(start, min(count, start + 1000))]
            reply = query_stub.BatchGetFacts(q.BatchGetFactsRequest(
                ids=ids, read_options=options), timeout=60)
            unreadable += len(reply.missing_ids)
        summary["read_back_seconds"] = round(time.time() - started, 1)
        if unreadable:
            failures.append(f"{unreadable} acknowledged facts are not readable")
        head = int(token.split("-")[1]) if token else 0
        for watcher in watchers:
            if not watcher.wait_for(head, max(10.0, check_deadline - time.time())):
                failures.append(f"watch {watcher.name} did not reach commit {head}: "
                                f"{watcher.failure}")
        whole = watchers[0]
        with whole.cond:
            summary["watch_asserted"] = whole.asserted
            summary["watch_reconnects"] = {w.name: w.reconnects for w in watchers}
            if args.connection_age:
                for watcher in watchers:
                    if watcher.reconnects == 0:
                        failures.append(f"watch {watcher.name} never resumed, "
                                        f"although connections aged out")
            if whole.duplicates:
                failures.append(f"the watch from commit 0 saw {whole.duplicates} "
                                f"facts twice")
            if whole.asserted != count:
                failures.append(f"the watch from commit 0 saw {whole.asserted} facts "
                                f"asserted, {count} were acknowledged")
        one = watchers[1]
        expected = len(range(0, count, SUBJECTS))
        with one.cond:
            if one.asserted != expected:
                failures.append(f"the watch on {subject_of(0)} saw {one.asserted} facts, "
                                f"expected {expected}")
        for watcher in watchers:
            watcher.close()
        if recorder.total_errors():
            failures.append(f"{recorder.total_errors()} calls failed, e.g. "
                            f"{recorder.error_samples[:5]}")

        summary["rss"] = {}
        for name in ("ingest", "query"):
            check = rss_check(sampler, name, warmup, args.rss_slack_mb, args.rss_slack_pct)
            summary["rss"][name] = check
            if not check["ok"]:
                failures.append(f"{name} RSS grew after warm-up: {check}")
        overall = {}
        for series in SERIES:
            values = sorted(v for (b, s), vs in recorder.latencies.items()
                            if s == series for v in vs)
            overall[series] = {"count": len(values),
                               "p50_ms": round(1000 * percentile(values, 0.5), 2),
                               "p99_ms": round(1000 * percentile(values, 0.99), 2),
                               "max_ms": round(1000 * (values[-1] if values else 0), 2)}
        summary["latency"] = overall
        plot = write_report(path_base, recorder, sampler, acked_per_bucket,
                            not args.no_plot)
        summary["csv"] = path_base + ".csv"
        summary["png"] = plot
        query_channel.close()
        ingest_channel.close()
    finally:
        codes = []
        if query is not None:
            codes.append(("query", query.stop()))
        codes.append(("ingest", ingest.stop()))
        for name, code in codes:
            if code != 0:
                failures.append(f"the {name} server exited with {code}")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary["failures"] = failures
    summary["passed"] = not failures
    with open(path_base + ".json", "w") as out:
        json.dump(summary, out, indent=2)
    print(json.dumps(summary, indent=2))
    log(("PASSED" if not failures else "FAILED: " + "; ".join(failures))
        + f" (report: {path_base}.csv)")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
