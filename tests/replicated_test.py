"""The replicated mode end to end: real nats-server processes (a 3-node
JetStream cluster on loopback, streams with 3 replicas), ingest and query
servers each with a store of its own, and Python grpcio clients.

Each test uses a stream of its own on one shared NATS cluster; the tests
that stop NATS nodes start them again before the next test. What every test
checks in the end is the data: each acknowledged fact on every replica
exactly once, and the replicas' contents identical (same statistics, the
same facts in a full scan).

    /usr/bin/python3 tests/replicated_test.py [ReplicatedTest.test_failover]
"""

import base64
import itertools
import os
import random
import re
import signal
import string
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import testlib  # noqa: E402
from nats_cluster import NatsCluster, jetstream_api  # noqa: E402

import grpc  # noqa: E402

INGEST = "factstore.v1.IngestService"
QUERY = "factstore.v1.QueryService"
PREDICATE = "repl.amount"
DOCUMENT = "doc:repl-test"
STREAMS = itertools.count(1)


def subject_of(batch):
    return f"org:repl-{batch:06d}"


def commit_of(token):
    return int(token.split("-")[1].split(".")[0])


# google.rpc.Code / absl::StatusCode UNAVAILABLE, as a batch_error carries it.
UNAVAILABLE_CODE = 14


