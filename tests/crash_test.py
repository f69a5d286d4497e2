"""Crash durability: the ingest service killed with SIGKILL while it writes.

Writers stream batches of distinct facts through StreamIngestFacts (a few
batches in flight per stream, two streams) and record every acknowledged
batch: its fact ids and commit token. The ingest process is killed with
SIGKILL at a random moment, restarted on the same data directory, and after
every restart the store must hold:

  - every acknowledged fact, exactly once (BatchGetFacts, GetFact, a full
    ListFacts scan of the predicate, GetStats' fact count);
  - its index entries: each batch has a subject of its own and amounts of its
    own, so ListFacts by subject and by value range find exactly its facts;
  - its commit-log record: a WatchFacts from commit 0 delivers each fact as
    ASSERTED exactly once;
  - no half batch: every batch sent, acknowledged or not, is either entirely
    present or entirely absent.

A query server follows the store through all of it: it must answer health
checks and reads while the ingest service is down, and see the final state
after the restarts (also through one watch kept open from the start).

The same test runs without and with --sync, and in replicated mode
(replication/README.md): a 3-node NATS JetStream cluster on loopback holds
the commit log (3 replicas), the ingest server keeps its own store as a view
of it and is restarted on that directory after each kill (it catches up with
the log and takes the leader lease again once the killed process's lease has
expired: --leader_lease=2s), and the query server is a replica with a
directory of its own, built from the log. There an acknowledgement means the
log's quorum and the ingest's store have the batch; the checks are the same,
at the leader's head once it leads again, and at the end the ingest server's
own store (read as an embedded store once it stopped) must pass them too.

SIGKILL ends the process but not the machine: the operating system keeps
what was written to the page cache, so this covers process crashes, not
power loss (docs/durability.md). With strace installed, a further test
counts the WAL fsyncs --sync makes per commit (embedded mode).

Run by hand through ./dev crash [FLAGS] (optimized servers), or with
/usr/bin/python3 tests/crash_test.py --bin DIR [FLAGS]:

    crash_test.py                       3 rounds per mode (the quick suite)
    crash_test.py CrashDurabilityTest.test_crash_replicated
                                        one mode (unittest names)
    crash_test.py --rounds=20           the long run (or FACTSTORE_CRASH_ROUNDS)
    crash_test.py --seed=N              replay the kill times of a run
    crash_test.py --restart-benchmark [--facts=1000000]
        loads a store through the stream and times restarts (not a test)
"""

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import nats_cluster  # noqa: E402
import testlib  # noqa: E402

import grpc  # noqa: E402

INGEST = "factstore.v1.IngestService"
QUERY = "factstore.v1.QueryService"
PREDICATE = "crash.amount"
DOCUMENT = "doc:crash-test"
# Batch g holds the amounts [g * AMOUNT_STRIDE, g * AMOUNT_STRIDE + size).
AMOUNT_STRIDE = 1000
MIN_BATCH, MAX_BATCH = 100, 500
STREAMS = 2          # concurrent StreamIngestFacts calls
WINDOW = 3           # unacknowledged batches per stream
SUBJECTS_PER_ROUND = 1000  # batches a round may send (subjects upserted first)

OPTIONS = {"rounds": int(os.environ.get("FACTSTORE_CRASH_ROUNDS", "3")),
           "seed": os.environ.get("FACTSTORE_CRASH_SEED")}


def subject_of(batch):
    return f"org:crash-{batch:06d}"


def token_commit(token):
    """The commit of a commit token or whole-commit resume token, and whether
    it names a whole commit ("<store>-<commit>" rather than "...<commit>.<n>")."""
    _, position = token.split("-")
    commit, dot, _ = position.partition(".")
    return int(commit), not dot


def serving_commit(server):
    """The head commit token the ingest server logged when it started."""
    for entry in server.log_entries():
        if entry.get("msg") == "serving":
            return entry["commit"]
    raise AssertionError("the ingest server logged no head commit")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def seed_registry(stubs, channel):
    types = stubs.types
    ingest = stubs.ingest_grpc.IngestServiceStub(channel)
    ingest.RegisterPredicates(stubs.ingest.RegisterPredicatesRequest(predicates=[
        types.Predicate(name=PREDICATE, value_type=types.VALUE_TYPE_QUANTITY,
                        unit_dimension=types.UNIT_DIMENSION_COUNT,
                        description="Crash test amounts")]), timeout=30)
    ingest.UpsertEntities(stubs.ingest.UpsertEntitiesRequest(entities=[
        types.Entity(id=DOCUMENT, type=types.ENTITY_TYPE_DOCUMENT,
                     name="Crash test document")]), timeout=30)


def upsert_subjects(stubs, channel, first, count):
    types = stubs.types
    ingest = stubs.ingest_grpc.IngestServiceStub(channel)
    for start in range(first, first + count, 1000):
        end = min(first + count, start + 1000)
        reply = ingest.UpsertEntities(stubs.ingest.UpsertEntitiesRequest(
            entities=[types.Entity(id=subject_of(g), type=types.ENTITY_TYPE_ORGANIZATION,
                                   name=f"Crash subject {g}")
                      for g in range(start, end)]), timeout=60)
        rejected = [r.error.message for r in reply.results
                    if r.outcome == stubs.ingest.OUTCOME_REJECTED]
        assert not rejected, rejected


