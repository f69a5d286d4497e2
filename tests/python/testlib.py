"""Shared pieces of factstore's Python tests.

Tests use a client nobody on the team wrote: Debian's python3-grpcio, with
stubs generated at test time (python3-grpc-tools) from the repository's
protos. They start the real server binaries as processes on port 0 and learn
the bound port from the server's JSON log line.

    stubs = generate_stubs()                 # modules factstore.v1.*_pb2 ...
    with ServerProcess.ingest(data_dir) as ingest:
        channel = grpc.insecure_channel(ingest.address)

run_tests() runs unittest and, under Bazel, writes a JUnit XML report so
that every test case is counted.
"""

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

import grpc

# Where the repository's files are in the test's runfiles (Bazel), or the
# checkout when run by hand.
ROOT = os.environ.get("TEST_SRCDIR")
if ROOT:
    ROOT = os.path.join(ROOT, os.environ.get("TEST_WORKSPACE", "factstore"))
else:
    ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

INGEST_BINARY = os.path.join(ROOT, "ingest_service", "ingest_server")
QUERY_BINARY = os.path.join(ROOT, "query_service", "query_server")
FACTCTL_BINARY = os.path.join(ROOT, "tools", "factctl", "factctl")
SAMPLES_DIR = os.path.join(ROOT, "data", "samples")
GRPC_PROTO_DIR = "/usr/share/grpc-proto"
# googleapis' google/rpc protos (npm package google-proto-files, see WORKSPACE).
if os.environ.get("TEST_SRCDIR"):
    GOOGLEAPIS_PROTO_DIR = os.path.join(os.environ["TEST_SRCDIR"], "googleapis_protos")
else:
    GOOGLEAPIS_PROTO_DIR = os.path.join(ROOT, "node_modules", "google-proto-files")


def temp_dir(prefix):
    base = os.environ.get("TEST_TMPDIR") or tempfile.gettempdir()
    return tempfile.mkdtemp(prefix=prefix, dir=base)


_stubs = None


def generate_stubs():
    """Generates and imports Python stubs for the API and grpc.health.v1.

    Returns a namespace with the modules: types, ingest, ingest_grpc, query,
    query_grpc, health, health_grpc, rpc_status and rpc_details (google.rpc's
    Status and error details).
    """
    global _stubs
    if _stubs is not None:
        return _stubs
    from grpc_tools import protoc  # python3-grpc-tools
    out = temp_dir("stubs-")
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    protos = [
        "factstore/v1/types.proto",
        "factstore/v1/ingest_service.proto",
        "factstore/v1/query_service.proto",
    ]
    # The health proto's Python module would land in a package named "grpc",
    # which grpcio owns; compile a copy under another file name instead (the
    # proto package, and so the service name, stay grpc.health.v1).
    health_dir = temp_dir("health-proto-")
    shutil.copy(os.path.join(GRPC_PROTO_DIR, "grpc/health/v1/health.proto"),
                os.path.join(health_dir, "factstore_health_check.proto"))
    args = ["protoc", f"-I{os.path.join(ROOT, 'protos')}", f"-I{health_dir}",
            f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}"]
    if protoc.main(args + protos + ["factstore_health_check.proto"]) != 0:
        raise RuntimeError("protoc failed to generate the Python stubs")
    # google.rpc lands in out/google/rpc: "google" is a namespace package
    # (protobuf's), so the modules join it. Debian's grpc_tools bundles a
    # protoc from before proto3's optional fields, which error_details.proto
    # uses; the system protoc (protobuf-compiler) generates these messages.
    subprocess.run(["/usr/bin/protoc", f"-I{GOOGLEAPIS_PROTO_DIR}",
                    f"--python_out={out}", "google/rpc/status.proto",
                    "google/rpc/error_details.proto"], check=True)
    sys.path.insert(0, out)

    class Stubs:
        types = importlib.import_module("factstore.v1.types_pb2")
        ingest = importlib.import_module("factstore.v1.ingest_service_pb2")
        ingest_grpc = importlib.import_module("factstore.v1.ingest_service_pb2_grpc")
        query = importlib.import_module("factstore.v1.query_service_pb2")
        query_grpc = importlib.import_module("factstore.v1.query_service_pb2_grpc")
        health = importlib.import_module("factstore_health_check_pb2")
        health_grpc = importlib.import_module("factstore_health_check_pb2_grpc")
        rpc_status = importlib.import_module("google.rpc.status_pb2")
        rpc_details = importlib.import_module("google.rpc.error_details_pb2")

    _stubs = Stubs
    return _stubs


def error_details(error):
    """The google.rpc.Status a failed call carried (grpc-status-details-bin),
    as (status, {detail type name: message}); None when it carried none."""
    stubs = generate_stubs()
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = stubs.rpc_status.Status.FromString(value)
            details = {}
            for any_detail in status.details:
                name = any_detail.type_url.rsplit("/", 1)[-1]
                message_class = getattr(stubs.rpc_details, name.rsplit(".", 1)[-1])
                detail = message_class()
                any_detail.Unpack(detail)
                details[name] = detail
            return status, details
    return None