class Ledger:
    """Batches sent and acknowledged by the writers of one test."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}        # batch -> fact ids
        self.errors = []
        self.last_token = ""   # the highest commit token acknowledged

    def record(self, batch, ids, token):
        with self.lock:
            self.acked[batch] = ids
            if not self.last_token or commit_of(token) > commit_of(self.last_token):
                self.last_token = token

    def acked_ids(self):
        with self.lock:
            return {i for ids in self.acked.values() for i in ids}


class StreamWriter(threading.Thread):
    """Streams batches [first, first + count) of `size` facts through
    StreamIngestFacts with at most `window` unacknowledged, each batch with a
    request id of its own. When the stream breaks (a killed server, a
    replica that is not the leader), it reconnects to the next address and
    sends again every batch not acknowledged: the request ids make a batch
    that was committed before the break answer from its first commit. A
    batch acknowledged with UNAVAILABLE (its commit's outcome unknown) is
    sent again the same way, on a new stream to the same server."""

    def __init__(self, stubs, addresses, ledger, first, count, size=100, window=3,
                 deadline=120):
        super().__init__(daemon=True)
        self.stubs = stubs
        self.addresses = list(addresses)
        self.ledger = ledger
        self.pending = list(range(first, first + count))
        self.size = size
        self.window = window
        self.deadline = time.time() + deadline
        self.reconnects = 0
        self.retried = []            # batches sent again after UNAVAILABLE
        self.first_error_at = None   # when the stream first broke
        self.resumed_at = None       # first acknowledgement after that
        self.done = threading.Event()

    def batch(self, number):
        request = self.stubs.ingest.StreamIngestFactsRequest(
            compact_results=True, request_id=f"repl-batch-{number}")
        for j in range(self.size):
            fact = request.facts.add(subject=subject_of(number), predicate=PREDICATE)
            fact.value.quantity.amount = str(number * 100000 + j)
            fact.value.quantity.unit = "count"
            fact.mentions.add(document_id=DOCUMENT, quote=f"batch {number} fact {j}")
        return request

    def run(self):
        attempt = 0
        while self.pending and time.time() < self.deadline:
            address = self.addresses[attempt % len(self.addresses)]
            channel = grpc.insecure_channel(address)
            try:
                self.stream_once(channel)
                if self.pending:
                    # Batches answered UNAVAILABLE: sent again on a new
                    # stream to the same server, after a pause.
                    time.sleep(0.2)
            except grpc.RpcError as error:
                attempt += 1  # the next stream goes to the next address
                if self.first_error_at is None:
                    self.first_error_at = time.time()
                self.reconnects += 1
                if error.code() not in (grpc.StatusCode.UNAVAILABLE,
                                        grpc.StatusCode.CANCELLED,
                                        grpc.StatusCode.DEADLINE_EXCEEDED,
                                        grpc.StatusCode.UNKNOWN,
                                        grpc.StatusCode.INTERNAL):
                    with self.ledger.lock:
                        self.ledger.errors.append(f"{error.code()}: {error.details()}")
                    return
                time.sleep(0.2)
            finally:
                channel.close()
        self.done.set()

    def stream_once(self, channel):
        stub = self.stubs.ingest_grpc.IngestServiceStub(channel)
        sent = []
        cond = threading.Condition()
        state = {"outstanding": 0}
        todo = list(self.pending)

        def requests():
            for number in todo:
                with cond:
                    while state["outstanding"] >= self.window:
                        cond.wait(0.05)
                    state["outstanding"] += 1
                    sent.append(number)
                yield self.batch(number)

        for ack in stub.StreamIngestFacts(requests(), timeout=60):
            number = sent[ack.batch_index]
            ids = [r.fact_id for r in ack.results]
            if (ack.HasField("batch_error") and
                    ack.batch_error.code == UNAVAILABLE_CODE):
                # The commit log did not answer in time (a stream leader
                # elected slower than the append timeout): the batch may or
                # may not be in it. As the error asks, it is sent again with
                # the same request id, on the next stream, so that it is
                # written once. (A second write could not be told from the
                # counts: a fact's id is its content, and the same mention
                # again changes nothing.)
                self.retried.append(number)
                with cond:
                    state["outstanding"] -= 1
                    cond.notify_all()
                continue
            if ack.HasField("batch_error") or ack.accepted_count != self.size:
                with self.ledger.lock:
                    self.ledger.errors.append(
                        f"batch {number}: {ack.batch_error.message or ack.accepted_count}")
            if not ack.HasField("batch_error"):
                # A refused batch has no commit token.
                self.ledger.record(number, ids, ack.commit_token)
            self.pending.remove(number)
            if self.first_error_at is not None and self.resumed_at is None:
                self.resumed_at = time.time()
            with cond:
                state["outstanding"] -= 1
                cond.notify_all()


class ReplicatedBase(unittest.TestCase):
    """Starts a 3-node NATS cluster per test class; each test runs on a
    stream of its own."""

    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()
        cls.nats = NatsCluster(3)
        cls.nats.start()

    @classmethod
    def tearDownClass(cls):
        cls.nats.stop_all()

    def setUp(self):
        self.stream = f"T{next(STREAMS)}"
        self.servers = []
        self.channels = []

    def tearDown(self):
        for channel in self.channels:
            channel.close()
        for server in self.servers:
            try:
                server.stop(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        # Whatever a test stopped comes back for the next one.
        if not all(self.nats.running(i) for i in range(3)):
            self.nats.start(timeout=60)

    # ---- helpers ----

    def nats_flags(self, *extra):
        return [f"--nats={self.nats.urls}", f"--nats_stream={self.stream}",
                "--nats_replicas=3", *extra]

    def start_ingest(self, *flags, data_dir=None):
        data_dir = data_dir or os.path.join(testlib.temp_dir("ingest-"), "data")
        server = testlib.ServerProcess.ingest(
            data_dir, *self.nats_flags("--leader_lease=2s", *flags))
        server.data_dir = data_dir
        server.start(timeout=60)
        self.servers.append(server)
        return server

    def start_query(self, *flags, data_dir=None, wait=True):
        """A query replica; with `wait`, once it reports SERVING (it has
        loaded the log and is close to its end)."""
        data_dir = data_dir or os.path.join(testlib.temp_dir("query-"), "data")
        server = testlib.ServerProcess.query(data_dir, *self.nats_flags(*flags))
        server.data_dir = data_dir
        server.start(timeout=60)
        self.servers.append(server)
        if wait:
            self.assertTrue(testlib.wait_serving(self.channel(server), QUERY,
                                                 timeout=120))
        return server

    def channel(self, server):
        channel = grpc.insecure_channel(server.address)
        self.channels.append(channel)
        return channel

    def ingest_stub(self, server):
        return self.stubs.ingest_grpc.IngestServiceStub(self.channel(server))

    def query_stub(self, server):
        return self.stubs.query_grpc.QueryServiceStub(self.channel(server))

    def wait_leader(self, *servers, timeout=30):
        """The ingest server (of `servers`) that logged it leads."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for server in servers:
                if server.process.poll() is None and any(
                        e.get("msg") == "now the leader: accepting writes"
                        for e in server.log_entries()):
                    return server
            time.sleep(0.05)
        self.fail("no ingest replica became the leader")

    def seed(self, ingest, subjects):
        s = self.stubs
        types = s.types
        stub = self.ingest_stub(ingest)
        stub.RegisterPredicates(s.ingest.RegisterPredicatesRequest(predicates=[
            types.Predicate(name=PREDICATE, value_type=types.VALUE_TYPE_QUANTITY,
                            unit_dimension=types.UNIT_DIMENSION_COUNT,
                            description="Replication test amounts")]), timeout=30)
        entities = [types.Entity(id=DOCUMENT, type=types.ENTITY_TYPE_DOCUMENT,
                                 name="Replication test document")]
        entities += [types.Entity(id=subject_of(g), type=types.ENTITY_TYPE_ORGANIZATION,
                                  name=f"Replication subject {g}",
                                  external_ids={"replication-test": f"S{g}"})
                     for g in range(subjects)]
        for start in range(0, len(entities), 1000):
            reply = stub.UpsertEntities(s.ingest.UpsertEntitiesRequest(
                entities=entities[start:start + 1000]), timeout=60)
            self.assertEqual(
                [r.error.message for r in reply.results
                 if r.outcome == s.ingest.OUTCOME_REJECTED], [])
        return reply.commit_token

    def stats(self, query, min_commit=""):
        s = self.stubs
        return query.GetStats(s.query.GetStatsRequest(
            read_options=s.types.ReadOptions(min_commit=min_commit)), timeout=60)

    def full_scan(self, query, min_commit=""):
        """Every fact (id -> serialized content), read at one commit."""
        s = self.stubs
        facts = {}
        token = ""
        while True:
            request = s.query.ListFactsRequest(page_size=1000, page_token=token)
            if not token:
                request.read_options.min_commit = min_commit
            reply = query.ListFacts(request, timeout=60)
            for fact in reply.facts:
                self.assertNotIn(fact.id, facts, "a fact listed twice")
                facts[fact.id] = fact.SerializeToString(deterministic=True)
            token = reply.next_page_token
            if not token:
                return facts

    def assert_same_contents(self, queries, min_commit=""):
        """The query replicas hold the same facts and statistics."""
        scans = [self.full_scan(q, min_commit) for q in queries]
        stats = [self.stats(q, min_commit) for q in queries]
        for scan, stat in zip(scans[1:], stats[1:]):
            self.assertEqual(stat.commit_token, stats[0].commit_token)
            self.assertEqual(stat.fact_count, stats[0].fact_count)
            self.assertEqual(stat.entity_count, stats[0].entity_count)
            self.assertEqual(stat.mention_count, stats[0].mention_count)
            self.assertEqual(scan.keys(), scans[0].keys())
            self.assertEqual(scan, scans[0])
        return scans[0], stats[0]

    def wait_caught_up(self, server, commit, timeout=120):
        """Waits until `server` (started with --metrics_listen) has applied
        its log up to its end, which is at least `commit` entries long."""
        port = int([e for e in server.log_entries() if "metrics_port" in e][0]
                   ["metrics_port"])
        deadline = time.time() + timeout
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                        timeout=5) as reply:
                text = reply.read().decode()
            figures = dict(re.findall(
                r"^factstore_replication_(entries_behind|applied_sequence) (\S+)$",
                text, re.MULTILINE))
            if (float(figures.get("entries_behind", "1")) == 0 and
                    float(figures.get("applied_sequence", "0")) >= commit):
                return
            self.assertLess(time.time(), deadline, f"not caught up: {figures}")
            time.sleep(0.2)

    def embedded_view(self, data_dir):
        """A query server in embedded mode over a stopped ingest replica's
        store: what that replica holds."""
        server = testlib.ServerProcess.query(data_dir).start()
        self.servers.append(server)
        channel = self.channel(server)
        self.assertTrue(testlib.wait_serving(channel, QUERY, timeout=60))
        return self.stubs.query_grpc.QueryServiceStub(channel)