def make_batch(stubs, batch, size):
    request = stubs.ingest.StreamIngestFactsRequest(compact_results=True)
    subject = subject_of(batch)
    for j in range(size):
        fact = request.facts.add(subject=subject, predicate=PREDICATE)
        fact.value.quantity.amount = str(batch * AMOUNT_STRIDE + j)
        fact.value.quantity.unit = "count"
        fact.mentions.add(document_id=DOCUMENT, quote=f"batch {batch} fact {j}")
    return request


class Ledger:
    """What the writers sent and what the server acknowledged, across rounds."""

    def __init__(self, rng):
        self.rng = rng
        self.lock = threading.Lock()
        self.next_batch = 0
        self.limit = 0        # subjects exist for batches below this
        self.sent = {}        # batch -> size
        self.acked = {}       # batch -> (fact ids, commit token)
        self.errors = []      # what went wrong in the writers

    def allocate(self):
        with self.lock:
            if self.next_batch >= self.limit:
                return None, 0
            batch = self.next_batch
            self.next_batch += 1
            size = self.rng.randint(MIN_BATCH, MAX_BATCH)
            self.sent[batch] = size
            return batch, size

    def acked_ids(self):
        with self.lock:
            return [i for ids, _ in self.acked.values() for i in ids]


class Writer(threading.Thread):
    """One StreamIngestFacts call with at most WINDOW batches unacknowledged."""

    def __init__(self, stubs, channel, ledger, stop):
        super().__init__(daemon=True)
        self.stubs = stubs
        self.stub = stubs.ingest_grpc.IngestServiceStub(channel)
        self.ledger = ledger
        self.stop = stop
        self.batches = []         # stream index -> batch
        self.cond = threading.Condition()
        self.outstanding = 0
        self.end_code = None

    def requests(self):
        while not self.stop.is_set():
            with self.cond:
                while self.outstanding >= WINDOW and not self.stop.is_set():
                    self.cond.wait(0.05)
            if self.stop.is_set():
                return
            batch, size = self.ledger.allocate()
            if batch is None:       # no subject left this round: idle until killed
                self.stop.wait()
                return
            request = make_batch(self.stubs, batch, size)
            with self.cond:
                self.batches.append(batch)
                self.outstanding += 1
            yield request

    def run(self):
        ingest = self.stubs.ingest
        try:
            for ack in self.stub.StreamIngestFacts(self.requests(), timeout=120):
                batch = self.batches[ack.batch_index]
                size = self.ledger.sent[batch]
                ids = [r.fact_id for r in ack.results]
                problem = None
                if ack.HasField("batch_error"):
                    problem = f"batch error {ack.batch_error.message}"
                elif ack.accepted_count != size or len(ids) != size:
                    problem = f"accepted {ack.accepted_count} of {size}"
                elif any(r.outcome != ingest.OUTCOME_CREATED for r in ack.results):
                    problem = "a fact was not CREATED"
                elif len(set(ids)) != size:
                    problem = "duplicate fact ids"
                with self.ledger.lock:
                    if problem:
                        self.ledger.errors.append(f"batch {batch}: {problem}")
                    self.ledger.acked[batch] = (ids, ack.commit_token)
                with self.cond:
                    self.outstanding -= 1
                    self.cond.notify_all()
            self.end_code = grpc.StatusCode.OK
        except grpc.RpcError as error:
            self.end_code = error.code()


class Prober(threading.Thread):
    """Asks the query server for its health and stats every few milliseconds
    for the whole test and records every failure."""

    def __init__(self, stubs, channel):
        super().__init__(daemon=True)
        self.stubs = stubs
        self.health = stubs.health_grpc.HealthStub(channel)
        self.query = stubs.query_grpc.QueryServiceStub(channel)
        self.done = threading.Event()
        self.calls = 0
        self.failures = []

    def run(self):
        s = self.stubs
        while not self.done.wait(0.02):
            try:
                reply = self.health.Check(s.health.HealthCheckRequest(service=QUERY),
                                          timeout=5)
                if reply.status != s.health.HealthCheckResponse.SERVING:
                    self.failures.append(f"health {reply.status}")
                self.query.GetStats(s.query.GetStatsRequest(), timeout=5)
                self.calls += 1
            except grpc.RpcError as error:
                self.failures.append(f"{error.code()}: {error.details()}")
            except ValueError:  # the channel was closed: the run is over
                return


