"""Real NATS JetStream servers on loopback for end-to-end tests.

Starts Debian's `nats-server` (2.9.10 here) as processes: a cluster of N
nodes (n1..nN, default 3) or, with N=1, a single server without a cluster
block. Every port (client, cluster route, HTTP monitoring) is picked free on
127.0.0.1; each node has its own directory with its config file, its
JetStream store_dir and its log. Only the Python standard library is used:
readiness is read from the servers' HTTP monitoring endpoints, and the few
JetStream API calls a test needs go over a minimal raw-protocol client
(`nats_request`), since there is no Python NATS package on this machine.

    with NatsCluster(3) as nats:                     # started and ready
        nats.create_stream("FACTS", ["facts.>"], replicas=3)
        server = ServerProcess.ingest(data_dir, f"--nats={nats.urls}")
        ...
        nats.stream_info("FACTS", node=1)["state"]["last_seq"]
        nats.kill(2)                                 # SIGKILL node n3
        nats.restart(2)                              # same config and store
        nats.store_dirs                              # grep for erased data
    # every node is killed here; directories stay unless cleanup=True

What 2.9.10 does (checked by hand, 2 cores):
- Three fresh nodes elect a JetStream meta leader within 0.25-0.85 s (start()
  returns after about 0.5 s); /jsz shows it as `meta_cluster.leader`, a
  server name. A single server has no `meta_cluster` and is ready in 0.06 s.
  Restarting a whole cluster from its stored state (stop_all(), start())
  takes about 6 s: the recovered meta group waits out election timeouts.
- /healthz (without arguments) answers 503 {"status":"unavailable",
  "error":"JetStream has not established contact with a meta leader"} (or
  "... stream ... is not current") until the node reached the meta leader
  and its replicas are current, then 200 {"status":"ok"}.
  /healthz?js-enabled-only=true is ok as soon as JetStream is on.
- /healthz ok on a restarted node does not mean its replicas have every
  message: the last ones arrive about a second later (wait_stream_synced()).
  Until it reaches the others, a restarted node names itself the leader of
  the streams it led before.
- /jsz?accounts=true&streams=true lists, per account, `stream_detail`
  entries with the node's own replica state (`state.first_seq`, `last_seq`,
  `messages`, ...); a node that holds no replica of a stream does not list
  it. The `cluster.replicas` of a follower's entry are not meaningful (they
  show current=false); only the stream leader's view is.
- After the stream leader is killed, publishes to the stream get "no
  responders" for about 4 s, until a new stream leader is elected; so do
  they while a quorum of its replicas is down.
- The server keeps its files in <store_dir>/jetstream/, not in store_dir.
  Message bytes are in the stream's blocks ($G/streams/<name>/msgs/*.blk)
  and also in the stream's Raft log ($SYS/_js_/S-R3F-*/msgs/*.blk), so a
  grep for erased data must look at both (grep -r over store_dirs does).
  An erased message (STREAM.MSG.DELETE) is gone from the blocks at once
  but stays in every replica's Raft log until that node compacts it: after
  2-3 minutes, or at a clean shutdown (SIGTERM), not after a SIGKILL.
- Creating a stream again with the same config succeeds (without
  "did_create"); with another config it fails with err_code 10058. A
  publish with a stale Nats-Expected-Last-Sequence fails with 10071.
- SIGTERM is a clean shutdown, but the exit code is 1.
"""

import atexit
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

NATS_SERVER = os.environ.get("NATS_SERVER") or shutil.which("nats-server") \
    or "/usr/bin/nats-server"

# Monitoring requests go straight to loopback, whatever *_proxy says.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def available():
    """Whether a nats-server binary is installed (for skipUnless)."""
    return os.access(NATS_SERVER, os.X_OK)


def _temp_dir(prefix):
    # As testlib.temp_dir, without importing testlib (and grpc with it).
    base = os.environ.get("TEST_TMPDIR") or tempfile.gettempdir()
    return tempfile.mkdtemp(prefix=prefix, dir=base)