class ServerProcess:
    """A real ingest_server or query_server process.

    The server listens on 127.0.0.1:0; `address` is read from its "serving" /
    "listening" log line. Its stderr (JSON log lines) is kept in `log_lines`.
    """

    def __init__(self, binary, args, env=None):
        self.binary = binary
        self.args = args
        self.env = env
        self.log_lines = []
        self.address = None
        self.process = None
        self._ready = threading.Event()
        self._reader = None

    @classmethod
    def ingest(cls, data_dir, *flags, env=None):
        return cls(INGEST_BINARY, ["--listen=127.0.0.1:0", f"--data_dir={data_dir}",
                                   "--metrics_listen=", *flags], env)

    @classmethod
    def query(cls, data_dir, *flags, env=None):
        return cls(QUERY_BINARY, ["--listen=127.0.0.1:0", f"--data_dir={data_dir}",
                                  f"--secondary_dir={temp_dir('secondary-')}",
                                  "--metrics_listen=", "--catch_up_interval=5ms",
                                  *flags], env)

    def start(self, timeout=30):
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.process = subprocess.Popen([self.binary, *self.args],
                                        stderr=subprocess.PIPE, env=env,
                                        text=True)
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout):
            self.kill()
            raise RuntimeError(f"{os.path.basename(self.binary)} did not start:\n"
                               + "\n".join(self.log_lines[-20:]))
        if self.address is None:
            raise RuntimeError(f"{os.path.basename(self.binary)} exited:\n"
                               + "\n".join(self.log_lines[-20:]))
        return self

    def _read_log(self):
        for line in self.process.stderr:
            line = line.rstrip("\n")
            self.log_lines.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") in ("serving", "listening") and "address" in entry:
                self.address = entry["address"]
                self._ready.set()
        self._ready.set()

    def log_entries(self):
        entries = []
        for line in list(self.log_lines):
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass
        return entries

    def signal(self, number):
        self.process.send_signal(number)

    def wait(self, timeout=30):
        return self._reported(self.process.wait(timeout))

    def _reported(self, code):
        """Returns `code`; when the server failed, first prints what it said
        that was not a JSON log line (a sanitizer's report, a crash)."""
        if code not in (0, None, -signal.SIGKILL):
            if self._reader:
                self._reader.join(timeout=5)
            other = [line for line in self.log_lines if not line.startswith("{")]
            if other:
                print(f"{os.path.basename(self.binary)} exited with {code}:\n"
                      + "\n".join(other[-200:]), file=sys.stderr)
        return code

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self._reported(self.process.wait(timeout))
            except subprocess.TimeoutExpired:
                self.kill()
                raise
        return self.process.returncode if self.process else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *unused):
        try:
            self.stop()
        except subprocess.TimeoutExpired:
            pass


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Pki:
    """A throwaway certificate authority (made with openssl at test time) and
    the certificates it signs."""

    def __init__(self, name):
        self.dir = temp_dir(f"pki-{name}-")
        self.ca = os.path.join(self.dir, "ca.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "2", "-subj", f"/CN=factstore test {name} CA",
                cwd=self.dir)

    def issue(self, name, common_name, sans):
        """Returns (cert path, key path) for a certificate signed by this CA."""
        ext = os.path.join(self.dir, f"{name}.ext")
        with open(ext, "w") as out:
            out.write("subjectAltName=" + ",".join(sans) + "\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={common_name}", cwd=self.dir)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey",
                "ca.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
                "-extfile", ext, cwd=self.dir)
        return os.path.join(self.dir, f"{name}.pem"), os.path.join(self.dir, f"{name}.key")


def wait_serving(channel, service, timeout=20):
    """Polls grpc.health.v1.Health/Check until `service` is SERVING."""
    stubs = generate_stubs()
    health = stubs.health_grpc.HealthStub(channel)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            reply = health.Check(stubs.health.HealthCheckRequest(service=service),
                                 timeout=1)
            if reply.status == stubs.health.HealthCheckResponse.SERVING:
                return True
        except grpc.RpcError:
            pass
        time.sleep(0.02)
    return False


class _XmlResult(unittest.TextTestResult):
    """Collects per-case outcomes for the JUnit report."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = []
        self._started = {}

    def startTest(self, test):
        self._started[test.id()] = time.time()
        super().startTest(test)

    def _record(self, test, outcome, detail=""):
        elapsed = time.time() - self._started.get(test.id(), time.time())
        self.cases.append((test.id(), outcome, detail, elapsed))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failure", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)


def run_tests(names=None):
    """Runs the calling module's tests (or only `names`: test classes or
    Class.method names); exits non-zero on failure."""
    module = sys.modules["__main__"]
    if names:
        suite = unittest.defaultTestLoader.loadTestsFromNames(names, module)
    else:
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    runner = unittest.TextTestRunner(resultclass=_XmlResult, verbosity=2)
    result = runner.run(suite)
    xml_path = os.environ.get("XML_OUTPUT_FILE")
    if xml_path:
        suites = ET.Element("testsuites")
        suite_element = ET.SubElement(suites, "testsuite", name="python",
                                      tests=str(len(result.cases)))
        for name, outcome, detail, elapsed in result.cases:
            case = ET.SubElement(suite_element, "testcase", name=name,
                                 time=f"{elapsed:.3f}")
            if outcome in ("failure", "error"):
                ET.SubElement(case, outcome, message=detail[:200]).text = detail
            elif outcome == "skipped":
                ET.SubElement(case, "skipped", message=detail)
        ET.ElementTree(suites).write(xml_path, encoding="utf-8",
                                     xml_declaration=True)
    sys.exit(0 if result.wasSuccessful() else 1)