class ReplicatedTest(ReplicatedBase):

    def test_query_replicas_read_your_writes_and_agree(self):
        s = self.stubs
        ingest = self.start_ingest()
        queries = [self.start_query(), self.start_query()]
        self.wait_leader(ingest)
        token = self.seed(ingest, 20)
        writer = self.ingest_stub(ingest)
        readers = [self.query_stub(q) for q in queries]
        for batch in range(20):
            request = s.ingest.IngestFactsRequest()
            for j in range(25):
                fact = request.facts.add(subject=subject_of(batch), predicate=PREDICATE)
                fact.value.quantity.amount = str(batch * 1000 + j)
                fact.value.quantity.unit = "count"
                fact.mentions.add(document_id=DOCUMENT, quote=f"read {batch} {j}")
            reply = writer.IngestFacts(request, timeout=30)
            self.assertEqual(reply.accepted_count, 25)
            # Read your write on either replica, with the token just returned.
            reader = readers[batch % 2]
            got = reader.GetFact(s.query.GetFactRequest(
                id=reply.results[-1].fact_id,
                read_options=s.types.ReadOptions(min_commit=reply.commit_token)),
                timeout=30)
            self.assertEqual(got.fact.id, reply.results[-1].fact_id)
            token = reply.commit_token
        scan, stats = self.assert_same_contents(readers, token)
        self.assertEqual(len(scan), 500)
        self.assertEqual(stats.fact_count, 500)
        self.assertEqual(stats.commit_token, token)
        self.assertEqual(stats.replication.state, "following")
        self.assertEqual(stats.replication.entries_behind, 0)
        # A page token from one replica continues on the other.
        first = readers[0].ListFacts(s.query.ListFactsRequest(
            page_size=100, read_options=s.types.ReadOptions(min_commit=token)),
            timeout=30)
        second = readers[1].ListFacts(s.query.ListFactsRequest(
            page_size=100, page_token=first.next_page_token), timeout=30)
        self.assertEqual(len(second.facts), 100)
        self.assertFalse({f.id for f in first.facts} & {f.id for f in second.facts})
        # Entities by type and by external id, the same on both replicas.
        listings, lookups = [], []
        for reader in readers:
            listed = reader.ListEntities(s.query.ListEntitiesRequest(
                types=[s.types.ENTITY_TYPE_ORGANIZATION],
                read_options=s.types.ReadOptions(min_commit=token)), timeout=30)
            listings.append([e.id for e in listed.entities])
            found = reader.BatchLookupEntities(s.query.BatchLookupEntitiesRequest(
                external_ids=[s.query.ExternalId(system="replication-test", value="S3"),
                              s.query.ExternalId(system="replication-test", value="S99")],
                read_options=s.types.ReadOptions(min_commit=token)), timeout=30)
            lookups.append(([[e.id for e in m.entities] for m in found.matches],
                            [m.value for m in found.missing]))
        self.assertEqual(listings[0], sorted(subject_of(g) for g in range(20)))
        self.assertEqual(listings[1], listings[0])
        self.assertEqual(lookups, [([[subject_of(3)]], ["S99"])] * 2)
        # Words of quotes, the same on both replicas: "7" and "13" are both
        # in the quotes of batch 7's fact 13 and of batch 13's fact 7.
        searches = []
        for reader in readers:
            found = reader.SearchFacts(s.query.SearchFactsRequest(
                query="read 7 13",
                read_options=s.types.ReadOptions(min_commit=token)), timeout=30)
            self.assertEqual(found.total_size, 2)
            searches.append([(h.fact.subject, h.fact.value.quantity.amount)
                             for h in found.hits])
        self.assertEqual(sorted(searches[0]),
                         [(subject_of(7), "7013"), (subject_of(13), "13007")])
        self.assertEqual(searches[1], searches[0])
        # A merge reads the same on both replicas: the old id redirects, its
        # facts moved under the survivor, and before the merge nothing moved.
        merged = writer.MergeEntities(s.ingest.MergeEntitiesRequest(
            from_entity_id=subject_of(19), into_entity_id=subject_of(18)), timeout=60)
        self.assertEqual(merged.moved_fact_count, 25)
        for reader in readers:
            options = s.types.ReadOptions(min_commit=merged.commit_token)
            entity = reader.GetEntity(s.query.GetEntityRequest(
                id=subject_of(19), read_options=options), timeout=30).entity
            self.assertEqual((entity.id, entity.redirected_from),
                             (subject_of(18), subject_of(19)))
            listed = reader.ListFacts(s.query.ListFactsRequest(
                filter=s.query.FactFilter(subject=subject_of(19)), page_size=100,
                read_options=options), timeout=30)
            self.assertEqual(len(listed.facts), 50)
            self.assertEqual({f.subject for f in listed.facts}, {subject_of(18)})
            self.assertEqual([(r.from_id, r.to_id) for r in listed.redirects],
                             [(subject_of(19), subject_of(18))])
            before = reader.ListFacts(s.query.ListFactsRequest(
                filter=s.query.FactFilter(subject=subject_of(19)), page_size=100,
                read_options=s.types.ReadOptions(as_of=token)), timeout=30)
            self.assertEqual({f.subject for f in before.facts}, {subject_of(19)})
        scan, stats = self.assert_same_contents(readers, merged.commit_token)
        self.assertEqual(stats.fact_count, 500)
        # A document changed after the replicas read (and kept) it: reads
        # after the change describe its mentions anew, reads as of before it
        # as they were.
        fact_id = listed.facts[0].id
        for reader in readers:
            got = reader.GetFact(s.query.GetFactRequest(
                id=fact_id, read_options=s.types.ReadOptions(
                    min_commit=merged.commit_token)), timeout=30)
            self.assertEqual(got.fact.mentions[0].url, "")
        url = "https://example.org/replicated"
        changed = writer.UpsertEntities(s.ingest.UpsertEntitiesRequest(entities=[
            s.types.Entity(id=DOCUMENT, type=s.types.ENTITY_TYPE_DOCUMENT,
                           name="Replication test document",
                           document=s.types.DocumentMetadata(url=url))]), timeout=30)
        for reader in readers:
            after = reader.GetFact(s.query.GetFactRequest(
                id=fact_id, read_options=s.types.ReadOptions(
                    min_commit=changed.commit_token)), timeout=30)
            self.assertEqual(after.fact.mentions[0].url, url)
            before = reader.GetFact(s.query.GetFactRequest(
                id=fact_id, read_options=s.types.ReadOptions(
                    as_of=merged.commit_token)), timeout=30)
            self.assertEqual(before.fact.mentions[0].url, "")

    def test_a_standby_forwards_writes_to_the_leader(self):
        """Unary writes and StreamIngestFacts streams sent to the ingest
        replica that does not lead are relayed to the one that does."""
        s = self.stubs
        first = self.start_ingest()
        leader = self.wait_leader(first)
        standby = self.start_ingest()
        query = self.query_stub(self.start_query())
        self.seed(standby, 20)   # unary writes, through the standby
        ledger = Ledger()
        writer = StreamWriter(self.stubs, [standby.address], ledger, 0, 20, size=50)
        writer.run()
        self.assertEqual(ledger.errors, [])
        self.assertEqual(len(ledger.acked), 20)
        self.assertEqual(writer.reconnects, 0)
        stats = self.stats(query, ledger.last_token)
        self.assertEqual(stats.fact_count, 20 * 50)
        self.assertIs(leader, first)
        self.assertFalse(any(e.get("msg") == "now the leader: accepting writes"
                             for e in standby.log_entries()))
        # A bad request is refused by the leader, through the standby, with
        # the leader's error.
        with self.assertRaises(grpc.RpcError) as refused:
            self.ingest_stub(standby).IngestFacts(s.ingest.IngestFactsRequest(
                all_or_nothing=True,
                facts=[s.types.Fact(subject="", predicate=PREDICATE)]), timeout=30)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_nats_node_killed_during_streaming_ingest(self):
        ingest = self.start_ingest()
        queries = [self.start_query(), self.start_query()]
        self.wait_leader(ingest)
        self.seed(ingest, 300)
        ledger = Ledger()
        writer = StreamWriter(self.stubs, [ingest.address], ledger, 0, 300,
                              size=100, deadline=180)
        writer.start()
        time.sleep(2)
        # The node that leads the stream: the one whose loss matters most.
        leader = (self.nats.stream_info(self.stream) or {}).get("cluster", {}).get("leader")
        victim = int(leader[1:]) - 1 if leader else 1
        self.nats.kill(victim)
        killed_at = time.time()
        writer.join(200)
        self.assertFalse(writer.is_alive(), "the writer did not finish")
        self.assertEqual(ledger.errors, [])
        self.assertEqual(len(ledger.acked), 300)
        print(f"streaming went on {time.time() - killed_at:.1f}s after the NATS "
              f"node leading the stream ({leader}) was killed; "
              f"{writer.reconnects} reconnects, batches sent again after an "
              f"unknown outcome: {writer.retried}", file=sys.stderr)
        readers = [self.query_stub(q) for q in queries]
        scan, stats = self.assert_same_contents(readers, ledger.last_token)
        acked = ledger.acked_ids()
        self.assertEqual(acked - scan.keys(), set(), "acknowledged facts missing")
        self.assertEqual(len(scan), 300 * 100)
        self.assertEqual(stats.fact_count, 300 * 100)

    def test_failover_to_the_second_ingest_replica(self):
        first = self.start_ingest()
        leader = self.wait_leader(first)
        second = self.start_ingest()
        queries = [self.start_query(), self.start_query()]
        self.seed(leader, 400)
        ledger = Ledger()
        writer = StreamWriter(self.stubs, [first.address, second.address], ledger,
                              0, 400, size=100, deadline=180)
        writer.start()
        time.sleep(2)
        killed_at = time.time()
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        new_leader = self.wait_leader(second)
        led_at = time.time()
        writer.join(200)
        self.assertFalse(writer.is_alive(), "the writer did not finish")
        self.assertEqual(ledger.errors, [])
        self.assertEqual(len(ledger.acked), 400)
        self.assertIs(new_leader, second)
        failover = (writer.resumed_at or led_at) - killed_at
        print(f"failover: a new leader after {led_at - killed_at:.2f}s, writes "
              f"acknowledged again after {failover:.2f}s", file=sys.stderr)
        self.assertLess(failover, 15)
        readers = [self.query_stub(q) for q in queries]
        scan, stats = self.assert_same_contents(readers, ledger.last_token)
        self.assertEqual(ledger.acked_ids() - scan.keys(), set())
        self.assertEqual(len(scan), 400 * 100)
        # Both ingest stores hold the same: the killed one after a restart
        # (it catches up from the log), then each read as an embedded store.
        restarted = self.start_ingest("--metrics_listen=127.0.0.1:0",
                                      data_dir=first.data_dir)
        restarted_channel = self.channel(restarted)
        self.assertTrue(testlib.wait_serving(restarted_channel, INGEST, timeout=60))
        # SERVING means near the log's end; wait until it has applied all of
        # it: the last acknowledged commit, and no entry left behind.
        self.wait_caught_up(restarted, commit_of(ledger.last_token))
        for server in (restarted, second):
            server.stop()
        views = [self.embedded_view(first.data_dir), self.embedded_view(second.data_dir)]
        view_scan, view_stats = self.assert_same_contents(views)
        self.assertEqual(view_scan, scan)
        self.assertEqual(view_stats.commit_token, stats.commit_token)



