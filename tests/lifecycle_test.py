"""The servers as a kubelet and an operator see them: real processes, native
gRPC health probes, SIGTERM during load, configuration from flags and the
environment, JSON logs, refusal of bad configuration.
"""

import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import testlib  # noqa: E402

import grpc  # noqa: E402

INGEST = "factstore.v1.IngestService"
QUERY = "factstore.v1.QueryService"


def registry_and_entities(stubs):
    types = stubs.types
    predicate = types.Predicate(
        name="workforce.size", value_type=types.VALUE_TYPE_QUANTITY,
        unit_dimension=types.UNIT_DIMENSION_COUNT, description="Workers")
    entities = [types.Entity(id="place:da-nang", type=types.ENTITY_TYPE_PLACE,
                             name="Đà Nẵng"),
                types.Entity(id="doc:load", type=types.ENTITY_TYPE_DOCUMENT,
                             name="Load test document")]
    return predicate, entities


def make_fact(stubs, n):
    types = stubs.types
    return types.Fact(
        subject="place:da-nang", predicate="workforce.size",
        value=types.Value(raw=f"{n} people"),
        mentions=[types.Mention(document_id="doc:load", quote=f"fact {n}")])


def seed(stubs, channel):
    ingest = stubs.ingest_grpc.IngestServiceStub(channel)
    predicate, entities = registry_and_entities(stubs)
    ingest.RegisterPredicates(stubs.ingest.RegisterPredicatesRequest(
        predicates=[predicate]), timeout=10)
    return ingest.UpsertEntities(stubs.ingest.UpsertEntitiesRequest(
        entities=entities), timeout=10).commit_token


def health_status(stubs, channel, service):
    health = stubs.health_grpc.HealthStub(channel)
    try:
        return health.Check(stubs.health.HealthCheckRequest(service=service),
                            timeout=1).status
    except grpc.RpcError as error:
        return error.code()