class Watcher(threading.Thread):
    """One WatchFacts from commit 0, kept open through every restart."""

    def __init__(self, stubs, channel, after):
        super().__init__(daemon=True)
        self.stream = stubs.query_grpc.QueryServiceStub(channel).WatchFacts(
            stubs.query.WatchFactsRequest(after=after, predicate_prefix="crash.",
                                          heartbeat_ms=100), timeout=3600)
        self.asserted = collections.Counter()
        self.other_events = 0
        self.position = (0, True)
        self.error = None
        self.cond = threading.Condition()
        self.kind_asserted = stubs.query.CHANGE_KIND_ASSERTED

    def run(self):
        try:
            for response in self.stream:
                with self.cond:
                    for event in response.events:
                        if event.kind == self.kind_asserted:
                            self.asserted[event.fact.id] += 1
                        else:
                            self.other_events += 1
                    self.position = token_commit(response.resume_token)
                    self.cond.notify_all()
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                self.error = f"{error.code()}: {error.details()}"
            with self.cond:
                self.cond.notify_all()

    def wait_for(self, commit, timeout=60):
        deadline = time.time() + timeout
        with self.cond:
            while not (self.position[1] and self.position[0] >= commit):
                if self.error or time.time() > deadline:
                    return False
                self.cond.wait(0.1)
        return True


def replay_watch(stubs, query, store_id, head):
    """ASSERTED events of a WatchFacts from commit 0 up to commit `head`."""
    asserted = collections.Counter()
    stream = query.WatchFacts(stubs.query.WatchFactsRequest(
        after=f"{store_id}-0", predicate_prefix="crash.", heartbeat_ms=100), timeout=120)
    try:
        for response in stream:
            for event in response.events:
                if event.kind == stubs.query.CHANGE_KIND_ASSERTED:
                    asserted[event.fact.id] += 1
            commit, whole = token_commit(response.resume_token)
            if whole and commit >= head:
                break
    finally:
        stream.cancel()
    return asserted