class JoinTest(ReplicatedBase):

    def test_a_replica_joining_late_catches_up(self):
        ingest = self.start_ingest()
        self.wait_leader(ingest)
        self.seed(ingest, 100)
        ledger = Ledger()
        writer = StreamWriter(self.stubs, [ingest.address], ledger, 0, 100,
                              size=1000, window=4, deadline=300)
        started = time.time()
        writer.run()
        loaded = time.time() - started
        self.assertEqual(ledger.errors, [])
        self.assertEqual(len(ledger.acked), 100)
        early = self.query_stub(self.start_query())
        token = ledger.last_token
        joined_at = time.time()
        late = self.start_query("--max_commits_behind=0", wait=False)
        late_channel = self.channel(late)
        self.assertTrue(testlib.wait_serving(late_channel, QUERY, timeout=300))
        caught_up = time.time() - joined_at
        print(f"100000 facts loaded in {loaded:.1f}s; a new replica caught up in "
              f"{caught_up:.1f}s ({100000 / caught_up:.0f} facts/s)", file=sys.stderr)
        scan, stats = self.assert_same_contents(
            [early, self.stubs.query_grpc.QueryServiceStub(late_channel)], token)
        self.assertEqual(stats.fact_count, 100000)
        self.assertEqual(ledger.acked_ids() - scan.keys(), set())