class ShutdownTest(unittest.TestCase):
    """SIGTERM: NOT_SERVING first, then drain, then exit 0; nothing
    acknowledged is lost; reads in flight are not cut off."""

    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()

    def test_sigterm_during_streaming_load_loses_no_acknowledged_write(self):
        stubs = self.stubs
        data_dir = os.path.join(testlib.temp_dir("sigterm-"), "data")
        ingest = testlib.ServerProcess.ingest(data_dir, "--shutdown_delay=500ms",
                                              "--shutdown_grace=10s").start()
        channel = grpc.insecure_channel(ingest.address)
        self.assertTrue(testlib.wait_serving(channel, INGEST))
        seed(stubs, channel)
        stub = stubs.ingest_grpc.IngestServiceStub(channel)

        acknowledged = []
        stop = threading.Event()

        def batches():
            n = 0
            while not stop.is_set():
                yield stubs.ingest.StreamIngestFactsRequest(
                    facts=[make_fact(stubs, n + i) for i in range(200)],
                    compact_results=True)
                n += 200

        def writer():
            try:
                for ack in stub.StreamIngestFacts(batches(), timeout=60):
                    acknowledged.extend(r.fact_id for r in ack.results
                                        if r.outcome == stubs.ingest.OUTCOME_CREATED)
            except grpc.RpcError:
                pass  # the stream ends when the server goes

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(1.0)
        self.assertGreater(len(acknowledged), 0)
        ingest.signal(signal.SIGTERM)
        # What the kubelet's readiness probe sees next: NOT_SERVING while the
        # server still answers (the shutdown delay), then nothing.
        seen = set()
        deadline = time.time() + 5
        while ingest.process.poll() is None and time.time() < deadline:
            seen.add(health_status(stubs, channel, INGEST))
            time.sleep(0.02)
        stop.set()
        self.assertIn(stubs.health.HealthCheckResponse.NOT_SERVING, seen)
        self.assertEqual(ingest.wait(timeout=15), 0)
        thread.join(timeout=30)
        channel.close()

        # Every acknowledged fact is there after a restart, exactly once.
        with testlib.ServerProcess.ingest(data_dir) as restarted, \
                testlib.ServerProcess.query(data_dir) as query:
            query_channel = grpc.insecure_channel(query.address)
            self.assertTrue(testlib.wait_serving(query_channel, QUERY))
            reader = stubs.query_grpc.QueryServiceStub(query_channel)
            found = set()
            for start in range(0, len(acknowledged), 1000):
                reply = reader.BatchGetFacts(stubs.query.BatchGetFactsRequest(
                    ids=acknowledged[start:start + 1000]), timeout=30)
                self.assertEqual(list(reply.missing_ids), [])
                found.update(f.id for f in reply.facts)
            self.assertEqual(len(found), len(set(acknowledged)))
            stats = reader.GetStats(stubs.query.GetStatsRequest(), timeout=10)
            self.assertGreaterEqual(stats.fact_count, len(set(acknowledged)))
            query_channel.close()

    def test_sigterm_lets_a_waiting_read_finish(self):
        stubs = self.stubs
        data_dir = os.path.join(testlib.temp_dir("drain-"), "data")
        with testlib.ServerProcess.ingest(data_dir) as ingest:
            ingest_channel = grpc.insecure_channel(ingest.address)
            token = seed(stubs, ingest_channel)
            query = testlib.ServerProcess.query(data_dir, "--shutdown_grace=10s").start()
            query_channel = grpc.insecure_channel(query.address)
            self.assertTrue(testlib.wait_serving(query_channel, QUERY))
            reader = stubs.query_grpc.QueryServiceStub(query_channel)
            store_id, commit = token.split("-")
            next_token = f"{store_id}-{int(commit) + 1}"
            # A read waiting for the next commit is in flight when SIGTERM
            # arrives; it must get its answer, not be cut off.
            future = reader.GetStats.future(stubs.query.GetStatsRequest(
                read_options=stubs.types.ReadOptions(min_commit=next_token)),
                timeout=20)
            time.sleep(0.3)
            query.signal(signal.SIGTERM)
            time.sleep(0.3)
            ingest_stub = stubs.ingest_grpc.IngestServiceStub(ingest_channel)
            ingest_stub.IngestFacts(stubs.ingest.IngestFactsRequest(
                facts=[make_fact(stubs, 1)]), timeout=10)
            reply = future.result(timeout=20)
            self.assertEqual(reply.fact_count, 1)
            self.assertEqual(query.wait(timeout=15), 0)
            query_channel.close()
            ingest_channel.close()

    def test_watch_streams_end_with_a_resume_token_on_sigterm(self):
        stubs = self.stubs
        data_dir = os.path.join(testlib.temp_dir("watch-"), "data")
        with testlib.ServerProcess.ingest(data_dir) as ingest:
            seed(stubs, grpc.insecure_channel(ingest.address))
            query = testlib.ServerProcess.query(data_dir).start()
            channel = grpc.insecure_channel(query.address)
            self.assertTrue(testlib.wait_serving(channel, QUERY))
            stream = stubs.query_grpc.QueryServiceStub(channel).WatchFacts(
                stubs.query.WatchFactsRequest(), timeout=30)
            first = next(stream)
            self.assertTrue(first.resume_token)
            query.signal(signal.SIGTERM)
            with self.assertRaises(grpc.RpcError) as ended:
                for _ in stream:
                    pass
            self.assertEqual(ended.exception.code(), grpc.StatusCode.UNAVAILABLE)
            self.assertIn("resume", ended.exception.details())
            self.assertEqual(query.wait(timeout=15), 0)