def _free_ports(count):
    """`count` distinct ports that were free on 127.0.0.1 a moment ago.

    The sockets are held open until all are bound so that the ports differ;
    another process may still take one before a server binds it, which
    NatsCluster.start() survives by starting over with new ports."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _accepts(port, timeout=0.5):
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _get_json(url, timeout=2):
    """GET `url` and parse its JSON body. An HTTP error status still returns
    the body (/healthz answers 503 with a JSON reason). Raises OSError when
    nothing answers."""
    try:
        with _HTTP.open(url, timeout=timeout) as reply:
            body = reply.read()
    except urllib.error.HTTPError as error:
        body = error.read()
    try:
        return json.loads(body)
    except ValueError:
        return {"status": "unparsable", "body": body.decode("utf-8", "replace")}


# --- A minimal NATS client: one request, one reply ------------------------


class NatsError(Exception):
    """The server refused the request (-ERR), nobody answered, or no reply
    came in time."""


class NoResponders(NatsError):
    """No subscriber for the subject (the server's 503 status message)."""


class JetStreamError(NatsError):
    """A JetStream API reply carried an error: `code` (HTTP-like),
    `err_code` (NATS's own, e.g. 10059 stream not found), `description`."""

    def __init__(self, response):
        error = response.get("error", {})
        self.response = response
        self.code = error.get("code")
        self.err_code = error.get("err_code")
        self.description = error.get("description", "")
        super().__init__(f"JetStream error {self.code}/{self.err_code}: "
                         f"{self.description}")


class _PortTaken(RuntimeError):
    """A server could not bind a port picked for it (taken meanwhile)."""


def _address(url):
    """("127.0.0.1", 4222) from "nats://127.0.0.1:4222" (or "host:port")."""
    host_port = url.split("://", 1)[-1].rstrip("/")
    host, _, port = host_port.rpartition(":")
    return host.strip("[]"), int(port)


def nats_request(url, subject, payload=b"", timeout=5, headers=None):
    """Sends one request over the raw NATS text protocol, returns the reply's
    payload (bytes).

    `url` is "nats://host:port", or a comma-separated list of them, tried in
    order until one connects (the --nats flag's form). `headers` (a dict)
    sends the message with NATS headers, e.g. {"Nats-Msg-Id": "a1"} for a
    JetStream publish. Raises NoResponders when no one subscribes to
    `subject`, NatsError on -ERR (e.g. a payload above max_payload) or when
    no reply arrives within `timeout` seconds.
    """
    if isinstance(payload, str):
        payload = payload.encode()
    deadline = time.monotonic() + timeout
    sock, errors = None, []
    for one in url.split(","):
        try:
            sock = socket.create_connection(_address(one.strip()), timeout=timeout)
            break
        except OSError as error:
            errors.append(f"{one.strip()}: {error}")
    if sock is None:
        raise NatsError("cannot connect: " + "; ".join(errors))
    with sock, sock.makefile("rb") as reader:

        def read_line():
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            line = reader.readline()
            if not line:
                raise NatsError("connection closed by the server")
            return line.rstrip(b"\r\n")

        def read_exactly(size):
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            data = reader.read(size)
            if len(data) < size:
                raise NatsError("connection closed by the server")
            return data

        try:
            info = read_line()
            if not info.startswith(b"INFO "):
                raise NatsError(f"expected INFO, got {info[:100]!r}")
            head = b""
            if headers:
                head = ("NATS/1.0\r\n" + "".join(
                    f"{key}: {value}\r\n" for key, value in headers.items())
                    + "\r\n").encode()
            # Check the size as clients do: the server would answer a larger
            # message with -ERR 'Maximum Payload Violation' and hang up.
            max_payload = json.loads(info[5:]).get("max_payload", 1 << 20)
            if len(head) + len(payload) > max_payload:
                raise NatsError(f"message of {len(head) + len(payload)} bytes "
                                f"exceeds the server's max_payload {max_payload}")
            inbox = "_INBOX." + secrets.token_hex(8)
            connect = {"verbose": False, "pedantic": False, "headers": True,
                       "no_responders": True, "protocol": 1,
                       "name": "nats_cluster.py"}
            message = [b"CONNECT " + json.dumps(connect).encode() + b"\r\n",
                       f"SUB {inbox} 1\r\n".encode()]
            if headers:
                message.append(f"HPUB {subject} {inbox} {len(head)} "
                               f"{len(head) + len(payload)}\r\n".encode())
                message.append(head)
            else:
                message.append(f"PUB {subject} {inbox} {len(payload)}\r\n".encode())
            message += [payload, b"\r\n"]
            sock.sendall(b"".join(message))
            while True:
                line = read_line()
                if line == b"PING":
                    sock.sendall(b"PONG\r\n")
                elif line.startswith(b"-ERR"):
                    raise NatsError(f"server: {line.decode('utf-8', 'replace')}")
                elif line.startswith(b"MSG "):
                    # MSG <subject> <sid> [reply-to] <#bytes>
                    size = int(line.split()[-1])
                    return read_exactly(size + 2)[:size]
                elif line.startswith(b"HMSG "):
                    # HMSG <subject> <sid> [reply-to] <#header> <#total>
                    fields = line.split()
                    head_size, total = int(fields[-2]), int(fields[-1])
                    data = read_exactly(total + 2)[:total]
                    status = data[:head_size].split(b"\r\n", 1)[0].split()
                    if len(status) > 1 and status[1] == b"503":
                        raise NoResponders(f"no responders for {subject}")
                    return data[head_size:]
                # INFO updates, PONG and +OK need nothing.
        except socket.timeout:
            raise NatsError(f"no reply to {subject} within {timeout} s") from None
        except OSError as error:
            raise NatsError(f"connection to {url} failed: {error}") from None


def jetstream_api(url, subject, body=None, timeout=5):
    """A JetStream API call ($JS.API.<subject>) returning the parsed reply;
    raises JetStreamError when the reply carries an error."""
    payload = json.dumps(body).encode() if body is not None else b""
    reply = json.loads(nats_request(url, "$JS.API." + subject, payload, timeout))
    if "error" in reply:
        raise JetStreamError(reply)
    return reply


# --- The servers ----------------------------------------------------------


class _Node:
    """One nats-server: its ports, files and process."""

    def __init__(self, name, directory):
        self.name = name
        self.dir = directory
        self.config_path = os.path.join(directory, "nats.conf")
        self.log_path = os.path.join(directory, "server.log")
        self.store_dir = os.path.join(directory, "store")
        self.client_port = self.cluster_port = self.http_port = None
        self.process = None
        self.log_offset = 0  # where the current run's output starts

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines=30):
        """The last `lines` lines the current run wrote."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_offset)
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class NatsCluster:
    """N nats-server processes with JetStream on loopback (see the module
    docstring).

    size: number of nodes; 1 runs a single server without a cluster block.
    max_payload: the servers' max_payload in bytes (default: NATS's 1 MB).
    max_memory_store, max_file_store: JetStream limits per node, in bytes.
    cleanup: remove the cluster's directory when the context exits.
    extra_config: text appended to every node's config file.
    directory: where to make the cluster's temp directory ($TEST_TMPDIR by
        default).
    """

    START_ATTEMPTS = 3

    def __init__(self, size=3, max_payload=None, max_memory_store=64 << 20,
                 max_file_store=256 << 20, cluster_name="factstore",
                 cleanup=False, extra_config="", directory=None):
        if size < 1:
            raise ValueError("a cluster needs at least one node")
        self.size = size
        self.max_payload = max_payload
        self.max_memory_store = max_memory_store
        self.max_file_store = max_file_store
        self.cluster_name = cluster_name
        self.cleanup = cleanup
        self.extra_config = extra_config
        if directory is None:
            self.dir = _temp_dir("nats-")
        else:
            self.dir = tempfile.mkdtemp(prefix="nats-", dir=directory)
        self.nodes = [_Node(f"n{i + 1}", os.path.join(self.dir, f"n{i + 1}"))
                      for i in range(size)]
        self._configured = False
        atexit.register(self._kill_all)  # no stray servers if a test dies

    # Addresses and files.

    @property
    def urls(self):
        """"nats://127.0.0.1:p1,nats://127.0.0.1:p2,..." for a --nats flag."""
        return ",".join(self.url(i) for i in range(self.size))

    def url(self, i):
        return f"nats://127.0.0.1:{self.nodes[i].client_port}"

    def monitor_url(self, i):
        return f"http://127.0.0.1:{self.nodes[i].http_port}"

    @property
    def store_dirs(self):
        """Each node's JetStream store_dir (the server writes below it, in
        <store_dir>/jetstream/)."""
        return [node.store_dir for node in self.nodes]

    def log_path(self, i):
        return self.nodes[i].log_path

    def running(self, i):
        return self.nodes[i].running()

    # Starting and stopping.

    def start(self, timeout=30):
        """Starts every node and waits until all listen, JetStream is healthy
        on each and (for a cluster) each knows the meta leader. The first
        start picks the ports, and starts over with new ones when a port was
        taken meanwhile; later starts (after stop_all) reuse them."""
        if self._configured:
            for node in self.nodes:
                if not node.running():
                    self._spawn(node)
            self.wait_ready(timeout)
            return self
        for attempt in range(1, self.START_ATTEMPTS + 1):
            self._configure()
            for node in self.nodes:
                self._spawn(node)
            try:
                self.wait_ready(timeout)
                self._configured = True
                return self
            except _PortTaken:
                self._kill_all()
                if attempt == self.START_ATTEMPTS:
                    raise
                # Start over clean: the failed attempt's store is discarded,
                # its output stays in the logs.
                for node in self.nodes:
                    shutil.rmtree(node.store_dir, ignore_errors=True)
            except BaseException:
                self._kill_all()
                raise

    def kill(self, i):
        """SIGKILLs node i and reaps it."""
        node = self.nodes[i]
        if node.running():
            node.process.kill()
        if node.process is not None:
            node.process.wait()

    def stop(self, i, timeout=30):
        """SIGTERMs node i (a clean shutdown) and waits for it to exit;
        SIGKILLs it after `timeout` seconds. Returns its exit code, which is
        1 after a clean SIGTERM shutdown on 2.9.10 ("Server Exiting..")."""
        node = self.nodes[i]
        if node.process is None:
            return None
        if node.running():
            node.process.send_signal(signal.SIGTERM)
            try:
                node.process.wait(timeout)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()
        return node.process.returncode

    def restart(self, i, timeout=30):
        """Starts node i again (it must have been killed or stopped) with the
        same config, ports and store_dir; waits until it listens and its
        /healthz is ok (it reached the meta leader and its replicas are
        "current"). Its replicas may still lack the last messages for about
        a second: use wait_stream_synced() before comparing them."""
        node = self.nodes[i]
        if node.running():
            raise RuntimeError(f"{node.name} is still running; kill or stop it first")
        self._spawn(node)
        self._wait_until(lambda: self._node_healthy(node), time.monotonic() + timeout,
                         lambda: f"{node.name} did not become healthy", [node])
        return self

    def stop_all(self, timeout=30):
        """SIGTERMs every node, then waits for each."""
        for node in self.nodes:
            if node.running():
                node.process.send_signal(signal.SIGTERM)
        for i in range(self.size):
            self.stop(i, timeout)

    def _kill_all(self):
        for i in range(self.size):
            self.kill(i)

    def __enter__(self):
        return self.start()

    def __exit__(self, *unused):
        self._kill_all()
        if self.cleanup:
            shutil.rmtree(self.dir, ignore_errors=True)

    # Readiness.

    def wait_ready(self, timeout=30):
        """Waits until every running node listens, has a healthy JetStream
        (/healthz ok) and, for a cluster, all of them name the same running
        node as meta leader. Use it after kill() to wait for a new meta
        leader among the survivors."""
        deadline = time.monotonic() + timeout
        running = [node for node in self.nodes if node.running()]
        names = {node.name for node in running}

        def ready():
            if not all(self._node_healthy(node) for node in running):
                return False
            if self.size == 1:
                return True
            # All agree on a leader that is alive: right after a kill the
            # survivors still name the dead leader for a few seconds.
            leaders = {self._meta_leader(node) for node in running}
            return len(leaders) == 1 and leaders.pop() in names

        def failure():
            states = []
            for node in running:
                states.append(f"{node.name}: listening={_accepts(node.client_port)} "
                              f"health={self._health(node)} "
                              f"meta_leader={self._meta_leader(node)!r}")
            return "NATS cluster not ready:\n  " + "\n  ".join(states)

        self._wait_until(ready, deadline, failure, running)

    def meta_leader(self, node=0):
        """The JetStream meta leader's server name as node `node` sees it
        ("" if none yet; None for a single server, which has no meta group)."""
        return self._meta_leader(self.nodes[node])

    def _wait_until(self, condition, deadline, describe, watched):
        """Polls `condition` until it holds; raises (with the log tail of the
        node concerned) when a watched process exits or the deadline passes."""
        while True:
            for node in watched:
                if not node.running():
                    tail = node.log_tail()
                    message = (f"nats-server {node.name} exited with "
                               f"{node.process.returncode}; log "
                               f"{node.log_path} ends:\n{tail}")
                    if "address already in use" in tail:
                        raise _PortTaken(message)
                    raise RuntimeError(message)
            if condition():
                return
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {node.name} ({node.log_path}):\n"
                                 f"{node.log_tail(15)}" for node in watched)
                raise RuntimeError(f"{describe()}\n{logs}")
            time.sleep(0.05)

    def _health(self, node):
        try:
            return _get_json(f"http://127.0.0.1:{node.http_port}/healthz", 1)
        except OSError as error:
            return {"status": "no answer", "error": str(error)}

    def _node_healthy(self, node):
        return _accepts(node.client_port) and self._health(node).get("status") == "ok"

    def _meta_leader(self, node):
        if self.size == 1:
            return None
        try:
            jsz = _get_json(f"http://127.0.0.1:{node.http_port}/jsz", 1)
        except OSError:
            return ""
        return (jsz.get("meta_cluster") or {}).get("leader", "")

    # Configuration and processes.

    def _configure(self):
        ports = _free_ports(3 * self.size)
        for i, node in enumerate(self.nodes):
            node.client_port, node.cluster_port, node.http_port = ports[3 * i:3 * i + 3]
        routes = [f"nats-route://127.0.0.1:{node.cluster_port}" for node in self.nodes]
        for node in self.nodes:
            os.makedirs(node.store_dir, exist_ok=True)
            lines = [
                "# Written by tests/python/nats_cluster.py",
                f"server_name: {json.dumps(node.name)}",
                f"listen: \"127.0.0.1:{node.client_port}\"",
                f"http: \"127.0.0.1:{node.http_port}\"",
            ]
            if self.max_payload is not None:
                lines.append(f"max_payload: {int(self.max_payload)}")
            lines += [
                "jetstream {",
                f"  store_dir: {json.dumps(node.store_dir)}",
                f"  max_memory_store: {int(self.max_memory_store)}",
                f"  max_file_store: {int(self.max_file_store)}",
                "}",
            ]
            if self.size > 1:
                lines += [
                    "cluster {",
                    f"  name: {json.dumps(self.cluster_name)}",
                    f"  listen: \"127.0.0.1:{node.cluster_port}\"",
                    "  routes: [",
                    *(f"    {json.dumps(route)}" for route in routes),
                    "  ]",
                    "}",
                ]
            if self.extra_config:
                lines.append(self.extra_config)
            with open(node.config_path, "w") as config:
                config.write("\n".join(lines) + "\n")

    def _spawn(self, node):
        if not available():
            raise RuntimeError(f"nats-server not found ({NATS_SERVER})")
        with open(node.log_path, "ab") as log:
            node.log_offset = log.tell()
            log.write(f"=== nats_cluster.py: starting {node.name} at "
                      f"{time.strftime('%H:%M:%S')} ===\n".encode())
            log.flush()
            # The server logs to stderr; it keeps the file open itself.
            node.process = subprocess.Popen(
                [NATS_SERVER, "-c", node.config_path], stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, cwd=node.dir)

    # JetStream streams.

    def _live_urls(self):
        urls = [self.url(i) for i in range(self.size) if self.nodes[i].running()]
        if not urls:
            raise RuntimeError("no NATS node is running")
        return ",".join(urls)

    def create_stream(self, name, subjects, replicas=None, storage="file",
                      timeout=10, **config):
        """Creates a stream through a running node and returns the API's
        reply (its "config", "state", "cluster"). replicas defaults to
        min(3, size); more stream settings (max_msg_size, duplicate_window
        in ns, ...) go in **config. Retries while the cluster is not ready
        for it (no meta leader or peers yet), for up to `timeout` seconds;
        other refusals raise JetStreamError at once."""
        body = {"name": name, "subjects": list(subjects), "storage": storage,
                "num_replicas": replicas if replicas is not None else min(3, self.size)}
        body.update(config)
        deadline = time.monotonic() + timeout
        while True:
            try:
                return jetstream_api(self._live_urls(), f"STREAM.CREATE.{name}",
                                     body, timeout=min(5, timeout))
            except JetStreamError as error:
                # 503: JetStream temporarily unavailable / insufficient
                # resources; 10005: no suitable peers (not all known yet).
                if not (error.code == 503 or error.err_code == 10005) \
                        or time.monotonic() > deadline:
                    raise
            except NatsError:
                # No responders or no reply: the meta leader is not there yet.
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def delete_stream(self, name, timeout=10):
        """Deletes a stream; True if it was deleted, False if there was none."""
        try:
            return bool(jetstream_api(self._live_urls(), f"STREAM.DELETE.{name}",
                                      timeout=timeout).get("success"))
        except JetStreamError as error:
            if error.err_code == 10059:  # stream not found
                return False
            raise

    def wait_stream_synced(self, name, timeout=30):
        """Waits until the stream has a leader on a running node and every
        running node holding a replica reports the same first_seq, last_seq
        and messages as the leader; returns the leader's stream_info.

        restart() is not enough for this: on 2.9.10 a restarted node's
        /healthz is ok about a second before its replica has the last
        messages, and it briefly names itself the stream's leader."""
        deadline = time.monotonic() + timeout
        names = {node.name: i for i, node in enumerate(self.nodes) if node.running()}
        seen = {}

        def synced():
            seen.clear()
            for node_name, i in names.items():
                try:
                    info = self.stream_info(name, i)
                except OSError:
                    return False
                if info is not None:
                    seen[node_name] = info
            if not seen:
                return False
            leaders = {info.get("cluster", {}).get("leader") for info in seen.values()}
            if self.size > 1 and (len(leaders) != 1 or leaders.pop() not in seen):
                return False
            replicas = next(iter(seen.values())).get("config", {}).get("num_replicas", 1)
            if len(seen) < min(replicas, len(names)):
                return False
            states = {(info["state"].get("first_seq"), info["state"].get("last_seq"),
                       info["state"].get("messages")) for info in seen.values()}
            return len(states) == 1

        def failure():
            views = {node_name: (info.get("cluster", {}).get("leader"), info["state"])
                     for node_name, info in seen.items()}
            return f"stream {name} not in sync: {views}"

        self._wait_until(synced, deadline, failure,
                         [self.nodes[i] for i in names.values()])
        if self.size == 1:
            return next(iter(seen.values()))
        leader = next(iter(seen.values()))["cluster"]["leader"]
        return seen[leader]

    def stream_info(self, name, node=0):
        """The stream as node `node` holds it, from its /jsz monitoring page:
        a dict with "name", "created", "config", "cluster" and "state"
        ({"messages", "bytes", "first_seq", "last_seq", ...}, this node's own
        replica), or None when the node holds no replica of it. Raises
        OSError when the node does not answer."""
        jsz = _get_json(f"{self.monitor_url(node)}/jsz?accounts=true&streams=true"
                        "&config=true", 5)
        for account in jsz.get("account_details") or []:
            for stream in account.get("stream_detail") or []:
                if stream.get("name") == name:
                    return stream
        return None