class OutageTest(ReplicatedBase):

    def test_nats_down_writes_unavailable_reads_go_on(self):
        s = self.stubs
        ingest = self.start_ingest()
        query = self.start_query()
        self.wait_leader(ingest)
        token = self.seed(ingest, 5)
        reader = self.query_stub(query)
        before = self.stats(reader, token)
        for i in range(3):
            self.nats.stop(i)
        writer = self.ingest_stub(ingest)
        started = time.time()
        with self.assertRaises(grpc.RpcError) as refused:
            writer.UpsertEntities(s.ingest.UpsertEntitiesRequest(entities=[
                s.types.Entity(id="org:repl-while-down", type=s.types.ENTITY_TYPE_ORGANIZATION,
                               name="Written while NATS is down")]), timeout=60)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)
        print(f"write refused after {time.time() - started:.1f}s: "
              f"{refused.exception.details()}", file=sys.stderr)
        # Reads answer from what the replica has, and it says it cannot
        # reach NATS.
        deadline = time.time() + 15
        while True:
            stats = self.stats(reader)
            if not stats.replication.nats_connected or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertFalse(stats.replication.nats_connected)
        self.assertEqual(stats.entity_count, before.entity_count)
        got = reader.GetEntity(s.query.GetEntityRequest(id=subject_of(3)), timeout=10)
        self.assertEqual(got.entity.id, subject_of(3))
        health = self.stubs.health_grpc.HealthStub(self.channel(query))
        self.assertEqual(health.Check(s.health.HealthCheckRequest(service=QUERY),
                                      timeout=5).status,
                         s.health.HealthCheckResponse.SERVING)
        self.nats.start(timeout=60)
        # Writes come back.
        deadline = time.time() + 60
        while True:
            try:
                reply = writer.UpsertEntities(s.ingest.UpsertEntitiesRequest(entities=[
                    s.types.Entity(id="org:repl-after", type=s.types.ENTITY_TYPE_ORGANIZATION,
                                   name="Written after NATS came back")]), timeout=30)
                break
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE or time.time() > deadline:
                    raise
                time.sleep(0.5)
        got = reader.GetEntity(s.query.GetEntityRequest(
            id="org:repl-after",
            read_options=s.types.ReadOptions(min_commit=reply.commit_token)), timeout=30)
        self.assertEqual(got.entity.name, "Written after NATS came back")