class ConfigurationTest(unittest.TestCase):
    """Flags, the environment, and refusal of bad configuration."""

    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()

    def refused(self, server, expected_text):
        server.process = None
        try:
            server.start(timeout=20)
        except RuntimeError:
            pass
        code = server.wait(timeout=20)
        self.assertNotEqual(code, 0)
        log = "\n".join(server.log_lines)
        self.assertIn(expected_text, log)
        for line in server.log_lines:
            json.loads(line)  # errors are JSON log lines too

    def test_bad_configuration_fails_at_start_naming_the_setting(self):
        data = os.path.join(testlib.temp_dir("config-"), "data")
        cases = [
            (testlib.ServerProcess.ingest(data, "--block_cache_mb=0"), "--block_cache_mb"),
            (testlib.ServerProcess.ingest(data, "--listen=nohostport"), "--listen"),
            (testlib.ServerProcess.ingest(data, "--tls_cert=/nonexistent.pem",
                                          "--tls_key=/nonexistent.key"), "--tls_cert"),
            (testlib.ServerProcess.ingest(data, "--tls_cert=/nonexistent.pem"),
             "--tls_cert/--tls_key"),
            (testlib.ServerProcess.ingest(data, "--auth_token_file=/nonexistent"),
             "--auth_token_file"),
            (testlib.ServerProcess.ingest(data, "--auth_allowed_identities=dns:x=root"),
             "--auth_allowed_identities"),
            # Other machines could call it, and nothing authenticates them.
            (testlib.ServerProcess.ingest(data, "--listen=0.0.0.0:0"),
             "--allow_unauthenticated"),
            (testlib.ServerProcess.query(data, "--listen=[::]:0"),
             "--allow_unauthenticated"),
            (testlib.ServerProcess.ingest(data, "--log_level=loud"), "--log_level"),
            (testlib.ServerProcess.ingest(data, env={"FACTSTORE_INGEST_SYNC": "maybe"}),
             "FACTSTORE_INGEST_SYNC"),
            (testlib.ServerProcess.query(data, "--catch_up_interval=0s"),
             "--catch_up_interval"),
            (testlib.ServerProcess.query(data, "--inline_scan_time=-1ms"),
             "--inline_scan_time"),
            (testlib.ServerProcess.query(data, "--inline_scan_time=1s"),
             "--inline_scan_time"),
            (testlib.ServerProcess.query(data, "--metrics_listen=256.1.1.1:99999"),
             "--metrics_listen"),
        ]
        for server, text in cases:
            with self.subTest(args=server.args, env=server.env):
                self.refused(server, text)

    def test_the_servers_create_their_files_for_their_owner_only(self):
        base = testlib.temp_dir("modes-")
        data = os.path.join(base, "data")
        secondary = os.path.join(base, "secondary")
        stubs = testlib.generate_stubs()
        with testlib.ServerProcess.ingest(data) as ingest, \
                testlib.ServerProcess.query(data, f"--secondary_dir={secondary}") as query:
            channel = grpc.insecure_channel(ingest.address)
            reply = stubs.ingest_grpc.IngestServiceStub(channel).UpsertEntities(
                stubs.ingest.UpsertEntitiesRequest(entities=[stubs.types.Entity(
                    id="place:hue", type=stubs.types.ENTITY_TYPE_PLACE, name="Huế")]),
                timeout=10)
            channel.close()
            query_channel = grpc.insecure_channel(query.address)
            # Until its first catch-up the query service answers UNAVAILABLE.
            self.assertTrue(testlib.wait_serving(query_channel, "factstore.v1.QueryService"))
            stubs.query_grpc.QueryServiceStub(query_channel).GetStats(
                stubs.query.GetStatsRequest(read_options=stubs.types.ReadOptions(
                    min_commit=reply.commit_token)), timeout=10)
            query_channel.close()
            checked = 0
            for top in (data, secondary):
                for root, dirs, files in os.walk(top):
                    for path in [root] + [os.path.join(root, f) for f in files]:
                        mode = os.stat(path).st_mode & 0o777
                        self.assertEqual(mode & 0o077, 0, f"{path} has mode {mode:o}")
                        checked += 1
            self.assertGreater(checked, 10)

    def test_request_ids_are_forgotten_after_the_retention(self):
        data = os.path.join(testlib.temp_dir("expiry-"), "data")
        s = testlib.generate_stubs()

        def upsert(stub, entity_id):
            return stub.UpsertEntities(s.ingest.UpsertEntitiesRequest(
                request_id="load-1", entities=[s.types.Entity(
                    id=entity_id, type=s.types.ENTITY_TYPE_PLACE, name="Huế")]),
                timeout=10)

        with testlib.ServerProcess.ingest(data, "--request_id_retention=2s") as ingest:
            channel = grpc.insecure_channel(ingest.address)
            stub = s.ingest_grpc.IngestServiceStub(channel)
            first = upsert(stub, "place:hue")
            # Within the retention: the id answers for the first request only.
            self.assertEqual(upsert(stub, "place:hue").commit_token, first.commit_token)
            with self.assertRaises(grpc.RpcError) as reused:
                upsert(stub, "place:hue-2")
            self.assertEqual(reused.exception.code(), grpc.StatusCode.ALREADY_EXISTS)
            # After it, the id is free: the same id names a new request.
            deadline = time.time() + 20
            while True:
                try:
                    reply = upsert(stub, "place:hue-2")
                    break
                except grpc.RpcError as error:
                    self.assertEqual(error.code(), grpc.StatusCode.ALREADY_EXISTS)
                    self.assertLess(time.time(), deadline, "the request id never expired")
                    time.sleep(0.2)
            self.assertNotEqual(reply.commit_token, first.commit_token)
            self.assertEqual(reply.results[0].outcome, s.ingest.OUTCOME_CREATED)
            channel.close()
            self.assertTrue(any(e.get("msg") == "request ids expired"
                                for e in ingest.log_entries()))

    def test_a_second_writer_on_the_same_store_is_refused(self):
        data = os.path.join(testlib.temp_dir("lock-"), "data")
        with testlib.ServerProcess.ingest(data):
            self.refused(testlib.ServerProcess.ingest(data), "lock")

    def test_environment_configures_and_the_command_line_wins(self):
        data = os.path.join(testlib.temp_dir("env-"), "data")
        env = {"FACTSTORE_DATA_DIR": "/nonexistent/should-not-be-used",
               "FACTSTORE_INGEST_SHUTDOWN_GRACE": "7s",
               "FACTSTORE_AUTH_TOKEN": "s3cret-token-value"}
        with testlib.ServerProcess.ingest(data, env=env) as server:
            config = [e for e in server.log_entries()
                      if e.get("msg") == "starting ingest service"]
            self.assertEqual(len(config), 1)  # printed once
            self.assertEqual(config[0]["data_dir"], data)  # flag beats env
            self.assertEqual(config[0]["shutdown_grace"], "7s")  # from env
            self.assertEqual(config[0]["auth_token"], "<redacted>")
            self.assertNotIn("s3cret-token-value", "\n".join(server.log_lines))

    def test_logs_are_json_lines_without_a_line_per_successful_call(self):
        data = os.path.join(testlib.temp_dir("logs-"), "data")
        with testlib.ServerProcess.ingest(data) as quiet:
            channel = grpc.insecure_channel(quiet.address)
            for _ in range(20):
                seed(self.stubs, channel)
            before = len(quiet.log_lines)
            time.sleep(0.2)
            self.assertEqual([l for l in quiet.log_lines if '"method"' in l], [])
            channel.close()
        for line in quiet.log_lines:
            entry = json.loads(line)
            self.assertIn("time", entry)
            self.assertIn("level", entry)
            self.assertIn("msg", entry)
        self.assertGreater(before, 0)
        with testlib.ServerProcess.ingest(data, "--log_level=debug") as verbose:
            channel = grpc.insecure_channel(verbose.address)
            seed(self.stubs, channel)
            stub = self.stubs.ingest_grpc.IngestServiceStub(channel)
            with self.assertRaises(grpc.RpcError):
                stub.EraseEntity(self.stubs.ingest.EraseEntityRequest(), timeout=5)
            channel.close()
            time.sleep(0.2)
            calls = [e for e in verbose.log_entries() if "method" in e]
            self.assertTrue(any(e["code"] == "OK" and
                                e["method"] == "/factstore.v1.IngestService/UpsertEntities"
                                for e in calls), calls)
            failed = [e for e in calls if e["code"] == "InvalidArgument"]
            self.assertEqual(len(failed), 1)
            self.assertIn("entity_id", failed[0]["msg"])
            for e in calls:
                self.assertIn("duration_ms", e)
                self.assertIn("peer", e)


if __name__ == "__main__":
    testlib.run_tests()
