"""Security and observability of the real server processes: TLS, mutual TLS,
certificate reload, bearer tokens and identity allow-lists, and the
Prometheus endpoint (scraped, parsed, checked by promtool, and scraped by a
real Prometheus server).

Certificates are made with openssl at test time.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import testlib  # noqa: E402

import grpc  # noqa: E402

INGEST = "factstore.v1.IngestService"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tls_channel(address, ca, cert=None, key=None):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(ca),
        private_key=read(key) if key else None,
        certificate_chain=read(cert) if cert else None)
    return grpc.secure_channel(address, credentials,
                               options=[("grpc.ssl_target_name_override", "localhost")])


def upsert(stubs, channel, metadata=None, entity_id="place:da-nang"):
    stub = stubs.ingest_grpc.IngestServiceStub(channel)
    return stub.UpsertEntities(stubs.ingest.UpsertEntitiesRequest(entities=[
        stubs.types.Entity(id=entity_id, type=stubs.types.ENTITY_TYPE_PLACE,
                           name="Đà Nẵng")]), timeout=5, metadata=metadata)


def health(stubs, channel, service=INGEST):
    return stubs.health_grpc.HealthStub(channel).Check(
        stubs.health.HealthCheckRequest(service=service), timeout=5).status


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()
        cls.pki = testlib.Pki("main")
        cls.server_cert, cls.server_key = cls.pki.issue(
            "server", "localhost", ["DNS:localhost", "IP:127.0.0.1"])
        cls.writer_cert, cls.writer_key = cls.pki.issue(
            "writer", "writer-1", ["DNS:writer-1"])
        cls.reader_cert, cls.reader_key = cls.pki.issue(
            "reader", "reader-7", ["DNS:reader-7"])
        cls.stranger = testlib.Pki("stranger")
        cls.stranger_cert, cls.stranger_key = cls.stranger.issue(
            "client", "writer-1", ["DNS:writer-1"])

    def data_dir(self):
        return os.path.join(testlib.temp_dir("tls-"), "data")

    def test_tls_serves_tls_clients_and_refuses_plaintext(self):
        with testlib.ServerProcess.ingest(self.data_dir(), f"--tls_cert={self.server_cert}",
                                          f"--tls_key={self.server_key}") as server:
            secure = tls_channel(server.address, self.pki.ca)
            self.assertEqual(len(upsert(self.stubs, secure).results), 1)
            plain = grpc.insecure_channel(server.address)
            with self.assertRaises(grpc.RpcError) as refused:
                upsert(self.stubs, plain)
            self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)
            # A client that does not trust the server's CA is refused too.
            untrusting = tls_channel(server.address, self.stranger.ca)
            with self.assertRaises(grpc.RpcError):
                upsert(self.stubs, untrusting)
            for c in (secure, plain, untrusting):
                c.close()

    def test_a_plaintext_probe_port_answers_health_checks_only(self):
        with testlib.ServerProcess.ingest(self.data_dir(), f"--tls_cert={self.server_cert}",
                                          f"--tls_key={self.server_key}",
                                          "--probe_listen=127.0.0.1:0") as server:
            probe_port = [e for e in server.log_entries() if "probe_port" in e][0]["probe_port"]
            self.assertGreater(probe_port, 0)
            probe = grpc.insecure_channel(f"127.0.0.1:{int(probe_port)}")
            self.assertEqual(health(self.stubs, probe),
                             self.stubs.health.HealthCheckResponse.SERVING)
            with self.assertRaises(grpc.RpcError) as refused:
                upsert(self.stubs, probe)
            self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            self.assertIn("health checks only", refused.exception.details())
            secure = tls_channel(server.address, self.pki.ca)
            self.assertEqual(len(upsert(self.stubs, secure).results), 1)
            probe.close()
            secure.close()

    def test_mutual_tls_refuses_clients_without_a_valid_certificate(self):
        with testlib.ServerProcess.ingest(
                self.data_dir(), f"--tls_cert={self.server_cert}",
                f"--tls_key={self.server_key}", f"--tls_client_ca={self.pki.ca}",
                "--tls_require_client_cert") as server:
            with_cert = tls_channel(server.address, self.pki.ca, self.writer_cert,
                                    self.writer_key)
            self.assertEqual(len(upsert(self.stubs, with_cert).results), 1)
            without_cert = tls_channel(server.address, self.pki.ca)
            with self.assertRaises(grpc.RpcError) as refused:
                upsert(self.stubs, without_cert)
            self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)
            foreign_cert = tls_channel(server.address, self.pki.ca, self.stranger_cert,
                                       self.stranger_key)
            with self.assertRaises(grpc.RpcError):
                upsert(self.stubs, foreign_cert)
            for c in (with_cert, without_cert, foreign_cert):
                c.close()

    def test_certificates_are_reloaded_when_the_files_change(self):
        directory = testlib.temp_dir("rotating-")
        cert = os.path.join(directory, "tls.crt")
        key = os.path.join(directory, "tls.key")
        shutil.copy(self.server_cert, cert)
        shutil.copy(self.server_key, key)
        with testlib.ServerProcess.ingest(self.data_dir(), f"--tls_cert={cert}",
                                          f"--tls_key={key}",
                                          "--tls_refresh_interval=1s") as server:
            old_ca = tls_channel(server.address, self.pki.ca)
            self.assertEqual(len(upsert(self.stubs, old_ca).results), 1)
            old_ca.close()
            # Rotate to a certificate of another CA, as a renewed Kubernetes
            # secret would: new files replace the old ones.
            new_pki = testlib.Pki("rotated")
            new_cert, new_key = new_pki.issue("server", "localhost",
                                              ["DNS:localhost", "IP:127.0.0.1"])
            shutil.copy(new_key, key + ".tmp")
            shutil.copy(new_cert, cert + ".tmp")
            os.replace(key + ".tmp", key)
            os.replace(cert + ".tmp", cert)
            deadline = time.time() + 15
            rotated = False
            while time.time() < deadline and not rotated:
                channel = tls_channel(server.address, new_pki.ca)
                try:
                    upsert(self.stubs, channel)
                    rotated = True
                except grpc.RpcError:
                    time.sleep(0.2)
                finally:
                    channel.close()
            self.assertTrue(rotated, "the server never presented the new certificate")

    def test_bearer_tokens_authenticate_writers(self):
        token_file = os.path.join(testlib.temp_dir("token-"), "token")
        with open(token_file, "w") as out:
            out.write("first-token\n")
        with testlib.ServerProcess.ingest(self.data_dir(),
                                          f"--auth_token_file={token_file}") as server:
            channel = grpc.insecure_channel(server.address)
            with self.assertRaises(grpc.RpcError) as anonymous:
                upsert(self.stubs, channel)
            self.assertEqual(anonymous.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            with self.assertRaises(grpc.RpcError) as wrong:
                upsert(self.stubs, channel, [("authorization", "Bearer nope")])
            self.assertEqual(wrong.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            upsert(self.stubs, channel, [("authorization", "Bearer first-token")])
            # The streaming RPC is guarded too.
            stub = self.stubs.ingest_grpc.IngestServiceStub(channel)
            with self.assertRaises(grpc.RpcError) as stream:
                list(stub.StreamIngestFacts(iter([self.stubs.ingest.StreamIngestFactsRequest()]),
                                            timeout=5))
            self.assertEqual(stream.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            # Probes need no token.
            self.assertEqual(health(self.stubs, channel),
                             self.stubs.health.HealthCheckResponse.SERVING)
            # A rotated token file takes effect without a restart.
            time.sleep(1.1)
            with open(token_file + ".tmp", "w") as out:
                out.write("second-token\n")
            os.replace(token_file + ".tmp", token_file)
            deadline = time.time() + 10
            while True:
                try:
                    upsert(self.stubs, channel, [("authorization", "Bearer second-token")])
                    break
                except grpc.RpcError:
                    self.assertLess(time.time(), deadline, "new token never accepted")
                    time.sleep(0.2)
            with self.assertRaises(grpc.RpcError):
                upsert(self.stubs, channel, [("authorization", "Bearer first-token")])
            channel.close()

    def denied(self, call):
        with self.assertRaises(grpc.RpcError) as refused:
            call()
        return refused.exception

    def test_roles_decide_which_calls_a_token_may_make(self):
        directory = testlib.temp_dir("roles-")
        ingest_tokens = os.path.join(directory, "ingest-tokens")
        with open(ingest_tokens, "w") as out:
            out.write("# the ingest service's callers\n"
                      "writer        writer-token\n"
                      "writer+admin  admin-token\n"
                      "reader        reader-token\n")
        query_tokens = os.path.join(directory, "query-tokens")
        with open(query_tokens, "w") as out:
            out.write("reader reader-token\nwriter writer-token\n")
        data_dir = self.data_dir()
        s = self.stubs

        def bearer(token):
            return [("authorization", f"Bearer {token}")]

        with testlib.ServerProcess.ingest(data_dir, f"--auth_token_file={ingest_tokens}") as ingest, \
                testlib.ServerProcess.query(data_dir,
                                            f"--auth_token_file={query_tokens}") as query:
            channel = grpc.insecure_channel(ingest.address)
            stub = s.ingest_grpc.IngestServiceStub(channel)
            # A reader may not write; the refusal names the role it lacks.
            refused = self.denied(lambda: upsert(s, channel, bearer("reader-token")))
            self.assertEqual(refused.code(), grpc.StatusCode.PERMISSION_DENIED)
            self.assertIn('needs the role "writer"', refused.details())
            self.assertIn("reader", refused.details())
            refused = self.denied(lambda: list(stub.StreamIngestFacts(
                iter([s.ingest.StreamIngestFactsRequest()]), timeout=5,
                metadata=bearer("reader-token"))))
            self.assertEqual(refused.code(), grpc.StatusCode.PERMISSION_DENIED)
            # A writer writes, but neither registers predicates nor erases nor
            # merges.
            upsert(s, channel, bearer("writer-token"))
            head = upsert(s, channel, bearer("writer-token"), entity_id="place:hue")
            for admin_call in (
                    lambda metadata: stub.RegisterPredicates(
                        s.ingest.RegisterPredicatesRequest(validate_only=True),
                        timeout=5, metadata=metadata),
                    lambda metadata: stub.EraseEntity(
                        s.ingest.EraseEntityRequest(entity_id="place:hue",
                                                    reason="test"),
                        timeout=5, metadata=metadata),
                    lambda metadata: stub.MergeEntities(
                        s.ingest.MergeEntitiesRequest(from_entity_id="place:hue",
                                                      into_entity_id="place:da-nang"),
                        timeout=5, metadata=metadata)):
                refused = self.denied(lambda: admin_call(bearer("writer-token")))
                self.assertEqual(refused.code(), grpc.StatusCode.PERMISSION_DENIED)
                self.assertIn('needs the role "admin"', refused.details())
            # The writer's refused erasure changed nothing; the admin's erases.
            query_channel = grpc.insecure_channel(query.address)
            # Until its first catch-up the query service answers UNAVAILABLE.
            self.assertTrue(testlib.wait_serving(query_channel, "factstore.v1.QueryService"))
            reads = s.query_grpc.QueryServiceStub(query_channel)
            entity = reads.GetEntity(s.query.GetEntityRequest(
                id="place:hue", read_options=s.types.ReadOptions(
                    min_commit=head.commit_token)), timeout=10,
                metadata=bearer("reader-token"))
            self.assertEqual(entity.entity.id, "place:hue")
            stub.EraseEntity(s.ingest.EraseEntityRequest(entity_id="place:hue",
                                                         reason="test"),
                             timeout=10, metadata=bearer("admin-token"))
            head = upsert(s, channel, bearer("writer-token"))
            # The query service holds a writer token that is not a reader.
            refused = self.denied(lambda: reads.GetStats(
                s.query.GetStatsRequest(), timeout=5, metadata=bearer("writer-token")))
            self.assertEqual(refused.code(), grpc.StatusCode.PERMISSION_DENIED)
            self.assertIn('needs the role "reader"', refused.details())
            refused = self.denied(lambda: next(reads.WatchFacts(
                s.query.WatchFactsRequest(), timeout=5, metadata=bearer("writer-token"))))
            self.assertEqual(refused.code(), grpc.StatusCode.PERMISSION_DENIED)
            # Who calls is settled before the request is looked at.
            bad_request = s.query.GetStatsRequest(
                read_options=s.types.ReadOptions(as_of="1"))
            refused = self.denied(lambda: reads.GetStats(bad_request, timeout=5))
            self.assertEqual(refused.code(), grpc.StatusCode.UNAUTHENTICATED)
            refused = self.denied(lambda: reads.GetStats(
                bad_request, timeout=5, metadata=bearer("reader-token")))
            self.assertEqual(refused.code(), grpc.StatusCode.INVALID_ARGUMENT)
            stats = reads.GetStats(s.query.GetStatsRequest(
                read_options=s.types.ReadOptions(min_commit=head.commit_token)),
                timeout=10, metadata=bearer("reader-token"))
            self.assertEqual(stats.entity_count, 1)
            # A token file that no longer parses keeps the tokens that worked.
            time.sleep(1.1)
            with open(ingest_tokens, "w") as out:
                out.write("superuser writer-token\n")
            time.sleep(1.2)
            upsert(s, channel, bearer("writer-token"))
            channel.close()
            query_channel.close()

    def test_identities_match_subject_alternative_names_of_the_configured_kind(self):
        spiffe = "spiffe://factstore.test/ns/news/sa/extractor"
        extractor_cert, extractor_key = self.pki.issue(
            "extractor", "writer-1", [f"URI:{spiffe}", "DNS:extractor.news.svc"])
        reader_cert, reader_key = self.pki.issue(
            "auditor", "auditor", ["DNS:auditor.news.svc"])
        with testlib.ServerProcess.ingest(
                self.data_dir(), f"--tls_cert={self.server_cert}",
                f"--tls_key={self.server_key}", f"--tls_client_ca={self.pki.ca}",
                "--tls_require_client_cert",
                # "writer-1" is only the extractor's Common Name; it has SANs.
                "--auth_allowed_identities=writer-1,dns:" + spiffe +
                f",uri:{spiffe}=writer,dns:auditor.news.svc=reader") as server:
            extractor = tls_channel(server.address, self.pki.ca, extractor_cert,
                                    extractor_key)
            upsert(self.stubs, extractor)
            auditor = tls_channel(server.address, self.pki.ca, reader_cert, reader_key)
            refused = self.denied(lambda: upsert(self.stubs, auditor))
            self.assertEqual(refused.code(), grpc.StatusCode.PERMISSION_DENIED)
            self.assertIn('needs the role "writer"', refused.details())
            extractor.close()
            auditor.close()
        # The same certificate, with only its Common Name on the list.
        with testlib.ServerProcess.ingest(
                self.data_dir(), f"--tls_cert={self.server_cert}",
                f"--tls_key={self.server_key}", f"--tls_client_ca={self.pki.ca}",
                "--tls_require_client_cert", "--auth_allowed_identities=writer-1,"
                "dns:" + spiffe) as server:
            extractor = tls_channel(server.address, self.pki.ca, extractor_cert,
                                    extractor_key)
            refused = self.denied(lambda: upsert(self.stubs, extractor))
            self.assertEqual(refused.code(), grpc.StatusCode.PERMISSION_DENIED)
            self.assertIn("is not allowed", refused.details())
            extractor.close()

    def test_serving_other_machines_without_authentication_needs_consent(self):
        data_dir = self.data_dir()
        with testlib.ServerProcess.ingest(data_dir, "--listen=0.0.0.0:0",
                                          "--allow_unauthenticated") as server:
            port = server.address.rsplit(":", 1)[1]
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            upsert(self.stubs, channel)
            channel.close()

    def test_client_certificate_identities_are_checked_against_the_allow_list(self):
        with testlib.ServerProcess.ingest(
                self.data_dir(), f"--tls_cert={self.server_cert}",
                f"--tls_key={self.server_key}", f"--tls_client_ca={self.pki.ca}",
                "--tls_require_client_cert", "--auth_allowed_identities=writer-1",
                env={"FACTSTORE_AUTH_TOKEN": "ops-token"}) as server:
            writer = tls_channel(server.address, self.pki.ca, self.writer_cert,
                                 self.writer_key)
            upsert(self.stubs, writer)
            reader = tls_channel(server.address, self.pki.ca, self.reader_cert,
                                 self.reader_key)
            with self.assertRaises(grpc.RpcError) as denied:
                upsert(self.stubs, reader)
            self.assertEqual(denied.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
            self.assertIn("reader-7", denied.exception.details())
            # A valid token lets a client in whatever its identity.
            upsert(self.stubs, reader, [("authorization", "Bearer ops-token")])
            writer.close()
            reader.close()

    def test_factctl_speaks_tls_and_sends_its_token(self):
        data_dir = self.data_dir()
        tls = [f"--tls_cert={self.server_cert}", f"--tls_key={self.server_key}"]
        env = {"FACTSTORE_AUTH_TOKEN": "loader-token"}
        with testlib.ServerProcess.ingest(data_dir, *tls, env=env) as ingest, \
                testlib.ServerProcess.query(data_dir, *tls, env=env) as query:
            # `factctl stats` reads from the query service: wait for its
            # first catch-up (health checks need no token).
            self.assertTrue(testlib.wait_serving(tls_channel(query.address, self.pki.ca),
                                                 "factstore.v1.QueryService"))
            samples = sorted(os.path.join(testlib.SAMPLES_DIR, f)
                             for f in os.listdir(testlib.SAMPLES_DIR)
                             if f.endswith(".jsonl"))
            common = [f"--ingest={ingest.address}", f"--query={query.address}",
                      f"--tls_ca={self.pki.ca}", "--tls_server_name=localhost"]
            loaded = subprocess.run([testlib.FACTCTL_BINARY, "load", *common, *samples],
                                    env={**os.environ, "FACTCTL_TOKEN": "loader-token"},
                                    capture_output=True, text=True, timeout=60)
            self.assertEqual(loaded.returncode, 0, loaded.stdout + loaded.stderr)
            self.assertIn("0 rejected", loaded.stdout)
            last_commit = re.search(r"last commit (\S+)", loaded.stdout).group(1)
            stats = subprocess.run([testlib.FACTCTL_BINARY, "stats", *common,
                                    "--token=loader-token", "--output=json",
                                    f"--min_commit={last_commit}"],
                                   capture_output=True, text=True, timeout=60)
            self.assertEqual(stats.returncode, 0, stats.stderr)
            self.assertIn('"factCount"', stats.stdout)
            refused = subprocess.run([testlib.FACTCTL_BINARY, "stats", *common],
                                     capture_output=True, text=True, timeout=60)
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("credentials", refused.stderr)

    def test_the_query_service_can_require_a_token(self):
        data_dir = self.data_dir()
        with testlib.ServerProcess.ingest(data_dir), testlib.ServerProcess.query(
                data_dir, env={"FACTSTORE_QUERY_AUTH_TOKEN": "reader-token"}) as query:
            channel = grpc.insecure_channel(query.address)
            self.assertTrue(testlib.wait_serving(channel, "factstore.v1.QueryService"))
            stub = self.stubs.query_grpc.QueryServiceStub(channel)
            request = self.stubs.query.GetStatsRequest()
            with self.assertRaises(grpc.RpcError) as anonymous:
                stub.GetStats(request, timeout=5)
            self.assertEqual(anonymous.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            stub.GetStats(request, timeout=5,
                          metadata=[("authorization", "Bearer reader-token")])
            with self.assertRaises(grpc.RpcError) as watch:
                next(stub.WatchFacts(self.stubs.query.WatchFactsRequest(), timeout=5))
            self.assertEqual(watch.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            channel.close()


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        return reply.read().decode()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)')


def parse_exposition(text):
    """Parses the Prometheus text format into {(name, labels): value}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not an exposition line: {line!r}"
        labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match.group(3) or "")))
        samples[(match.group(1), labels)] = float(match.group(4))
    return samples