class MigrationTest(ReplicatedBase):

    def test_an_embedded_store_starts_the_log(self):
        """--start_log_from_store: an embedded-mode store (or a restored copy)
        becomes the log's first snapshot; replicas then hold what it held."""
        data_dir = os.path.join(testlib.temp_dir("embedded-"), "data")
        embedded = testlib.ServerProcess.ingest(data_dir).start()
        try:
            channel = grpc.insecure_channel(embedded.address)
            self.assertTrue(testlib.wait_serving(channel, INGEST))
            token = self.seed(embedded, 50)
            channel.close()
        finally:
            embedded.stop()
        before = self.full_scan(self.embedded_view(data_dir), token)
        before_stats = self.stats(self.embedded_view(data_dir), token)
        for server in list(self.servers):
            server.stop()
        # Without the flag the store is refused: it is not a view of a log.
        refused = testlib.ServerProcess.ingest(data_dir, *self.nats_flags())
        with self.assertRaises(RuntimeError):
            refused.start(timeout=30)
        refused.wait(30)
        ingest = self.start_ingest("--start_log_from_store", data_dir=data_dir)
        self.wait_leader(ingest)
        query = self.query_stub(self.start_query())
        self.assertEqual(self.full_scan(query, token), before)
        after = self.stats(query, token)
        self.assertEqual(after.commit_token, before_stats.commit_token)
        self.assertEqual(after.entity_count, before_stats.entity_count)
        # And the log goes on from there.
        reply = self.ingest_stub(ingest).UpsertEntities(
            self.stubs.ingest.UpsertEntitiesRequest(entities=[self.stubs.types.Entity(
                id="org:repl-migrated", name="After the migration",
                type=self.stubs.types.ENTITY_TYPE_ORGANIZATION)]), timeout=30)
        self.assertEqual(self.stats(query, reply.commit_token).entity_count,
                         before_stats.entity_count + 1)


