"""Watching servers under load: their resident memory and their health.

    sampler = RssSampler({"ingest": ingest.process.pid}, interval=0.2)
    prober = HealthProber(address, "factstore.v1.IngestService")
    with sampler, prober:
        ... load ...
    sampler.peak("ingest"), prober.failures

Both run on a thread of their own between __enter__ and __exit__.
"""

import threading
import time

import grpc

import testlib


def rss_bytes(pid):
    """Resident set size of process `pid` (/proc/PID/status VmRSS), or 0 when
    the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def separate_connection_options():
    """Channel options that give a channel a TCP connection of its own:
    grpcio otherwise shares one connection between channels to the same
    address, and HTTP/2 stream limits apply per connection."""
    return [("grpc.use_local_subchannel_pool", 1)]


class RssSampler:
    """Samples the RSS of named processes every `interval` seconds."""

    def __init__(self, pids, interval=0.2):
        self.pids = dict(pids)
        self.interval = interval
        self.samples = []  # (seconds since start, {name: bytes})
        self._stop = threading.Event()
        self._thread = None
        self._start = None

    def sample_now(self):
        values = {name: rss_bytes(pid) for name, pid in self.pids.items()}
        self.samples.append((time.time() - self._start, values))
        return values

    def _run(self):
        while not self._stop.wait(self.interval):
            self.sample_now()

    def __enter__(self):
        self._start = time.time()
        self.sample_now()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *unused):
        self._stop.set()
        self._thread.join()
        self.sample_now()

    def values(self, name, since=0.0):
        return [v[name] for t, v in self.samples if t >= since]

    def peak(self, name, since=0.0):
        return max(self.values(name, since), default=0)

    def first(self, name):
        return self.samples[0][1][name]


class HealthProber:
    """Calls grpc.health.v1.Health/Check for `service` every `interval`
    seconds on a connection of its own; records every failure (an RPC error
    or a status other than SERVING) and the slowest answer."""

    def __init__(self, address, service, interval=0.05, timeout=5.0):
        self.address = address
        self.service = service
        self.interval = interval
        self.timeout = timeout
        self.checks = 0
        self.failures = []
        self.slowest = 0.0
        self._stop = threading.Event()
        self._thread = None

    def _run(self):
        stubs = testlib.generate_stubs()
        channel = grpc.insecure_channel(self.address,
                                        options=separate_connection_options())
        health = stubs.health_grpc.HealthStub(channel)
        request = stubs.health.HealthCheckRequest(service=self.service)
        while not self._stop.wait(self.interval):
            started = time.time()
            try:
                reply = health.Check(request, timeout=self.timeout)
                if reply.status != stubs.health.HealthCheckResponse.SERVING:
                    self.failures.append(f"status {reply.status}")
            except grpc.RpcError as error:
                self.failures.append(f"{error.code()}: {error.details()}")
            self.slowest = max(self.slowest, time.time() - started)
            self.checks += 1
        channel.close()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *unused):
        self._stop.set()
        self._thread.join()