def value(samples, name, **labels):
    wanted = set(labels.items())
    return sum(v for (n, l), v in samples.items() if n == name and wanted <= set(l))


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()

    def test_prometheus_endpoint_counts_rpcs_and_commits(self):
        data_dir = os.path.join(testlib.temp_dir("metrics-"), "data")
        ingest = testlib.ServerProcess.ingest(data_dir)
        ingest.args.append("--metrics_listen=127.0.0.1:0")
        query = testlib.ServerProcess.query(data_dir)
        query.args.append("--metrics_listen=127.0.0.1:0")
        with ingest, query:
            ports = {}
            for server in (ingest, query):
                entry = [e for e in server.log_entries() if "metrics_port" in e][0]
                ports[server] = int(entry["metrics_port"])
                self.assertGreater(ports[server], 0)
            channel = grpc.insecure_channel(ingest.address)
            for i in range(3):
                upsert(self.stubs, channel, entity_id=f"place:p{i}")
            stub = self.stubs.ingest_grpc.IngestServiceStub(channel)
            with self.assertRaises(grpc.RpcError):
                stub.EraseEntity(self.stubs.ingest.EraseEntityRequest(), timeout=5)
            channel.close()

            text = scrape(ports[ingest])
            samples = parse_exposition(text)
            ok = dict(grpc_service=INGEST, grpc_method="UpsertEntities")
            self.assertEqual(value(samples, "grpc_server_started_total", **ok), 3)
            self.assertEqual(value(samples, "grpc_server_handled_total", grpc_code="OK", **ok), 3)
            self.assertEqual(value(samples, "grpc_server_handled_total", grpc_service=INGEST,
                                   grpc_method="EraseEntity", grpc_code="InvalidArgument"), 1)
            self.assertEqual(value(samples, "grpc_server_handling_seconds_count", **ok), 3)
            # Messages: one each way per unary call; the refused erasure got
            # its request and sent no response.
            self.assertEqual(value(samples, "grpc_server_msg_received_total", **ok), 3)
            self.assertEqual(value(samples, "grpc_server_msg_sent_total", **ok), 3)
            erase = dict(grpc_service=INGEST, grpc_method="EraseEntity")
            self.assertEqual(value(samples, "grpc_server_msg_received_total", **erase), 1)
            self.assertEqual(value(samples, "grpc_server_msg_sent_total", **erase), 0)
            self.assertGreater(value(samples, "grpc_server_handling_seconds_bucket", le="+Inf",
                                     **ok), 0)
            self.assertEqual(value(samples, "factstore_commits_total"), 3)
            self.assertEqual(value(samples, "factstore_last_commit"), 3)
            for name in ("factstore_commit_items_count", "factstore_commit_seconds_count",
                         "factstore_rocksdb_table_reads_total",
                         "factstore_rocksdb_table_read_bytes_total",
                         "factstore_rocksdb_write_stall_seconds_total",
                         "factstore_rocksdb_writes_stopped",
                         "factstore_rocksdb_delayed_write_rate_bytes",
                         "factstore_rocksdb_running_compactions"):
                self.assertIn(name, {n for n, _ in samples}, name)
            # Block cache figures by kind of block, each kind named.
            for name in ("factstore_rocksdb_block_cache_hits_total",
                         "factstore_rocksdb_block_cache_misses_total",
                         "factstore_rocksdb_block_cache_inserted_bytes_total"):
                kinds = {dict(labels).get("block") for n, labels in samples if n == name}
                self.assertEqual(kinds, {"data", "index", "filter"}, name)
            # Per column family: every family of the store, by name.
            for name in ("factstore_rocksdb_sst_bytes", "factstore_rocksdb_level0_files",
                         "factstore_rocksdb_pending_compaction_bytes",
                         "factstore_rocksdb_memtable_bytes",
                         "factstore_rocksdb_memtables"):
                families = {dict(labels).get("column_family")
                            for n, labels in samples if n == name}
                self.assertTrue({"default", "facts", "entities", "commit_log"} <= families,
                                (name, families))

            query_channel = grpc.insecure_channel(query.address)
            self.assertTrue(testlib.wait_serving(query_channel, "factstore.v1.QueryService"))
            query_samples = parse_exposition(scrape(ports[query]))
            self.assertEqual(value(query_samples, "factstore_secondary_lag_commits"), 0)
            self.assertEqual(value(query_samples, "factstore_visible_commit"), 3)
            query_channel.close()

            promtool = shutil.which("promtool")
            if promtool:
                checked = subprocess.run([promtool, "check", "metrics"], input=text,
                                         capture_output=True, text=True)
                self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_a_real_prometheus_scrapes_the_ingest_service(self):
        prometheus = shutil.which("prometheus")
        if not prometheus:
            self.skipTest("no prometheus binary")
        data_dir = os.path.join(testlib.temp_dir("scrape-"), "data")
        ingest = testlib.ServerProcess.ingest(data_dir)
        ingest.args.append("--metrics_listen=127.0.0.1:0")
        with ingest:
            port = int([e for e in ingest.log_entries() if "metrics_port" in e][0]
                       ["metrics_port"])
            work = testlib.temp_dir("prometheus-")
            config = os.path.join(work, "prometheus.yml")
            with open(config, "w") as out:
                out.write("global:\n  scrape_interval: 1s\n"
                          "scrape_configs:\n  - job_name: factstore-ingest\n"
                          f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
            web = "127.0.0.1:0"
            with socket_free_port() as web_port:
                web = f"127.0.0.1:{web_port}"
            server = subprocess.Popen(
                [prometheus, f"--config.file={config}", f"--storage.tsdb.path={work}/tsdb",
                 f"--web.listen-address={web}"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            try:
                deadline = time.time() + 30
                up = None
                while time.time() < deadline:
                    try:
                        with urllib.request.urlopen(
                                f"http://{web}/api/v1/query?query=up", timeout=2) as reply:
                            body = reply.read().decode()
                        if '"value":[' in body and '"1"]' in body:
                            up = body
                            break
                    except OSError:
                        pass
                    time.sleep(0.5)
                self.assertIsNotNone(up, "prometheus never scraped the ingest service")
                self.assertIn("factstore-ingest", up)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)


class socket_free_port:
    """A port that was free a moment ago (for the Prometheus web server)."""

    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *unused):
        self.sock.close()


if __name__ == "__main__":
    testlib.run_tests()