class ErasureTest(ReplicatedBase):

    def test_erasure_leaves_no_copy_in_any_data_directory(self):
        s = self.stubs
        types = s.types
        # Uncompressed log entries, so that a search of the NATS nodes' files
        # for the erased strings means something (LZ4 would hide them from
        # it whether or not they are there). Compaction does not depend on
        # the encoding.
        ingest = self.start_ingest("--nats_compression=none")
        queries = [self.start_query(), self.start_query()]
        self.wait_leader(ingest)
        self.seed(ingest, 3)
        secret_name = "Zyxwvut Qqqplonk"
        secret_quote = "Qqqplonk said the zyxwvut figure was unheard of"
        writer = self.ingest_stub(ingest)
        writer.UpsertEntities(s.ingest.UpsertEntitiesRequest(entities=[
            types.Entity(id="person:erase-me", type=types.ENTITY_TYPE_PERSON,
                         name=secret_name)]), timeout=30)
        request = s.ingest.IngestFactsRequest()
        for j in range(5):
            fact = request.facts.add(subject="person:erase-me", predicate=PREDICATE)
            fact.value.quantity.amount = str(j)
            fact.value.quantity.unit = "count"
            fact.mentions.add(document_id=DOCUMENT, quote=f"{secret_quote} {j}")
        self.assertEqual(writer.IngestFacts(request, timeout=30).accepted_count, 5)
        erased = writer.EraseEntity(s.ingest.EraseEntityRequest(
            entity_id="person:erase-me", reason="test"), timeout=120)
        self.assertEqual(erased.erased_fact_count, 5)
        token = erased.commit_token
        readers = [self.query_stub(q) for q in queries]
        scan, _ = self.assert_same_contents(readers, token)
        # A replica started now rebuilds from the compacted log.
        late = self.query_stub(self.start_query())
        self.assert_same_contents([readers[0], late], token)
        needles = [secret_name.encode(), b"Qqqplonk", b"qqqplonk", b"zyxwvut"]
        # Nothing a replica could rebuild from holds it: every message the
        # stream still has is read back through JetStream.
        state = self.nats.stream_info(self.stream)["state"]
        for sequence in range(state["first_seq"], state["last_seq"] + 1):
            reply = jetstream_api(self.nats.urls, f"STREAM.MSG.GET.{self.stream}",
                                  {"seq": sequence})
            data = base64.b64decode(reply["message"].get("data", ""))
            self.assertFalse([n for n in needles if n in data], sequence)
        self.assertGreater(state["first_seq"], 1, "the log was not compacted")
        # Every replica's RocksDB store drops it once it has compacted.
        stores = [server.data_dir for server in self.servers]
        started = time.time()
        found = wait_until_absent(stores, needles, timeout=60)
        self.assertEqual(found, [])
        print(f"erased data gone from every store {time.time() - started:.0f}s "
              f"after the erasure", file=sys.stderr)
        # NATS keeps a stream's Raft log until it snapshots it (2-3 minutes
        # in nats-server 2.9, see replication/README.md).
        found = wait_until_absent(self.nats.store_dirs, needles, timeout=300)
        self.assertEqual(found, [])
        print(f"erased data gone from every NATS node's files "
              f"{time.time() - started:.0f}s after the erasure", file=sys.stderr)



class DivergenceTest(ReplicatedBase):

    def test_log_going_backwards_stops_the_replicas(self):
        s = self.stubs
        ingest = self.start_ingest()
        query = self.start_query()
        self.wait_leader(ingest)
        token = self.seed(ingest, 10)
        reader = self.query_stub(query)
        self.stats(reader, token)
        # The stream deleted and created again, empty, under the replicas.
        self.nats.delete_stream(self.stream)
        self.nats.create_stream(self.stream, [f"factstore.log.{self.stream}"], 3)
        deadline = time.time() + 30
        while True:
            try:
                reader.GetStats(s.query.GetStatsRequest(), timeout=5)
            except grpc.RpcError as error:
                self.assertEqual(error.code(), grpc.StatusCode.UNAVAILABLE)
                self.assertIn("went backwards", error.details())
                break
            self.assertLess(time.time(), deadline, "the replica went on serving")
            time.sleep(0.2)
        health = self.stubs.health_grpc.HealthStub(self.channel(query))
        deadline = time.time() + 10
        while health.Check(s.health.HealthCheckRequest(service=QUERY),
                           timeout=5).status == s.health.HealthCheckResponse.SERVING:
            self.assertLess(time.time(), deadline)
            time.sleep(0.1)
        with self.assertRaises(grpc.RpcError) as refused:
            self.ingest_stub(ingest).UpsertEntities(s.ingest.UpsertEntitiesRequest(
                entities=[s.types.Entity(id="org:repl-fork", name="Fork",
                                         type=s.types.ENTITY_TYPE_ORGANIZATION)]),
                timeout=60)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)
        # Both say so loudly.
        deadline = time.time() + 30
        for server in (ingest, query):
            while not any("backwards" in e.get("error", "")
                          for e in server.log_entries() if e.get("level") == "error"):
                self.assertLess(time.time(), deadline, server.binary)
                time.sleep(0.2)


class LargeCommitTest(unittest.TestCase):
    """A commit larger than the NATS servers' max_payload is cut into parts,
    and every replica applies it whole."""

    def test_commit_larger_than_max_payload(self):
        stubs = testlib.generate_stubs()
        s = stubs
        with NatsCluster(1, max_payload=64 * 1024) as nats:
            flags = [f"--nats={nats.urls}", "--nats_stream=LARGE", "--nats_replicas=1"]
            ingest = testlib.ServerProcess.ingest(
                os.path.join(testlib.temp_dir("ingest-"), "data"), *flags).start()
            query = testlib.ServerProcess.query(
                os.path.join(testlib.temp_dir("query-"), "data"), *flags).start()
            try:
                channel = grpc.insecure_channel(ingest.address)
                self.assertTrue(testlib.wait_serving(channel, INGEST, timeout=30))
                deadline = time.time() + 30
                writer = s.ingest_grpc.IngestServiceStub(channel)
                # Descriptions that do not compress: the batch stays larger
                # than a message once LZ4 has had a go at it.
                rng = random.Random(7)
                entities = [s.types.Entity(
                    id=f"org:large-{i:04d}", name=f"Large {i}",
                    description="".join(rng.choice(string.ascii_letters)
                                        for _ in range(300)),
                    type=s.types.ENTITY_TYPE_ORGANIZATION) for i in range(1000)]
                while True:
                    try:
                        reply = writer.UpsertEntities(
                            s.ingest.UpsertEntitiesRequest(entities=entities), timeout=60)
                        break
                    except grpc.RpcError as error:   # no leader yet
                        if time.time() > deadline:
                            raise
                        time.sleep(0.2)
                query_channel = grpc.insecure_channel(query.address)
                self.assertTrue(testlib.wait_serving(query_channel, QUERY, timeout=60))
                reader = s.query_grpc.QueryServiceStub(query_channel)
                stats = reader.GetStats(s.query.GetStatsRequest(
                    read_options=s.types.ReadOptions(min_commit=reply.commit_token)),
                    timeout=60)
                self.assertEqual(stats.entity_count, 1000)
                self.assertEqual(stats.commit_token, reply.commit_token)
                # The commit took several messages of the stream.
                last = nats.stream_info("LARGE")["state"]["last_seq"]
                self.assertGreater(last, 3)
                print(f"one commit of 1000 entities took {last - 1} "
                      f"messages of at most 64 KiB", file=sys.stderr)
            finally:
                query.stop()
                ingest.stop()