class CrashRun:
    """The rounds of one mode (with or without --sync, or replicated) over one
    ingest data directory."""

    # Replicated mode: the killed process's lease expires after this, then the
    # restarted one takes it (replication/README.md, "the leader lease").
    LEADER_LEASE = "2s"

    def __init__(self, test, sync, rounds, seed, replicated=False):
        self.test = test
        self.stubs = test.stubs
        self.sync = sync
        self.replicated = replicated
        self.rounds = rounds
        self.rng = random.Random(seed)
        self.ledger = Ledger(self.rng)
        base = testlib.temp_dir("crash-")
        self.data_dir = os.path.join(base, "data")
        # Embedded: the query server reads the ingest server's directory.
        # Replicated: it is a replica of the log with a store of its own.
        self.query_dir = os.path.join(base, "query") if replicated else self.data_dir
        self.flags = ["--sync"] if sync else []
        self.nats = None
        self.stream = f"CRASH{seed}"
        self.ingest = self.query_server = None
        self.restarts = 0
        self.downtime_reads = 0
        self.verifications = []
        self.leader_seconds = []   # replicated: from a start until it leads

    def nats_flags(self):
        return [f"--nats={self.nats.urls}", f"--nats_stream={self.stream}",
                "--nats_replicas=3"]

    def start_ingest(self):
        flags = list(self.flags)
        if self.replicated:
            flags += self.nats_flags() + [f"--leader_lease={self.LEADER_LEASE}"]
        started = time.time()
        ingest = testlib.ServerProcess.ingest(self.data_dir, *flags).start(timeout=60)
        self.ingest = ingest
        channel = grpc.insecure_channel(ingest.address)
        self.test.assertTrue(testlib.wait_serving(channel, INGEST, timeout=60))
        if self.replicated:
            self.wait_leader(ingest)
            self.leader_seconds.append(round(time.time() - started, 2))
        return ingest, channel

    def wait_leader(self, ingest, timeout=30):
        """Until the restarted ingest server leads (the killed one's lease
        expires first); until then its writes are forwarded to the dead
        leader and fail UNAVAILABLE."""
        deadline = time.time() + timeout
        while not any(e.get("msg") == "now the leader: accepting writes"
                      for e in ingest.log_entries()):
            self.test.assertIsNone(ingest.process.poll(), "the ingest server exited")
            self.test.assertLess(time.time(), deadline,
                                 "the restarted ingest server did not take the lease")
            time.sleep(0.05)

    def recovered_head(self, ingest, channel):
        """The head a (re)started ingest server recovered, as a commit token.

        Embedded: the one it logged. Replicated: the one it logged is its
        store's once it had loaded the log; the leader's head (it caught up
        with the log's end when it took the lease) is what every replica
        must reach, and an empty RegisterPredicates, which writes nothing,
        answers it."""
        logged = serving_commit(ingest)
        if not self.replicated:
            return logged
        s = self.stubs
        stub = s.ingest_grpc.IngestServiceStub(channel)
        deadline = time.time() + 30
        while True:
            try:
                head = stub.RegisterPredicates(s.ingest.RegisterPredicatesRequest(),
                                               timeout=10).commit_token
                break
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE or time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.test.assertGreaterEqual(token_commit(head)[0], token_commit(logged)[0])
        return head

    def run(self):
        if not self.replicated:
            self.run_rounds()
            return
        # The log: a cluster for this run, the stream with 3 replicas.
        with nats_cluster.NatsCluster(3, max_file_store=1 << 30) as nats:
            self.nats = nats
            self.run_rounds()

    def run_rounds(self):
        s = self.stubs
        prober = query_channel = None
        try:
            ingest, channel = self.start_ingest()
            seed_registry(s, channel)
            query_flags = self.nats_flags() if self.replicated else []
            self.query_server = testlib.ServerProcess.query(
                self.query_dir, *query_flags).start(timeout=60)
            query_channel = grpc.insecure_channel(self.query_server.address)
            self.test.assertTrue(testlib.wait_serving(query_channel, QUERY, timeout=60))
            self.query = s.query_grpc.QueryServiceStub(query_channel)
            stats = self.query.GetStats(s.query.GetStatsRequest(), timeout=10)
            self.store_id = stats.commit_token.split("-")[0]
            watcher = Watcher(s, query_channel, f"{self.store_id}-0")
            watcher.start()
            prober = Prober(s, query_channel)
            prober.start()
            for round_number in range(self.rounds):
                if round_number > 0:
                    ingest, channel = self.start_ingest()
                    self.restarts += 1
                    self.verify(self.recovered_head(ingest, channel))
                self.crash_round(ingest, channel)
                channel.close()
                self.downtime_checks()
            ingest, channel = self.start_ingest()
            self.restarts += 1
            head = self.recovered_head(ingest, channel)
            self.verify(head)
            prober.done.set()
            prober.join()
            self.test.assertEqual(prober.failures, [])
            self.test.assertGreater(prober.calls, 10)

            # The watch opened before the first crash saw every fact once.
            head_commit, _ = token_commit(head)
            self.test.assertTrue(watcher.wait_for(head_commit), watcher.error)
            present = self.present_ids
            with watcher.cond:
                duplicated = [i for i, n in watcher.asserted.items() if n != 1]
                self.test.assertEqual(duplicated, [])
                self.test.assertEqual(set(watcher.asserted), present)
                self.test.assertEqual(watcher.other_events, 0)
            watcher.stream.cancel()
            self.test.assertGreater(len(self.ledger.acked), 0)
            self.test.assertEqual(self.ledger.errors, [])
            self.test.assertEqual(ingest.stop(), 0)
            channel.close()
            if self.replicated:
                self.verify_ingest_store(head, present)
        except BaseException:
            self.dump_logs()
            raise
        finally:
            if prober is not None:
                prober.done.set()
                prober.join()
            if query_channel is not None:
                query_channel.close()
            if self.query_server is not None:
                self.query_server.stop()
            if self.ingest is not None:
                self.ingest.kill()

    def verify_ingest_store(self, head, present):
        """Replicated mode: the ingest server's own store, which it built
        from the log across the kills and restarts, holds what the replica
        holds. Read by an embedded query server now that the ingest server
        stopped."""
        s = self.stubs
        replica_query = self.query
        with testlib.ServerProcess.query(self.data_dir) as view:
            view_channel = grpc.insecure_channel(view.address)
            try:
                self.test.assertTrue(testlib.wait_serving(view_channel, QUERY, timeout=60))
                self.query = s.query_grpc.QueryServiceStub(view_channel)
                stats = self.query.GetStats(s.query.GetStatsRequest(), timeout=10)
                self.test.assertEqual(stats.commit_token, head)
                self.verify(head)
                self.verifications[-1]["store"] = "ingest"
                self.test.assertEqual(self.present_ids, present)
            finally:
                self.query = replica_query
                view_channel.close()

    def dump_logs(self):
        """What the servers (and the query server's RocksDB secondary, or the
        NATS nodes) logged, for a failed run."""
        print(f"--- data directory {self.data_dir}; ingest log (last process):",
              file=sys.stderr)
        if self.ingest is not None:
            print("\n".join(self.ingest.log_lines[-30:]), file=sys.stderr)
        if self.query_server is None:
            return
        print(f"--- query server log ({self.query_dir}):", file=sys.stderr)
        print("\n".join(self.query_server.log_lines[-60:]), file=sys.stderr)
        if self.replicated:
            for i in range(self.nats.size):
                print(f"--- NATS node {i + 1} ({self.nats.log_path(i)}):",
                      file=sys.stderr)
                print(self.nats.nodes[i].log_tail(15), file=sys.stderr)
            return
        secondary = [a.split("=", 1)[1] for a in self.query_server.args
                     if a.startswith("--secondary_dir=")]
        if secondary:
            path = os.path.join(secondary[0], "LOG")
            try:
                with open(path, errors="replace") as info_log:
                    lines = info_log.readlines()
                print(f"--- {path} (last 80 lines):", file=sys.stderr)
                print("".join(lines[-80:]), file=sys.stderr)
            except OSError as error:
                print(f"--- no secondary LOG: {error}", file=sys.stderr)

    def crash_round(self, ingest, channel):
        """Streams until a random moment, then SIGKILLs the ingest server."""
        upsert_subjects(self.stubs, channel, self.ledger.limit, SUBJECTS_PER_ROUND)
        self.ledger.limit += SUBJECTS_PER_ROUND
        stop = threading.Event()
        writers = [Writer(self.stubs, channel, self.ledger, stop) for _ in range(STREAMS)]
        for writer in writers:
            writer.start()
        time.sleep(self.rng.uniform(0.05, 1.5))
        ingest.kill()  # SIGKILL
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
            self.test.assertFalse(writer.is_alive())
            # A stream cut by the kill ends UNAVAILABLE (or CANCELLED, or OK if
            # it had nothing left to send).
            self.test.assertIn(writer.end_code, (grpc.StatusCode.UNAVAILABLE,
                                                 grpc.StatusCode.CANCELLED,
                                                 grpc.StatusCode.OK),
                               writer.end_code)

    def downtime_checks(self):
        """While no ingest server runs, the query server still serves."""
        s = self.stubs
        health = s.health_grpc.HealthStub(grpc.insecure_channel(self.query_server.address))
        reply = health.Check(s.health.HealthCheckRequest(service=QUERY), timeout=5)
        self.test.assertEqual(reply.status, s.health.HealthCheckResponse.SERVING)
        self.query.GetStats(s.query.GetStatsRequest(), timeout=10)
        with self.ledger.lock:
            acked = list(self.ledger.acked.items())
        if acked:
            batch, (ids, token) = self.rng.choice(acked)
            # Acknowledged before the kill: visible at its token without the
            # ingest server.
            options = s.types.ReadOptions(min_commit=token)
            fact = self.query.GetFact(s.query.GetFactRequest(
                id=ids[0], read_options=options), timeout=10).fact
            self.test.assertEqual(fact.subject, subject_of(batch))
            listed = self.query.ListFacts(s.query.ListFactsRequest(
                filter=s.query.FactFilter(subject=subject_of(batch)), page_size=1000,
                read_options=options), timeout=10)
            self.test.assertEqual(len(listed.facts), len(ids))
            self.downtime_reads += 2
        time.sleep(self.rng.uniform(0, 0.3))

    def verify(self, head):
        s = self.stubs
        t = self.test
        started = time.time()
        options = s.types.ReadOptions(min_commit=head)
        # The query server catches up with the restarted primary.
        stats = self.query.GetStats(s.query.GetStatsRequest(read_options=options),
                                    timeout=60)
        t.assertGreaterEqual(token_commit(stats.commit_token)[0], token_commit(head)[0])
        with self.ledger.lock:
            sent = dict(self.ledger.sent)
            acked = dict(self.ledger.acked)

        # Every acknowledged fact, exactly once, by id.
        acked_ids = [i for ids, _ in acked.values() for i in ids]
        t.assertEqual(len(acked_ids), len(set(acked_ids)))
        found = []
        for start in range(0, len(acked_ids), 1000):
            reply = self.query.BatchGetFacts(s.query.BatchGetFactsRequest(
                ids=acked_ids[start:start + 1000], read_options=options), timeout=30)
            t.assertEqual(list(reply.missing_ids), [])
            found.extend(f.id for f in reply.facts)
        t.assertEqual(sorted(found), sorted(acked_ids))
        for batch, (ids, _) in list(acked.items())[:5]:
            fact = self.query.GetFact(s.query.GetFactRequest(
                id=ids[-1], read_options=options), timeout=10).fact
            t.assertEqual(fact.value.quantity.amount,
                          str(batch * AMOUNT_STRIDE + len(ids) - 1))

        # Every batch sent is whole or absent, in the subject index and in the
        # value index alike; acknowledged ones are whole with the acked ids.
        def by_subject(batch):
            return self.query.ListFacts.future(s.query.ListFactsRequest(
                filter=s.query.FactFilter(subject=subject_of(batch)),
                page_size=1000, read_options=options), timeout=30)

        def by_range(batch):
            low = batch * AMOUNT_STRIDE
            return self.query.ListFacts.future(s.query.ListFactsRequest(
                filter=s.query.FactFilter(predicate=PREDICATE,
                                          quantity_range=s.query.QuantityRange(
                                              unit="count", min=str(low),
                                              max=str(low + AMOUNT_STRIDE - 1))),
                page_size=1000, read_options=options), timeout=30)

        present = {}
        batches = sorted(sent)
        for start in range(0, len(batches), 32):
            chunk = batches[start:start + 32]
            futures = [(b, by_subject(b), by_range(b)) for b in chunk]
            for batch, subject_future, range_future in futures:
                subject_ids = [f.id for f in subject_future.result().facts]
                range_ids = [f.id for f in range_future.result().facts]
                t.assertEqual(sorted(subject_ids), sorted(range_ids), f"batch {batch}")
                t.assertIn(len(subject_ids), (0, sent[batch]),
                           f"batch {batch} is half present")
                t.assertEqual(len(set(subject_ids)), len(subject_ids))
                if batch in acked:
                    t.assertEqual(sorted(subject_ids), sorted(acked[batch][0]),
                                  f"acknowledged batch {batch}")
                if subject_ids:
                    present[batch] = subject_ids
        present_ids = {i for ids in present.values() for i in ids}

        # The predicate index lists each present fact once, and nothing else.
        listed = collections.Counter()
        token = ""
        while True:
            page = self.query.ListFacts(s.query.ListFactsRequest(
                filter=s.query.FactFilter(predicate=PREDICATE), page_size=1000,
                page_token=token, read_options=options), timeout=30)
            listed.update(f.id for f in page.facts)
            token = page.next_page_token
            if not token:
                break
        t.assertEqual([i for i, n in listed.items() if n != 1], [])
        t.assertEqual(set(listed), present_ids)
        stats = self.query.GetStats(s.query.GetStatsRequest(read_options=options),
                                    timeout=10)
        t.assertEqual(stats.fact_count, len(present_ids))

        # The commit log: each present fact asserted exactly once.
        asserted = replay_watch(s, self.query, self.store_id, token_commit(head)[0])
        t.assertEqual([i for i, n in asserted.items() if n != 1], [])
        t.assertEqual(set(asserted), present_ids)

        self.present_ids = present_ids
        unacked_present = [b for b in present if b not in acked]
        self.verifications.append({
            "head": head, "batches_sent": len(sent), "batches_acked": len(acked),
            "unacked_present": len(unacked_present), "facts": len(present_ids),
            "seconds": round(time.time() - started, 2)})


class CrashDurabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()
        seed = OPTIONS["seed"]
        cls.seed = int(seed) if seed else random.randrange(1 << 30)
        print(f"crash test seed {cls.seed} (--seed={cls.seed} replays the kill "
              f"times), {OPTIONS['rounds']} rounds", file=sys.stderr)

    def run_mode(self, sync=False, replicated=False):
        started = time.time()
        run = CrashRun(self, sync, OPTIONS["rounds"],
                       self.seed + int(sync) + 2 * int(replicated), replicated)
        run.run()
        self.assertEqual(run.restarts, OPTIONS["rounds"])
        report = {"sync": sync, "replicated": replicated, "rounds": OPTIONS["rounds"],
                  "seconds": round(time.time() - started, 1),
                  "downtime_reads": run.downtime_reads,
                  "verifications": run.verifications}
        if replicated:
            report["leader_seconds"] = run.leader_seconds
        print(json.dumps(report), file=sys.stderr)

    def test_sigkill_loses_no_acknowledged_batch_and_splits_none(self):
        self.run_mode(sync=False)

    def test_sigkill_with_sync(self):
        self.run_mode(sync=True)

    # Needs nats-server (a dependency, ./dev installs it); it fails rather
    # than skips without it, as tests/replicated_test.py does.
    def test_crash_replicated(self):
        self.run_mode(replicated=True)


