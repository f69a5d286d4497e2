"""Errors in the standard shape (AIP-193), as clients read them.

Every error of both services carries a google.rpc.Status in the
grpc-status-details-bin trailer: an ErrorInfo (reason, domain factstore.v1),
a BadRequest naming the fields at fault, RetryInfo where a retry can help.
Read here with Python grpcio and with buf curl, against real servers; and
docs/errors.md is held to the reasons common/errors.h defines.
(tests/malformed_requests_test.cc checks the details of every malformed
request of its table; tests/overload_test.py those of a shed write.)
"""

import base64
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import testlib  # noqa: E402

import grpc  # noqa: E402

DOMAIN = "factstore.v1"


def documented_reasons():
    """The reasons docs/errors.md lists: the first column of its tables."""
    with open(os.path.join(testlib.ROOT, "docs", "errors.md"), encoding="utf-8") as doc:
        return set(re.findall(r"^\| `([A-Z_]+)` \|", doc.read(), re.MULTILINE))


def defined_reasons():
    """The reasons common/errors.h defines, and the code names it falls back
    to for errors given none."""
    with open(os.path.join(testlib.ROOT, "common", "errors.h"), encoding="utf-8") as h:
        header = h.read()
    with open(os.path.join(testlib.ROOT, "common", "errors.cc"), encoding="utf-8") as cc:
        source = cc.read()
    # clang-format may break either at any space.
    named = set(re.findall(
        r'inline\s+constexpr\s+absl::string_view\s+k\w+\s*=\s*"([A-Z_]+)";', header))
    by_code = set(re.findall(
        r'case\s+absl::StatusCode::k\w+:\s*return\s+"([A-Z_]+)";', source))
    return named, by_code - {"OK"}


class ErrorDetailsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()
        token_file = os.path.join(testlib.temp_dir("tokens-"), "tokens")
        with open(token_file, "w") as out:
            out.write("writer writer-token\nreader reader-token\n")
        data_dir = os.path.join(testlib.temp_dir("errors-"), "data")
        cls.ingest_server = testlib.ServerProcess.ingest(
            data_dir, f"--auth_token_file={token_file}").start()
        cls.query_server = testlib.ServerProcess.query(
            data_dir, f"--auth_token_file={token_file}").start()
        cls.ingest_channel = grpc.insecure_channel(cls.ingest_server.address)
        cls.query_channel = grpc.insecure_channel(cls.query_server.address)
        assert testlib.wait_serving(cls.query_channel, "factstore.v1.QueryService")
        cls.ingest = cls.stubs.ingest_grpc.IngestServiceStub(cls.ingest_channel)
        cls.query = cls.stubs.query_grpc.QueryServiceStub(cls.query_channel)
        cls.buf = os.environ.get("FACTSTORE_BUF") or ""

    @classmethod
    def tearDownClass(cls):
        cls.ingest_channel.close()
        cls.query_channel.close()
        cls.query_server.stop()
        cls.ingest_server.stop()

    def refusal(self, call, code):
        """Runs `call`, which must fail with `code`; returns its details by
        type name, after checking what every error carries."""
        with self.assertRaises(grpc.RpcError) as refused:
            call()
        error = refused.exception
        self.assertEqual(error.code(), code, error.details())
        found = testlib.error_details(error)
        self.assertIsNotNone(found, f"no grpc-status-details-bin: {error.details()}")
        status, details = found
        self.assertEqual(status.code, code.value[0])
        self.assertEqual(status.message, error.details())
        info = details.get("google.rpc.ErrorInfo")
        self.assertIsNotNone(info, status)
        self.assertEqual(info.domain, DOMAIN)
        named, by_code = defined_reasons()
        self.assertIn(info.reason, named | by_code)
        return details

    def reader(self):
        return [("authorization", "Bearer reader-token")]

    def writer(self):
        return [("authorization", "Bearer writer-token")]

    def test_bad_fields_are_listed_in_a_bad_request(self):
        s = self.stubs
        details = self.refusal(lambda: self.query.ListFacts(s.query.ListFactsRequest(
            filter=s.query.FactFilter(subject="place: da nang"), page_size=-1),
            timeout=10, metadata=self.reader()), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(details["google.rpc.ErrorInfo"].reason, "INVALID_FIELD")
        fields = [v.field for v in details["google.rpc.BadRequest"].field_violations]
        self.assertTrue(any(f.startswith("filter.subject") or f == "page_size"
                            for f in fields), fields)
        self.assertNotIn("google.rpc.RetryInfo", details)
        # Every field of an ingest request at fault, by its path.
        details = self.refusal(lambda: self.ingest.UpsertEntities(
            s.ingest.UpsertEntitiesRequest(
                entities=[s.types.Entity(id="", name="x"),
                          s.types.Entity(id="org:ok", name="")],
                all_or_nothing=True),
            timeout=10, metadata=self.writer()), grpc.StatusCode.INVALID_ARGUMENT)
        fields = {v.field for v in details["google.rpc.BadRequest"].field_violations}
        self.assertTrue({"entities[0].id", "entities[1].name"} <= fields, fields)

    def test_reasons_say_what_went_wrong(self):
        s = self.stubs
        details = self.refusal(lambda: self.query.GetEntity(
            s.query.GetEntityRequest(id="place:nowhere"), timeout=10,
            metadata=self.reader()), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(details["google.rpc.ErrorInfo"].reason, "ENTITY_NOT_FOUND")
        details = self.refusal(lambda: self.query.ListFacts(s.query.ListFactsRequest(
            filter=s.query.FactFilter(subject="place:da-nang"), page_token="bm90IGEgdG9rZW4"),
            timeout=10, metadata=self.reader()), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(details["google.rpc.ErrorInfo"].reason, "INVALID_PAGE_TOKEN")
        self.assertEqual([v.field for v in details["google.rpc.BadRequest"].field_violations],
                         ["page_token"])
        # Too many items: the request must shrink, so there is no RetryInfo.
        facts = [s.types.Fact(subject="place:x", predicate="p.q") for _ in range(10001)]
        details = self.refusal(lambda: self.ingest.IngestFacts(
            s.ingest.IngestFactsRequest(facts=facts), timeout=30,
            metadata=self.writer()), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(details["google.rpc.ErrorInfo"].reason, "REQUEST_TOO_LARGE")
        self.assertEqual([v.field for v in details["google.rpc.BadRequest"].field_violations],
                         ["facts"])

    def test_authentication_and_roles_have_reasons(self):
        s = self.stubs
        details = self.refusal(lambda: self.query.GetStats(s.query.GetStatsRequest(),
                                                           timeout=10),
                               grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(details["google.rpc.ErrorInfo"].reason, "CREDENTIALS_MISSING")
        details = self.refusal(lambda: self.query.GetStats(
            s.query.GetStatsRequest(), timeout=10,
            metadata=[("authorization", "Bearer nope")]), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(details["google.rpc.ErrorInfo"].reason, "CREDENTIALS_INVALID")
        details = self.refusal(lambda: self.ingest.EraseEntity(
            s.ingest.EraseEntityRequest(entity_id="place:x", reason="test"), timeout=10,
            metadata=self.writer()), grpc.StatusCode.PERMISSION_DENIED)
        info = details["google.rpc.ErrorInfo"]
        self.assertEqual(info.reason, "ROLE_MISSING")
        self.assertEqual(info.metadata["role"], "admin")

    def test_buf_curl_shows_the_details(self):
        if not os.access(self.buf, os.X_OK):
            self.fail("buf not found: run through ./dev test or set FACTSTORE_BUF")
        result = subprocess.run(
            [self.buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge",
             "-H", "authorization: Bearer reader-token", "-d", '{"id": ""}',
             f"http://{self.query_server.address}/factstore.v1.QueryService/GetEntity"],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        error = json.loads(result.stderr)
        self.assertEqual(error["code"], "invalid_argument")
        self.assertEqual(error["message"], "id: is required")
        details = {d["type"]: d["value"] for d in error["details"]}
        self.assertEqual(set(details), {"google.rpc.ErrorInfo", "google.rpc.BadRequest"})

        def decode(message_class, value):
            return message_class.FromString(base64.b64decode(value + "=" * (-len(value) % 4)))

        info = decode(self.stubs.rpc_details.ErrorInfo, details["google.rpc.ErrorInfo"])
        self.assertEqual((info.reason, info.domain), ("INVALID_FIELD", DOMAIN))
        bad = decode(self.stubs.rpc_details.BadRequest, details["google.rpc.BadRequest"])
        self.assertEqual([(v.field, v.description) for v in bad.field_violations],
                         [("id", "is required")])

    def test_docs_list_every_reason(self):
        named, by_code = defined_reasons()
        self.assertGreater(len(named), 10)
        self.assertEqual(len(by_code), 16)
        documented = documented_reasons()
        self.assertEqual(sorted((named | by_code) - documented), [],
                         "reasons missing from docs/errors.md")
        self.assertEqual(sorted(documented - (named | by_code)), [],
                         "docs/errors.md lists reasons the code does not have")


if __name__ == "__main__":
    testlib.run_tests()