class NatsSecurityTest(unittest.TestCase):
    """Both servers reach a NATS server that requires TLS (with client
    certificates) and a token; a server with the wrong token, or without the
    CA, stops at start-up saying so."""

    def test_tls_and_token(self):
        s = testlib.generate_stubs()
        pki = testlib.Pki("nats")
        server_cert, server_key = pki.issue("nats", "localhost",
                                            ["DNS:localhost", "IP:127.0.0.1"])
        client_cert, client_key = pki.issue("client", "factstore", ["DNS:factstore"])
        token = "nats-correct-horse"
        config = (f'tls {{ cert_file: "{server_cert}", key_file: "{server_key}", '
                  f'ca_file: "{pki.ca}", verify: true }}\n'
                  f'authorization {{ token: "{token}" }}')
        with NatsCluster(1, extra_config=config) as nats:
            url = nats.urls.replace("nats://", "tls://")
            flags = [f"--nats={url}", "--nats_stream=SECURE", "--nats_replicas=1",
                     f"--nats_tls_ca_file={pki.ca}",
                     f"--nats_tls_cert_file={client_cert}",
                     f"--nats_tls_key_file={client_key}"]
            env = {"FACTSTORE_NATS_TOKEN": token}   # secrets through the environment
            ingest = testlib.ServerProcess.ingest(
                os.path.join(testlib.temp_dir("ingest-"), "data"), *flags, env=env)
            query = testlib.ServerProcess.query(
                os.path.join(testlib.temp_dir("query-"), "data"), *flags, env=env)
            try:
                ingest.start(timeout=60)
                query.start(timeout=60)
                channel = grpc.insecure_channel(ingest.address)
                writer = s.ingest_grpc.IngestServiceStub(channel)
                deadline = time.time() + 30
                while True:
                    try:
                        reply = writer.UpsertEntities(s.ingest.UpsertEntitiesRequest(
                            entities=[s.types.Entity(
                                id="org:secure", name="Secure",
                                type=s.types.ENTITY_TYPE_ORGANIZATION)]), timeout=30)
                        break
                    except grpc.RpcError:   # no leader yet
                        self.assertLess(time.time(), deadline)
                        time.sleep(0.2)
                query_channel = grpc.insecure_channel(query.address)
                self.assertTrue(testlib.wait_serving(query_channel, QUERY, timeout=60))
                reader = s.query_grpc.QueryServiceStub(query_channel)
                got = reader.GetEntity(s.query.GetEntityRequest(
                    id="org:secure",
                    read_options=s.types.ReadOptions(min_commit=reply.commit_token)),
                    timeout=30)
                self.assertEqual(got.entity.name, "Secure")
                # The configuration line does not show the token.
                self.assertFalse(any(token in line for line in ingest.log_lines))
            finally:
                for server in (query, ingest):
                    server.stop()
            # Misconfigured servers stop at once (exit code 2), naming what
            # to fix, instead of waiting forever for a NATS that refuses them.
            for env, without, why in (
                    ({"FACTSTORE_NATS_TOKEN": "nats-wrong"}, None, "credentials"),
                    (env, "--nats_tls_ca_file", "TLS")):
                bad_flags = [f for f in flags if not (without and f.startswith(without))]
                bad = testlib.ServerProcess.query(
                    os.path.join(testlib.temp_dir("query-"), "data"), *bad_flags, env=env)
                with self.assertRaises(RuntimeError):
                    bad.start(timeout=30)
                self.assertEqual(bad.wait(30), 2)
                self.assertTrue(any(why in line for line in bad.log_lines),
                                bad.log_lines[-3:])


def wait_until_absent(directories, needles, timeout):
    """Polls grep() until nothing is found or `timeout` passes; returns what
    was found last."""
    deadline = time.time() + timeout
    while True:
        found = grep(directories, needles)
        if not found or time.time() > deadline:
            return found
        time.sleep(2)


def grep(directories, needles):
    """Files under `directories` that contain any of `needles`."""
    found = []
    for directory in directories:
        for root, _, files in os.walk(directory):
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                for needle in needles:
                    if needle in data:
                        found.append(f"{path}: {needle!r}")
    return found


if __name__ == "__main__":
    # Arguments name test classes or cases (ReplicatedTest, OutageTest...);
    # none: all of them.
    testlib.run_tests(sys.argv[1:])