class SecondaryBehindTest(unittest.TestCase):
    """The ingest server restarts while the query server has not yet read
    the end of the write-ahead log (here: it is stopped with SIGSTOP across
    the restart). Afterwards the query server must see the recovered commits
    and the records they changed, not the versions it held before."""

    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()

    def restart_with_the_follower_behind(self, stop_ingest):
        s = self.stubs
        types = s.types
        data_dir = os.path.join(testlib.temp_dir("behind-"), "data")
        ingest = testlib.ServerProcess.ingest(data_dir).start()
        channel = grpc.insecure_channel(ingest.address)
        self.assertTrue(testlib.wait_serving(channel, INGEST))
        seed_registry(s, channel)
        upsert_subjects(s, channel, 0, 3)
        writer = s.ingest_grpc.IngestServiceStub(channel)
        writer.UpsertEntities(s.ingest.UpsertEntitiesRequest(entities=[types.Entity(
            id="doc:second-source", type=types.ENTITY_TYPE_DOCUMENT, name="Second")]),
            timeout=10)

        def claim(document):
            fact = types.Fact(subject=subject_of(0), predicate=PREDICATE,
                              value=types.Value(quantity=types.Quantity(
                                  amount="42", unit="count")))
            fact.mentions.add(document_id=document, quote=f"said in {document}")
            return s.ingest.IngestFactsRequest(facts=[fact])

        first = writer.IngestFacts(claim(DOCUMENT), timeout=10)
        fact_id = first.results[0].fact_id
        query = testlib.ServerProcess.query(data_dir).start()
        stopped = False
        try:
            query_channel = grpc.insecure_channel(query.address)
            self.assertTrue(testlib.wait_serving(query_channel, QUERY))
            reader = s.query_grpc.QueryServiceStub(query_channel)
            seen = reader.GetFact(s.query.GetFactRequest(
                id=fact_id, read_options=types.ReadOptions(min_commit=first.commit_token)),
                timeout=10).fact
            self.assertEqual(len(seen.mentions), 1)

            # The follower is frozen; the fact gains a mention and a new batch
            # is written; the ingest server stops and starts again.
            query.signal(signal.SIGSTOP)
            stopped = True
            second = writer.IngestFacts(claim("doc:second-source"), timeout=10)
            self.assertEqual(second.results[0].outcome, s.ingest.OUTCOME_MENTION_ADDED)
            batch = make_batch(s, 1, 20)
            writer.IngestFacts(s.ingest.IngestFactsRequest(facts=batch.facts), timeout=10)
            channel.close()
            stop_ingest(ingest)
            ingest = testlib.ServerProcess.ingest(data_dir).start()
            channel = grpc.insecure_channel(ingest.address)
            self.assertTrue(testlib.wait_serving(channel, INGEST))
            head = serving_commit(ingest)
            query.signal(signal.SIGCONT)
            stopped = False

            def check(token):
                options = types.ReadOptions(min_commit=token)
                stats = reader.GetStats(s.query.GetStatsRequest(read_options=options),
                                        timeout=15)
                self.assertEqual(stats.fact_count, 21)
                fact = reader.GetFact(s.query.GetFactRequest(
                    id=fact_id, read_options=options), timeout=10).fact
                self.assertEqual(sorted(m.document_id for m in fact.mentions),
                                 sorted([DOCUMENT, "doc:second-source"]))
                listed = reader.ListFacts(s.query.ListFactsRequest(
                    filter=s.query.FactFilter(subject=subject_of(1)),
                    read_options=options), timeout=10)
                self.assertEqual(len(listed.facts), 20)

            # At once: the recovered commits are visible.
            check(head)
            # And after the next write too (no stale record shadows them).
            upsert_subjects(s, channel, 5, 1)
            later = s.ingest_grpc.IngestServiceStub(channel).RegisterPredicates(
                s.ingest.RegisterPredicatesRequest(), timeout=10).commit_token
            check(later)
            query_channel.close()
        finally:
            if stopped:
                query.signal(signal.SIGCONT)
            query.stop()
            channel.close()
            ingest.kill()

    def test_sigterm_while_the_query_server_is_behind(self):
        self.restart_with_the_follower_behind(lambda server: server.stop())

    def test_sigkill_while_the_query_server_is_behind(self):
        self.restart_with_the_follower_behind(lambda server: server.kill())


def wal_syncs(trace_path):
    """Times (epoch seconds) of the fsync/fdatasync calls on RocksDB's
    write-ahead log files in an strace log written with -ttt -y (timestamps,
    and file descriptors shown with their paths)."""
    pattern = re.compile(r'^\d+\s+(\d+\.\d+) (?:fsync|fdatasync)\(\d+<[^>]*/\d+\.log>\)')
    times = []
    with open(trace_path, errors="replace") as trace:
        for line in trace:
            match = pattern.match(line)
            if match:
                times.append(float(match.group(1)))
    return times


@unittest.skipUnless(shutil.which("strace"), "strace is not installed")
class SyncModeTest(unittest.TestCase):
    """--sync fsyncs the write-ahead log at every commit, before the
    acknowledgement; without it the WAL is not synced per commit.

    The ingest server runs under strace; one-fact-batch IngestFacts calls are
    made one after the other (one commit each), and the WAL syncs strace saw
    are matched with the calls by time."""

    COMMITS = 30

    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()

    def trace_calls(self, *flags):
        """Returns the (sent, acknowledged) times of the calls and the times
        of the WAL syncs."""
        s = self.stubs
        data_dir = os.path.join(testlib.temp_dir("strace-"), "data")
        trace = os.path.join(testlib.temp_dir("strace-log-"), "trace")
        server = testlib.ServerProcess(
            "strace", ["-f", "-qq", "-ttt", "-y", "-e", "trace=fsync,fdatasync",
                       "-o", trace, testlib.INGEST_BINARY, "--listen=127.0.0.1:0",
                       f"--data_dir={data_dir}", "--metrics_listen=", *flags])
        try:
            server.start()
        except RuntimeError as error:
            self.skipTest(f"strace cannot trace here: {error}")
        channel = grpc.insecure_channel(server.address)
        calls = []
        try:
            self.assertTrue(testlib.wait_serving(channel, INGEST))
            seed_registry(s, channel)
            upsert_subjects(s, channel, 0, self.COMMITS)
            ingest = s.ingest_grpc.IngestServiceStub(channel)
            tokens = set()
            for batch in range(self.COMMITS):
                request = make_batch(s, batch, 3)
                sent = time.time()
                reply = ingest.IngestFacts(s.ingest.IngestFactsRequest(
                    facts=request.facts, compact_results=True), timeout=30)
                calls.append((sent, time.time()))
                tokens.add(reply.commit_token)
            self.assertEqual(len(tokens), self.COMMITS)  # one commit each
        finally:
            channel.close()
            # SIGTERM the server itself (strace's child); strace exits with it
            # and flushes its log.
            children = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(server.process.pid)],
                capture_output=True, text=True).stdout.split()
            for pid in children:
                os.kill(int(pid), signal.SIGTERM)
            server.process.wait(timeout=30)
        return calls, wal_syncs(trace)

    def test_sync_fsyncs_the_wal_before_each_acknowledgement(self):
        calls, syncs = self.trace_calls("--sync")
        for number, (sent, acknowledged) in enumerate(calls):
            during = [t for t in syncs if sent <= t <= acknowledged]
            self.assertEqual(len(during), 1, f"call {number}: WAL syncs {during} "
                             f"between {sent} and {acknowledged}")

    def test_default_mode_does_not_sync_per_commit(self):
        calls, syncs = self.trace_calls()
        during = [t for t in syncs if calls[0][0] <= t <= calls[-1][1]]
        self.assertLess(len(during), self.COMMITS // 2)


def restart_benchmark(facts, bin_dir=None):
    """Loads `facts` facts through the stream into a fresh store, stops the
    ingest server (SIGTERM, then in a second store SIGKILL), and times the
    restarts until health reports SERVING; prints the figures as JSON."""
    stubs = testlib.generate_stubs()
    if bin_dir:
        testlib.INGEST_BINARY = os.path.join(bin_dir, "ingest_server")
        testlib.QUERY_BINARY = os.path.join(bin_dir, "query_server")
    results = {"facts": facts, "binary": testlib.INGEST_BINARY}

    def megabytes(data_dir, suffix=""):
        return sum(os.path.getsize(os.path.join(data_dir, f))
                   for f in os.listdir(data_dir) if f.endswith(suffix)) >> 20

    def start_timed(data_dir):
        started = time.time()
        server = testlib.ServerProcess.ingest(data_dir).start(timeout=900)
        channel = grpc.insecure_channel(server.address)
        assert testlib.wait_serving(channel, INGEST, timeout=900)
        return server, channel, round(time.time() - started, 2)

    for stop in ("sigterm", "sigkill"):
        data_dir = os.path.join(testlib.temp_dir("restart-bench-"), "data")
        result = results[stop] = {}
        ingest, channel, _ = start_timed(data_dir)
        seed_registry(stubs, channel)
        batch_facts = 500
        batches = (facts + batch_facts - 1) // batch_facts
        upsert_subjects(stubs, channel, 0, batches)
        stub = stubs.ingest_grpc.IngestServiceStub(channel)
        started = time.time()
        loaded = [0, 0]

        def load(part):
            first, last = part * batches // 2, (part + 1) * batches // 2
            for ack in stub.StreamIngestFacts(
                    (make_batch(stubs, b, batch_facts) for b in range(first, last)),
                    timeout=7200):
                assert ack.accepted_count == batch_facts, ack
                loaded[part] += ack.accepted_count
        threads = [threading.Thread(target=load, args=(part,)) for part in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(loaded) == batches * batch_facts, loaded
        result["load_seconds"] = round(time.time() - started, 1)
        result["ingest_rss_mb"] = rss_bytes(ingest.process.pid) >> 20
        result["wal_mb"] = megabytes(data_dir, ".log")
        result["sst_mb"] = megabytes(data_dir, ".sst")
        channel.close()
        if stop == "sigterm":
            started = time.time()
            assert ingest.stop(timeout=120) == 0
            result["stop_seconds"] = round(time.time() - started, 2)
        else:
            ingest.kill()
        ingest, channel, result["restart_seconds"] = start_timed(data_dir)
        result["wal_mb_after_restart"] = megabytes(data_dir, ".log")
        channel.close()
        ingest.stop()
        ingest, channel, result["second_restart_seconds"] = start_timed(data_dir)
        started = time.time()
        with testlib.ServerProcess.query(data_dir) as query:
            query_channel = grpc.insecure_channel(query.address)
            assert testlib.wait_serving(query_channel, QUERY, timeout=900)
            result["query_start_seconds"] = round(time.time() - started, 2)
            stats = stubs.query_grpc.QueryServiceStub(query_channel).GetStats(
                stubs.query.GetStatsRequest(), timeout=60)
            assert stats.fact_count == batches * batch_facts, stats
            query_channel.close()
        channel.close()
        ingest.stop()
        shutil.rmtree(os.path.dirname(data_dir), ignore_errors=True)
        print(json.dumps({stop: result}), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=OPTIONS["rounds"])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--restart-benchmark", action="store_true")
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--bin", help="directory with ingest_server and query_server "
                        "(default: the test's runfiles)")
    args, rest = parser.parse_known_args()
    OPTIONS["rounds"] = args.rounds
    if args.seed is not None:
        OPTIONS["seed"] = str(args.seed)
    if args.restart_benchmark:
        restart_benchmark(args.facts, args.bin)
    else:
        if args.bin:
            testlib.INGEST_BINARY = os.path.join(args.bin, "ingest_server")
            testlib.QUERY_BINARY = os.path.join(args.bin, "query_server")
        # Other arguments name test classes or cases
        # (CrashDurabilityTest.test_crash_replicated); none: all of them.
        testlib.run_tests([name for name in rest if not name.startswith("-")])
