#!/usr/bin/env python3
"""Static checks of factstore's deployment: deploy/k8s and deploy/Dockerfile.

Run by Bazel (`bazel test //deploy:k8s_manifests_test`, through
k8s_manifests_test.sh) or directly from the repository root:

    python3 deploy/k8s_manifests_test.py

Python's standard library and PyYAML (Debian's python3-yaml). How the
pieces are read:

- Manifests: `kubectl kustomize` renders three deployments to YAML, exactly
  as `kubectl apply -k` would: the base (deploy/k8s, the embedded mode), the
  base with components/tls, and the base with components/replicated (the
  replicated mode: NATS, ingest replicas, query Deployment); PyYAML reads
  the objects. kubectl is looked up in $FACTSTORE_KUBECTL, $PATH,
  /usr/local/bin and /usr/bin.
- Flags: the server binaries themselves. `--helpfull` lists each flag with
  its default, and the usage message says which environment variables set
  which flags (server/server_main.cc). absl prints a zero duration as "0",
  like an integer, so the binary's own parser decides the type of numeric
  flags (a run with --FLAG=1s --version is refused for an integer).
- Health service names: kIngestHealthName / kQueryHealthName in the servers'
  headers.
- nats-server's configuration (components/replicated/nats.conf, in a
  ConfigMap): a small parser for the part of its syntax the file uses.
- The Dockerfile: a small parser for the instructions the checks need.
  Package names are checked against Debian with `apt-cache show`. No image is
  built (there is no Docker engine where the tests run).

Each check is a function returning a list of problems. Most apply to both
modes, some only to one (CHECKS, REPLICATED_CHECKS). The tests run every
check on the real manifests (no problem allowed), then each check again on a
copy broken on purpose (at least one problem required), in each mode it
applies to, so that a check which can no longer fail does not go unnoticed.
"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

import yaml  # Debian: python3-yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("FACTSTORE_ROOT") or os.path.dirname(HERE)

K8S_DIR = os.path.join(ROOT, "deploy", "k8s")
TLS_COMPONENT = "components/tls"
REPLICATED_COMPONENT = "components/replicated"
MONITORING_COMPONENT = "components/monitoring"
DOCKERFILE = os.path.join(ROOT, "deploy", "Dockerfile")

SERVERS = {
    # binary: (its path, header with the health name, constant)
    "ingest_server": ("ingest_service/ingest_server", "ingest_service/ingest_server.h",
                      "kIngestHealthName"),
    "query_server": ("query_service/query_server", "query_service/query_server.h",
                     "kQueryHealthName"),
}

# What the build stage must install (docs/build.md) and build.
BUILD_PACKAGES = [
    "bazel-bootstrap", "bazel-rules-java", "bazel-platforms", "bazel-skylib",
    "g++", "pkg-config", "protobuf-compiler", "protobuf-compiler-grpc",
    "libprotobuf-dev", "libgrpc++-dev", "grpc-proto", "libabsl-dev",
    "librocksdb-dev", "libgtest-dev", "libgmock-dev", "libicu-dev",
    "prometheus-cpp-dev", "libssl-dev", "libgoogle-perftools-dev",
    "libnats-dev", "liblz4-dev", "nodejs", "npm",
]
BUILD_TARGETS = ["//ingest_service:ingest_server", "//query_service:query_server",
                 "//tools/factctl:factctl"]
# The binaries the image ships; the runtime stages must install the Debian
# package of every library they link against (binary_packages).
BINARIES = ["ingest_service/ingest_server", "query_service/query_server",
            "tools/factctl/factctl"]
# Packages debian:bookworm-slim has already.
SLIM_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}
# Memory a container needs beyond its caches (the RocksDB block cache, and
# the query service's document cache): memtables, request buffers, the
# binary itself.
MEMORY_HEADROOM_MIB = 512
# Time after SIGTERM beyond --shutdown_delay + --shutdown_grace for closing
# the store.
SHUTDOWN_MARGIN_SECONDS = 5

# What components/replicated promises.
INGEST_REPLICAS = 2          # a leader and a standby
NATS_SERVERS = 3             # a quorum survives the loss of one
MIN_STREAM_REPLICAS = 3      # --nats_replicas
MIN_QUERY_REPLICAS = 2       # the autoscaler's floor
# The first nats-server with `jetstream { sync_interval: always }` that is
# also free of the stream loss on process crashes of 2.10.20-2.10.22.
MIN_NATS_VERSION = (2, 10, 23)
# nats-server's defaults for lame duck mode (when nats.conf sets none).
NATS_LAME_DUCK_DEFAULTS = {"lame_duck_grace_period": 10.0, "lame_duck_duration": 120.0}
# kube-dns, as NetworkPolicies name it.
KUBE_DNS = ({"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"})


# --------------------------------------------------------------------------
# Asking the server binaries


class Flag:
    def __init__(self, name, flag_type, default):
        self.name, self.type, self.default = name, flag_type, default


# One flag in --helpfull: "--name (help text); default: VALUE;" over one or
# more lines (the help text may itself contain "; default:" and brackets).
HELP_ENTRY = re.compile(r"--(\w+) \((.*)\); default: (.*?);", re.S)
# The environment paragraph of a server's usage message
# (server/server_main.cc).
HELP_ENVIRONMENT = re.compile(
    r"Environment: (.*?) \(in this order; the command line wins\) set the "
    r"flags: (.*?)\.\n", re.S)


def binary_path(binary):
    """The server binary (runfiles under Bazel, bazel-bin from the root)."""
    for path in (os.path.join(ROOT, SERVERS[binary][0]),
                 os.path.join(ROOT, "bazel-bin", SERVERS[binary][0])):
        if os.access(path, os.X_OK):
            return path
    raise AssertionError("%s not built (bazel build //%s)" %
                         (binary, SERVERS[binary][0].replace("/", ":", 1)))


def run_binary(path, args):
    """Runs a server binary for its flag parser only (--helpfull or
    --version make it exit before it starts); returns (exit code, output).
    No FACTSTORE_* variable reaches it, so defaults are the binary's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSTORE_")}
    result = subprocess.run([path] + args, capture_output=True, text=True,
                            env=env, timeout=60)
    return result.returncode, result.stdout + result.stderr


def rejected_flags(path, names, value):
    """The flags among `names` whose parser rejects `value`."""
    if not names:
        return set()
    _, output = run_binary(path, ["--%s=%s" % (n, value) for n in names] + ["--version"])
    return set(re.findall(r"Illegal value '[^']*' specified for flag '(\w+)'", output))


def flag_type_and_default(text):
    """(type, default) from the default absl prints, or (None, text) for a
    number, whose type the binary's parser decides (flag_types)."""
    if text.startswith('"') and text.endswith('"'):
        return "std::string", text[1:-1]
    if text in ("true", "false"):
        return "bool", text == "true"
    if re.fullmatch(r"-?\d+", text):
        return None, int(text)
    if text == "inf" or DURATION.fullmatch(text):
        return "absl::Duration", parse_flag_value(Flag("", "absl::Duration", None), text)[0]
    return "std::vector<std::string>", [v for v in text.split(",") if v]


class Sources:
    """What the server binaries say about their flags (--helpfull, and their
    parsers for the types of numeric flags), which variables set them (the
    usage message), and the health service names (the servers' headers)."""

    def __init__(self):
        self.flags = {}         # binary -> {name: Flag}
        self.env_flags = {}     # binary -> set of names the environment may set
        self.prefixes = {}      # binary -> [prefix, ...], most specific first
        self.health_name = {}   # binary -> gRPC health service name
        for binary, (_, header, constant) in SERVERS.items():
            path = binary_path(binary)
            code, help_text = run_binary(path, ["--helpfull"])
            flags, numbers = {}, []
            # Sections "Flags from FILE:"; absl's own (--flagfile, ...) are
            # not the server's.
            for section in re.split(r"\n  Flags from ", help_text)[1:]:
                source, _, entries = section.partition(":\n")
                if source.startswith("./absl/") or source.startswith("absl/"):
                    continue
                for entry in re.split(r"\n(?=    --)", entries):
                    m = HELP_ENTRY.search(" ".join(entry.split()))
                    if not m:
                        continue
                    flag_type, default = flag_type_and_default(m.group(3))
                    flags[m.group(1)] = Flag(m.group(1), flag_type, default)
                    if flag_type is None:
                        numbers.append(m.group(1))
            if not flags:
                raise AssertionError("%s --helpfull (exit %d) lists no flags:\n%s" %
                                     (binary, code, help_text[:2000]))
            durations = set(numbers) - rejected_flags(path, numbers, "1s")
            doubles = set(numbers) - durations - rejected_flags(path, numbers, "0.5")
            for name in numbers:
                flag = flags[name]
                if name in durations:
                    flag.type, flag.default = "absl::Duration", float(flag.default)
                elif name in doubles:
                    flag.type, flag.default = "double", float(flag.default)
                else:
                    flag.type = "int64_t"
            m = HELP_ENVIRONMENT.search(help_text)
            if not m:
                raise AssertionError(binary + " --helpfull: no \"Environment:\" paragraph")
            self.prefixes[binary] = [v.strip()[:-len("<FLAG>")] for v in m.group(1).split(",")]
            names = {n.strip() for n in m.group(2).split(",")}
            unknown = names - set(flags)
            if unknown:
                raise AssertionError("%s: the environment sets flags it lacks: %s" %
                                     (binary, sorted(unknown)))
            self.flags[binary], self.env_flags[binary] = flags, names
            with open(os.path.join(ROOT, header), encoding="utf-8") as f:
                m = re.search(constant + r'\[\]\s*=\s*"([^"]+)"', f.read())
            if not m:
                raise AssertionError(header + ": no " + constant)
            self.health_name[binary] = m.group(1)


DURATION = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|ms|s|m|h))+")
DURATION_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_flag_value(flag, text):
    """Parses `text` as absl would for `flag`; returns (value, error)."""
    t = flag.type
    if t == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "t", "yes", "y", "1"):
            return True, None
        if lowered in ("false", "f", "no", "n", "0"):
            return False, None
        return None, "not a boolean"
    if t in ("int", "int32_t", "int64_t", "uint32_t", "uint64_t", "short", "long"):
        if re.fullmatch(r"[+-]?\d+|[+-]?0[xX][0-9a-fA-F]+", text.strip()):
            return int(text.strip(), 0), None
        return None, "not an integer"
    if t in ("double", "float"):
        try:
            return float(text), None
        except ValueError:
            return None, "not a number"
    if t == "absl::Duration":
        text = text.strip()
        if text in ("0", "+0", "-0"):
            return 0.0, None
        if text in ("inf", "+inf"):
            return float("inf"), None
        if not DURATION.fullmatch(text):
            return None, "not a duration (e.g. 500ms, 20s, 10m)"
        sign = -1.0 if text.startswith("-") else 1.0
        total = sum(float(number) * DURATION_SECONDS[unit] for number, _, _, unit in
                    re.findall(r"((\d+(\.\d*)?|\.\d+))(ns|us|ms|s|m|h)", text))
        return sign * total, None
    if t.startswith("std::vector"):
        return [s for s in text.split(",") if s], None
    return text, None


# --------------------------------------------------------------------------
# Reading the Dockerfile


class Dockerfile:
    def __init__(self, text):
        self.text = text
        self.stages = []      # [{"name", "base", "instructions": [(KEYWORD, rest)]}]
        self.global_args = {}
        logical, current = [], ""
        for raw in text.splitlines():
            stripped = raw.strip()
            if stripped.startswith("#") or (not stripped and not current):
                continue
            if stripped.endswith("\\"):
                current += stripped[:-1] + " "
                continue
            current += stripped
            if current.strip():
                logical.append(current.strip())
            current = ""
        if current.strip():
            logical.append(current.strip())
        for line in logical:
            keyword, _, rest = line.partition(" ")
            keyword, rest = keyword.upper(), rest.strip()
            if keyword == "FROM":
                words = [w for w in rest.split() if not w.startswith("--")]
                base = self.substitute(words[0])
                name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
                self.stages.append({"name": name, "base": base, "instructions": []})
            elif not self.stages:
                if keyword == "ARG":
                    key, _, value = rest.partition("=")
                    self.global_args[key.strip()] = value.strip().strip('"')
            else:
                self.stages[-1]["instructions"].append((keyword, rest))

    def substitute(self, word):
        return re.sub(r"\$\{?(\w+)\}?",
                      lambda m: self.global_args.get(m.group(1), m.group(0)), word)

    def stage(self, name):
        for stage in self.stages:
            if stage["name"] == name:
                return stage
        return None

    def chain(self, stage):
        """The stage and the stages it derives from, final one first."""
        result = [stage]
        while True:
            parent = self.stage(result[-1]["base"])
            if parent is None or parent in result:
                return result
            result.append(parent)

    def base_image(self, stage):
        return self.chain(stage)[-1]["base"]

    def last(self, stage, keyword):
        for s in self.chain(stage):
            for k, rest in reversed(s["instructions"]):
                if k == keyword:
                    return rest
        return None

    @staticmethod
    def apt_packages(stage):
        packages = []
        for keyword, rest in stage["instructions"]:
            if keyword != "RUN":
                continue
            for m in re.finditer(r"apt-get\s+install\b(.*?)(?:&&|;|\|\||$)", rest):
                for word in m.group(1).split():
                    if not word.startswith("-"):
                        packages.append(word.split("=")[0])
        return packages

    def installed_binaries(self, stage):
        """Names of the build stage's /out files copied to /usr/local/bin."""
        names = set()
        for s in self.chain(stage):
            for keyword, rest in s["instructions"]:
                m = re.fullmatch(r"COPY\s+--from=(\S+)\s+/out/?\s+/usr/local/bin/?",
                                 keyword + " " + rest)
                if m and self.stage(m.group(1)):
                    for k, r in self.stage(m.group(1))["instructions"]:
                        if k == "RUN":
                            names.update(re.findall(r"/out/(\w+)", r))
        return names


def exec_form(value):
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    if isinstance(parsed, list) and parsed and all(isinstance(a, str) for a in parsed):
        return parsed
    return None


# --------------------------------------------------------------------------
# Rendering the manifests


def find_tool(name, variable):
    candidates = [os.environ.get(variable), shutil.which(name),
                  "/usr/local/bin/" + name, "/usr/bin/" + name]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def kubectl_path():
    kubectl = find_tool("kubectl", "FACTSTORE_KUBECTL")
    if kubectl is None:
        raise AssertionError(
            "kubectl not found (looked at $FACTSTORE_KUBECTL, $PATH, /usr/local/bin, "
            "/usr/bin): install kubectl >= 1.27 (it includes kustomize), or pass "
            "--test_env=FACTSTORE_KUBECTL=/path/to/kubectl")
    return kubectl


def run(command, stdin=None, env=None):
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise AssertionError("%s failed (exit %d):\n%s" %
                             (" ".join(command), result.returncode, result.stderr))
    return result.stdout


def render(components=()):
    """Renders deploy/k8s (with `components`) and returns the objects."""
    kubectl = kubectl_path()
    work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    try:
        # A dereferenced copy: Bazel's runfiles are symlinks, which kustomize's
        # "files must stay under the root" rule would reject.
        shutil.copytree(K8S_DIR, os.path.join(work, "k8s"), symlinks=False)
        target = os.path.join(work, "k8s")
        if components:
            target = os.path.join(work, "overlay")
            os.mkdir(target)
            with open(os.path.join(target, "kustomization.yaml"), "w") as f:
                f.write("apiVersion: kustomize.config.k8s.io/v1beta1\n"
                        "kind: Kustomization\nresources:\n  - ../k8s\ncomponents:\n")
                for component in components:
                    f.write("  - ../k8s/%s\n" % component)
        env = dict(os.environ, HOME=work, KUBECONFIG=os.path.join(work, "no-kubeconfig"))
        yaml_text = run([kubectl, "kustomize", target], env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    objects = []
    for document in yaml.safe_load_all(yaml_text):
        if document is None:
            continue
        objects.extend(document["items"] if document.get("kind") == "List" else [document])
    if not objects:
        raise AssertionError("kustomize rendered nothing")
    return objects


# --------------------------------------------------------------------------
# nats-server's configuration


class NatsConfError(ValueError):
    pass


def parse_nats_conf(text):
    """nats.conf as nested dicts (keys in lower case), lists and strings.

    The subset of nats-server's syntax the deployment uses: `key: value`,
    `key = value` or `key value`; blocks in braces; arrays in brackets;
    quoted or bare strings ($VARIABLES stay as written); comments with # or
    //. No `include`.
    """
    n, pos = len(text), [0]

    def skip(newlines=True):
        while pos[0] < n:
            c = text[pos[0]]
            if c in " \t\r" or (newlines and c in "\n,;"):
                pos[0] += 1
            elif c == "#" or text.startswith("//", pos[0]):
                end = text.find("\n", pos[0])
                pos[0] = n if end < 0 else end
            else:
                return

    def bare():
        start = pos[0]
        while pos[0] < n and text[pos[0]] not in " \t\r\n,;}]#":
            pos[0] += 1
        return text[start:pos[0]]

    def value():
        skip(newlines=False)
        if pos[0] >= n:
            raise NatsConfError("value missing at the end")
        c = text[pos[0]]
        if c == "{":
            pos[0] += 1
            return block("}")
        if c == "[":
            pos[0] += 1
            items = []
            while True:
                skip()
                if pos[0] >= n:
                    raise NatsConfError("unclosed [")
                if text[pos[0]] == "]":
                    pos[0] += 1
                    return items
                items.append(value())
        if c in "\"'":
            end = text.find(c, pos[0] + 1)
            if end < 0:
                raise NatsConfError("unclosed quote")
            result = text[pos[0] + 1:end]
            pos[0] = end + 1
            return result
        return bare()

    def block(closer):
        result = {}
        while True:
            skip()
            if pos[0] >= n:
                if closer:
                    raise NatsConfError("unclosed {")
                return result
            if closer and text[pos[0]] == closer:
                pos[0] += 1
                return result
            m = re.compile(r"[\w$.\-]+").match(text, pos[0])
            if not m:
                raise NatsConfError("no key at %r" % text[pos[0]:pos[0] + 20])
            key = m.group(0).lower()
            if key == "include":
                raise NatsConfError("include is not understood here")
            pos[0] = m.end()
            skip(newlines=False)
            if pos[0] < n and text[pos[0]] in ":=":
                pos[0] += 1
            result[key] = value()

    return block(None)


def nats_size(value):
    """Bytes of a nats-server size ("90G", "1GB", "512MB", 1024); the larger
    reading of a unit (1024-based) where nats-server's is ambiguous."""
    m = re.fullmatch(r"(\d+)\s*([kmgt]?)(i?b?)", str(value).strip().lower())
    if not m:
        return None
    return int(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " ")


def duration_seconds(text):
    """Seconds of a Go duration ("30s", "2m"), None if it is not one."""
    value, error = parse_flag_value(Flag("", "absl::Duration", None), str(text))
    return None if error else value


def parse_version(image):
    """(2, 10, 26) from "nats:2.10.26-alpine[@sha256:...]", else None."""
    name = (image or "").split("@")[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.split("/")[-1] else ""
    m = re.match(r"v?(\d+)\.(\d+)\.(\d+)(?:$|[-.])", tag)
    return tuple(int(g) for g in m.groups()) if m else None


# --------------------------------------------------------------------------
# The deployment as the checks see it


class Pod:
    """A workload (StatefulSet, Deployment) and its pod template."""

    def __init__(self, workload):
        self.workload = workload
        self.kind = workload["kind"]
        self.name = workload["metadata"]["name"]
        self.template = workload["spec"]["template"]
        self.spec = self.template["spec"]

    @property
    def labels(self):
        return self.template["metadata"].get("labels", {})

    @property
    def annotations(self):
        return self.template["metadata"].get("annotations", {})

    @property
    def containers(self):
        return self.spec.get("containers", [])

    def volume(self, name):
        for v in self.spec.get("volumes", []):
            if v["name"] == name:
                return v
        return None

    def claims(self):
        return {t["metadata"]["name"]: t for t in
                self.workload["spec"].get("volumeClaimTemplates", [])}

    def claim_names(self):
        return set(self.claims())

    def ports(self):
        """{name: containerPort} over the pod's containers."""
        return {p.get("name"): p["containerPort"]
                for c in self.containers for p in c.get("ports", [])}


def is_nats_pod(pod):
    return pod.labels.get("app.kubernetes.io/name") == "nats"


def env_source(container, name):
    """Where the container's variable `name` comes from: ("value", text),
    ("field", path), ("secret", secret, key), ("other", None) or None."""
    for item in container.get("env", []):
        if item["name"] != name:
            continue
        if "value" in item:
            return ("value", item["value"])
        source = item.get("valueFrom", {})
        if "fieldRef" in source:
            return ("field", source["fieldRef"].get("fieldPath"))
        if "secretKeyRef" in source:
            return ("secret", source["secretKeyRef"].get("name"),
                    source["secretKeyRef"].get("key"))
        return ("other", None)
    return None


class Deployment:
    """Rendered objects + sources + Dockerfile, with helpers for the checks.

    `replicated` says which mode the objects are meant to run in: the checks
    hold them to that mode's promises.
    """

    def __init__(self, objects, sources, dockerfile_text, replicated=False):
        self.objects = objects
        self.sources = sources
        self.dockerfile_text = dockerfile_text
        self.replicated = replicated

    @property
    def dockerfile(self):
        return Dockerfile(self.dockerfile_text)

    def of_kind(self, kind):
        return [o for o in self.objects if o.get("kind") == kind]

    def named(self, kind, name):
        for o in self.of_kind(kind):
            if o["metadata"]["name"] == name:
                return o
        return None

    def pods(self):
        """Every workload's pod template."""
        return [Pod(o) for o in self.objects
                if o.get("kind") in ("StatefulSet", "Deployment", "DaemonSet", "ReplicaSet")
                and "template" in o.get("spec", {})]

    def factstore_pods(self):
        return [p for p in self.pods() if p.labels.get("app.kubernetes.io/name") == "factstore"]

    def nats_pods(self):
        return [p for p in self.pods() if is_nats_pod(p)]

    def containers(self):
        """The containers of factstore's pods."""
        return [c for p in self.factstore_pods() for c in p.containers]

    def pod_of(self, container):
        for p in self.pods():
            if any(c is container for c in p.containers):
                return p
        raise AssertionError("container %s is in no pod" % container.get("name"))

    def pods_running(self, binary):
        return [p for p in self.factstore_pods()
                if any(self.binary(c) == binary for c in p.containers)]

    def binary(self, container):
        command = container.get("command") or exec_form(
            self.dockerfile.last(self.dockerfile.stages[-1], "ENTRYPOINT")) or [""]
        return os.path.basename(command[0])

    def server(self, binary_name):
        for c in self.containers():
            if self.binary(c) == binary_name:
                return c
        return None

    def servers(self):
        return [c for c in self.containers() if self.binary(c) in SERVERS]

    def env(self, container):
        """The container's environment: {name: value}, None for valueFrom."""
        env = {}
        for source in container.get("envFrom", []):
            prefix = source.get("prefix", "")
            if "configMapRef" in source:
                cm = self.named("ConfigMap", source["configMapRef"]["name"])
                data = cm.get("data", {}) if cm else {}
            else:
                secret = self.named("Secret", source.get("secretRef", {}).get("name"))
                data = dict.fromkeys((secret or {}).get("data", {}), None)
            for key, value in data.items():
                env[prefix + key] = value
        for item in container.get("env", []):
            env[item["name"]] = item.get("value") if "valueFrom" not in item else None
        return env

    def flag_source(self, container, name):
        """The variable that sets flag `name` of the container's server, or
        None (an argument or the default)."""
        binary = self.binary(container)
        env = self.env(container)
        for prefix in self.sources.prefixes.get(binary, []):
            if prefix + name.upper() in env:
                return prefix + name.upper()
        return None

    def flag_values(self, container):
        """{flag: (value, where)} for every flag of the container's server."""
        binary = self.binary(container)
        flags = self.sources.flags[binary]
        values = {name: (flag.default, "default") for name, flag in flags.items()}
        env = self.env(container)
        for name in sorted(self.sources.env_flags[binary]):
            for prefix in self.sources.prefixes[binary]:
                variable = prefix + name.upper()
                if variable in env:
                    if env[variable] is not None:
                        value, _ = parse_flag_value(flags[name], env[variable])
                        values[name] = (value, variable)
                    else:
                        values[name] = (None, variable)  # from a Secret: unknown here
                    break
        for name, text in parse_args(container.get("args", []), flags):
            if name in flags:
                value, _ = parse_flag_value(flags[name], text)
                values[name] = (value, "--" + name)
        return values

    def flag(self, container, name):
        return self.flag_values(container).get(name, (None, None))[0]

    def port_by_name(self, container, prefix):
        for port in container.get("ports", []):
            if port.get("name", "").startswith(prefix):
                return port
        return None

    def mount_for(self, container, path):
        """The volumeMount whose mountPath holds `path` (longest match)."""
        best = None
        for mount in container.get("volumeMounts", []):
            mp = mount["mountPath"].rstrip("/") or "/"
            if path == mp or path.startswith(mp + "/") or mp == "/":
                if best is None or len(mp) > len(best["mountPath"].rstrip("/")):
                    best = mount
        return best

    def volume(self, container, name):
        return self.pod_of(container).volume(name)

    def config_map(self):
        """The ConfigMap the servers read their environment from."""
        for c in self.containers():
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    cm = self.named("ConfigMap", source["configMapRef"]["name"])
                    if cm is not None:
                        return cm
        raise AssertionError("no container reads a ConfigMap")

    def services_selecting(self, pod):
        return [s for s in self.of_kind("Service") if s["spec"].get("selector") and
                selector_matches({"matchLabels": s["spec"]["selector"]}, pod.labels)]

    # The NATS servers (components/replicated).

    def nats_statefulset(self):
        sets = [p for p in self.nats_pods() if p.kind == "StatefulSet"]
        return sets[0] if len(sets) == 1 else None

    def nats_container(self, pod):
        for c in pod.containers:
            if c["name"] == "nats" or "nats" in image_repository(c.get("image")):
                return c
        return None

    def nats_config(self, pod):
        """(parsed nats.conf, ConfigMap, key) of the NATS container, or
        (None, problem, None)."""
        c = self.nats_container(pod)
        if c is None:
            return None, "pod %s has no NATS container" % pod.name, None
        args = c.get("args", []) + c.get("command", [])[1:]
        path = None
        for i, arg in enumerate(args):
            if arg in ("--config", "-c") and i + 1 < len(args):
                path = args[i + 1]
            elif arg.startswith("--config="):
                path = arg.split("=", 1)[1]
        if path is None:
            return None, "%s: nats-server gets no --config" % pod.name, None
        mount = self.mount_for(c, path)
        volume = pod.volume(mount["name"]) if mount else None
        if volume is None or "configMap" not in volume:
            return None, "%s: --config %s is in no mounted ConfigMap" % (pod.name, path), None
        cm = self.named("ConfigMap", volume["configMap"]["name"])
        key = os.path.relpath(path, mount["mountPath"])
        if cm is None or key not in cm.get("data", {}):
            return None, "%s: --config %s: no key %s in ConfigMap %s" % (
                pod.name, path, key, volume["configMap"]["name"]), None
        try:
            return parse_nats_conf(cm["data"][key]), cm, key
        except NatsConfError as e:
            return None, "%s: %s does not parse: %s" % (pod.name, key, e), None


def image_repository(image):
    """"nats" from "registry.example.com/library/nats:2.10.26@sha256:..."."""
    name = (image or "").split("@")[0]
    last = name.split("/")[-1]
    return last.split(":")[0]


def parse_args(args, flags):
    """(name, value) pairs of `--name=value`, `--name value`, `--[no]name`."""
    result, i = [], 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-"):
            result.append(("", arg))
            continue
        body = arg.lstrip("-")
        if "=" in body:
            name, value = body.split("=", 1)
        elif body in flags and flags[body].type == "bool":
            name, value = body, "true"
        elif body.startswith("no") and body[2:] in flags and flags[body[2:]].type == "bool":
            name, value = body[2:], "false"
        elif i < len(args):
            name, value = body, args[i]
            i += 1
        else:
            name, value = body, ""
        result.append((name, value))
    return result


def selector_matches(selector, labels):
    """Whether a label selector (matchLabels/matchExpressions) selects `labels`."""
    if selector is None:
        return False
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, op, values = expression["key"], expression["operator"], expression.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


QUANTITY = re.compile(r"([0-9.]+)([a-zA-Z]*)")
QUANTITY_FACTORS = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
                    "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40}


def quantity(value):
    m = QUANTITY.fullmatch(str(value))
    if not m or m.group(2) not in QUANTITY_FACTORS:
        return None
    return float(m.group(1)) * QUANTITY_FACTORS[m.group(2)]


def host_port(address):
    """("0.0.0.0", 50051) from "0.0.0.0:50051"; None if malformed."""
    if not isinstance(address, str) or ":" not in address:
        return None
    host, _, port = address.rpartition(":")
    return (host, int(port)) if port.isdigit() else None


ALL_INTERFACES = {"0.0.0.0", "[::]", "::", ""}


def is_tls(deployment, container):
    return bool(deployment.flag(container, "tls_cert"))


# --------------------------------------------------------------------------
# Network policies: who may open a connection to whom


class Endpoint:
    """A pod as NetworkPolicies see it: labels, its namespace's labels (None:
    the deployment's own namespace), named ports, and whether the rendered
    policies govern it (they do not govern pods of other namespaces)."""

    def __init__(self, labels, namespace=None, ports=None, own=True):
        self.labels, self.namespace, self.ports, self.own = labels, namespace, ports or {}, own


def endpoint(pod):
    return Endpoint(pod.labels, None, pod.ports(), True)


def policy_types(policy):
    spec = policy["spec"]
    return spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))


def peer_matches(peer, ep):
    if "ipBlock" in peer:
        return False
    namespaces = peer.get("namespaceSelector")
    if namespaces is None:
        if ep.namespace is not None:  # a podSelector alone: this namespace
            return False
    elif ep.namespace is None:
        # This deployment's namespace: its labels are unknown here, so only a
        # selector of every namespace is known to match it.
        if namespaces.get("matchLabels") or namespaces.get("matchExpressions"):
            return False
    elif not selector_matches(namespaces, ep.namespace):
        return False
    pods = peer.get("podSelector")
    return pods is None or selector_matches(pods, ep.labels)


def rule_covers(rule, port, protocol, named_ports):
    ports = rule.get("ports")
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        value = p.get("port")
        if value is None:
            return True
        if isinstance(value, str):
            value = named_ports.get(value)
        if value == port:
            return True
    return False


def connection_allowed(d, source, destination, port, protocol="TCP"):
    """Whether the policies let `source` open `port` on `destination`."""
    def governing(ep, kind):
        return [p for p in d.of_kind("NetworkPolicy") if ep.own and
                kind in policy_types(p) and
                selector_matches(p["spec"].get("podSelector"), ep.labels)]

    egress = governing(source, "Egress")
    if egress and not any(
            rule_covers(rule, port, protocol, destination.ports) and
            (not rule.get("to") or any(peer_matches(peer, destination) for peer in rule["to"]))
            for p in egress for rule in p["spec"].get("egress", [])):
        return False
    ingress = governing(destination, "Ingress")
    if ingress and not any(
            rule_covers(rule, port, protocol, destination.ports) and
            (not rule.get("from") or any(peer_matches(peer, source) for peer in rule["from"]))
            for p in ingress for rule in p["spec"].get("ingress", [])):
        return False
    return True


# --------------------------------------------------------------------------
# The checks. Each returns a list of problems.


def check_objects(d):
    problems = []
    if d.replicated:
        expected = [("StatefulSet", 2), ("Deployment", 1), ("HorizontalPodAutoscaler", 1),
                    ("Service", 5), ("PodDisruptionBudget", 3), ("NetworkPolicy", 3),
                    ("ConfigMap", 2), ("Secret", 2), ("ServiceAccount", 1)]
    else:
        expected = [("StatefulSet", 1), ("Service", 2), ("PodDisruptionBudget", 1),
                    ("NetworkPolicy", 1), ("ConfigMap", 1), ("Secret", 1),
                    ("ServiceAccount", 1)]
    for kind, minimum in expected:
        count = len(d.of_kind(kind))
        if count < minimum:
            problems.append("expected at least %d %s, rendered %d" % (minimum, kind, count))
    if not d.replicated:
        if len(d.of_kind("StatefulSet")) != 1:
            problems.append("expected exactly one StatefulSet")
        return problems
    # Replicated: each server in workloads of its own, and NATS.
    for binary, kind in (("ingest_server", "StatefulSet"), ("query_server", "Deployment")):
        pods = d.pods_running(binary)
        if len(pods) != 1:
            problems.append("expected one workload running %s, found %s" %
                            (binary, [p.name for p in pods]))
            continue
        if pods[0].kind != kind:
            problems.append("%s runs in a %s, expected a %s" % (binary, pods[0].kind, kind))
        others = [d.binary(c) for c in pods[0].containers if d.binary(c) != binary]
        if others:
            problems.append("%s %s also runs %s: each server keeps its own store in "
                            "its own pod" % (pods[0].kind, pods[0].name, others))
    if d.nats_statefulset() is None:
        problems.append("expected one NATS StatefulSet (pods labelled "
                        "app.kubernetes.io/name: nats)")
    return problems


def check_statefulset(d):
    problems = []
    sets = [p for p in d.factstore_pods() if p.kind == "StatefulSet"]
    if not sets:
        return ["no factstore StatefulSet"]
    for pod in sets:
        spec = pod.workload["spec"]
        if not d.replicated:
            if spec.get("replicas") != 1:
                problems.append("StatefulSet replicas must be 1 (one writer per data volume), "
                                "is %r" % spec.get("replicas"))
            binaries = sorted(d.binary(c) for c in pod.containers)
            if binaries != sorted(SERVERS):
                problems.append("the pod must run exactly %s, runs %s" %
                                (sorted(SERVERS), binaries))
        if not selector_matches(spec.get("selector"), pod.labels):
            problems.append("StatefulSet %s: its selector does not select its pod template" %
                            pod.name)
        if not pod.claim_names():
            problems.append("StatefulSet %s: no volumeClaimTemplates: the store needs a "
                            "PersistentVolumeClaim" % pod.name)
        for template in spec.get("volumeClaimTemplates", []):
            modes = template["spec"].get("accessModes", [])
            if not set(modes) & {"ReadWriteOnce", "ReadWriteOncePod"}:
                problems.append("claim %s: accessModes %s (RocksDB wants a local block "
                                "volume: ReadWriteOnce)" % (template["metadata"]["name"], modes))
        retention = spec.get("persistentVolumeClaimRetentionPolicy", {})
        for when in ("whenDeleted", "whenScaled"):
            if retention.get(when, "Retain") != "Retain":
                problems.append("StatefulSet %s: persistentVolumeClaimRetentionPolicy.%s "
                                "deletes the store" % (pod.name, when))
        service = d.named("Service", spec.get("serviceName", ""))
        if service is None:
            problems.append("serviceName %r is not a rendered Service" % spec.get("serviceName"))
        elif service["spec"].get("clusterIP") != "None":
            problems.append("serviceName %s must be a headless Service" % spec["serviceName"])
    return problems


def probe_window(probe):
    """Seconds a probe keeps failing before Kubernetes acts on it."""
    return (probe.get("initialDelaySeconds", 0) +
            probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3))


def check_probes(d):
    problems = []
    ingest = d.server("ingest_server")
    for c in d.servers():
        binary = d.binary(c)
        expected = d.sources.health_name[binary]
        grpc_port = d.port_by_name(c, "grpc")
        listen = host_port(d.flag(c, "listen"))
        port_numbers = {p["containerPort"] for p in c.get("ports", [])}
        tls = is_tls(d, c)
        if tls:
            # kubelet's gRPC probes cannot speak TLS: with TLS they must use
            # the plaintext probe port (--probe_listen), which serves health.
            grpc_port = d.port_by_name(c, "probe")
            listen = host_port(d.flag(c, "probe_listen"))
            if grpc_port is None or listen is None:
                problems.append("%s: --tls_cert is set but there is no probe port "
                                "(--probe_listen and a container port named probe-*)"
                                % c["name"])
                continue
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = c.get(kind)
            where = "%s.%s" % (c["name"], kind)
            if not probe:
                problems.append("%s is missing" % where)
                continue
            action = probe.get("grpc")
            if not action:
                problems.append("%s: not a native gRPC probe" % where)
                continue
            port = action.get("port")
            if not isinstance(port, int):
                problems.append("%s: gRPC probe ports must be numbers, is %r" % (where, port))
            elif port not in port_numbers:
                problems.append("%s: port %d is not a port of the container" % (where, port))
            elif grpc_port is None or port != grpc_port["containerPort"]:
                problems.append("%s: port %d is not the container's %s port" %
                                (where, port, "probe" if tls else "grpc"))
            elif listen is None or listen[1] != port:
                problems.append("%s: port %d, but the server listens on %s" %
                                (where, port,
                                 d.flag(c, "probe_listen" if tls else "listen")))
            # "" is the server as a whole, which reports the same status:
            # fine for liveness, too vague for the others.
            allowed = (expected, "") if kind == "livenessProbe" else (expected,)
            if action.get("service", "") not in allowed:
                problems.append("%s: health service %r, %s reports %r" %
                                (where, action.get("service"), binary, expected))
        if d.replicated and c.get("startupProbe") and ingest is not None:
            # A replica on an empty volume listens (ingest) or reports SERVING
            # (query) only once its store has loaded the log; a startup probe
            # that gives up first restarts the load from the start.
            load = d.flag(ingest, "load_timeout") or 0.0
            window = probe_window(c["startupProbe"])
            if window < load:
                problems.append("%s.startupProbe gives up after %ds, before "
                                "--load_timeout %gs: a replica loading the log would be "
                                "restarted forever" % (c["name"], window, load))
    return problems


def check_data_volume(d):
    problems = []
    ingest, query = d.server("ingest_server"), d.server("query_server")
    if ingest is None or query is None:
        return ["both servers must run"]
    if d.replicated:
        for c in (ingest, query):
            pod = d.pod_of(c)
            data_dir = d.flag(c, "data_dir")
            if not isinstance(data_dir, str) or not data_dir.startswith("/"):
                problems.append("%s: --data_dir %r is not an absolute path" %
                                (c["name"], data_dir))
                continue
            mount = d.mount_for(c, data_dir)
            volume = pod.volume(mount["name"]) if mount else None
            if mount is None or (volume is None and mount["name"] not in pod.claim_names()):
                problems.append("%s: --data_dir %s is on no volume" % (c["name"], data_dir))
                continue
            if mount.get("readOnly"):
                problems.append("%s: --data_dir %s is read-only: each replica writes its "
                                "own store" % (c["name"], data_dir))
            if c is ingest and mount["name"] not in pod.claim_names():
                problems.append("ingest: --data_dir %s is not on the StatefulSet's "
                                "PersistentVolumeClaim (a leader's store must survive "
                                "the pod)" % data_dir)
            if c is query and mount["name"] not in pod.claim_names() and not (
                    "emptyDir" in volume or "ephemeral" in volume):
                problems.append("query: --data_dir %s must be on a volume of the pod's "
                                "own (emptyDir, ephemeral volume or a claim template): "
                                "replicas never share a store" % data_dir)
        return problems
    pod = d.pod_of(ingest)
    claims = pod.claim_names()
    mounts = {}
    for c in (ingest, query):
        data_dir = d.flag(c, "data_dir")
        if not isinstance(data_dir, str) or not data_dir.startswith("/"):
            problems.append("%s: --data_dir %r is not an absolute path" % (c["name"], data_dir))
            continue
        mount = d.mount_for(c, data_dir)
        if mount is None or mount["name"] not in claims:
            problems.append("%s: --data_dir %s is not on the PersistentVolumeClaim" %
                            (c["name"], data_dir))
            continue
        mounts[c["name"]] = (mount, data_dir)
    if len(mounts) == 2:
        (m1, dir1), (m2, dir2) = mounts[ingest["name"]], mounts[query["name"]]
        if m1["name"] != m2["name"] or m1["mountPath"] != m2["mountPath"]:
            problems.append("ingest mounts %s at %s, query mounts %s at %s: they must "
                            "share one claim at one path" %
                            (m1["name"], m1["mountPath"], m2["name"], m2["mountPath"]))
        if dir1 != dir2:
            problems.append("--data_dir differs: ingest %s, query %s" % (dir1, dir2))
        if m1.get("readOnly") or m1.get("subPath") != m2.get("subPath"):
            problems.append("ingest's data mount must be writable and the same as query's")
        if not m2.get("readOnly"):
            problems.append("query's data mount should be readOnly: the secondary never "
                            "writes to the primary's directory")
    return problems


def check_writable_dirs(d):
    problems = []
    query = d.server("query_server")
    # The RocksDB secondary's own directory: embedded mode only (a replica
    # has a store of its own and no secondary).
    if not d.replicated:
        secondary = d.flag(query, "secondary_dir") if query else None
        if not secondary:
            problems.append("query: --secondary_dir is not set (it would fall back to $TMPDIR)")
        else:
            mount = d.mount_for(query, secondary)
            volume = d.volume(query, mount["name"]) if mount else None
            if mount is None or volume is None:
                problems.append("query: --secondary_dir %s is on no volume" % secondary)
            elif mount.get("readOnly") or "emptyDir" not in volume:
                problems.append("query: --secondary_dir %s must be on a writable emptyDir" %
                                secondary)
            data_dir = d.flag(query, "data_dir") or ""
            if secondary == data_dir or secondary.startswith(data_dir.rstrip("/") + "/"):
                problems.append("query: --secondary_dir must not be inside --data_dir")
    for c in d.containers():
        mount = d.mount_for(c, "/tmp")
        volume = d.volume(c, mount["name"]) if mount else None
        if (c.get("securityContext", {}).get("readOnlyRootFilesystem") and
                (mount is None or mount["mountPath"] != "/tmp" or mount.get("readOnly") or
                 volume is None or "emptyDir" not in volume)):
            problems.append("%s: read-only root filesystem without a writable /tmp" % c["name"])
    return problems


def check_security(d):
    problems = []
    docker_user = d.dockerfile.last(d.dockerfile.stages[-1], "USER") or ""
    factstore = {id(c) for c in d.containers()}
    for p in d.factstore_pods() + d.nats_pods():
        pod = p.spec.get("securityContext", {})
        where = "pod %s" % p.name
        if pod.get("runAsNonRoot") is not True:
            problems.append("%s: runAsNonRoot must be true" % where)
        if not isinstance(pod.get("runAsUser"), int) or pod.get("runAsUser") <= 0:
            problems.append("%s: runAsUser must be a non-zero UID" % where)
        if not isinstance(pod.get("fsGroup"), int):
            problems.append("%s: fsGroup must be set, or the volume is not writable" % where)
        if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append("%s: seccompProfile must be RuntimeDefault" % where)
        sa = d.named("ServiceAccount", p.spec.get("serviceAccountName", ""))
        if p.spec.get("automountServiceAccountToken") is not False and not (
                sa and sa.get("automountServiceAccountToken") is False):
            problems.append("%s: the servers do not use the API; do not mount a token" % where)
        for c in p.containers:
            sc = c.get("securityContext", {})
            name = c["name"]
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append("%s: allowPrivilegeEscalation must be false" % name)
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append("%s: readOnlyRootFilesystem must be true" % name)
            if sc.get("privileged"):
                problems.append("%s: must not be privileged" % name)
            caps = sc.get("capabilities", {})
            if "ALL" not in caps.get("drop", []) or caps.get("add"):
                problems.append("%s: capabilities must drop ALL and add none" % name)
            if sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is not True:
                problems.append("%s: runAsNonRoot must be true" % name)
            uid = sc.get("runAsUser", pod.get("runAsUser"))
            if not isinstance(uid, int) or uid <= 0:
                problems.append("%s: runAsUser must be a non-zero UID" % name)
            elif id(c) in factstore and docker_user.split(":")[0] != str(uid):
                problems.append("%s: runs as UID %s, the image's USER is %r" %
                                (name, uid, docker_user))
            seccomp = sc.get("seccompProfile", pod.get("seccompProfile", {}))
            if seccomp.get("type") != "RuntimeDefault":
                problems.append("%s: seccompProfile must be RuntimeDefault" % name)
    return problems


def check_configuration(d):
    """Commands, arguments and FACTSTORE_* variables against the real flags."""
    problems = []
    installed = d.dockerfile.installed_binaries(d.dockerfile.stages[-1])
    for p in d.factstore_pods():
        if p.spec.get("enableServiceLinks") is not False:
            problems.append("pod %s: enableServiceLinks must be false (service variables "
                            "such as FACTSTORE_INGEST_PORT share the servers' FACTSTORE_ "
                            "namespace)" % p.name)
    # Every server of the deployment: the pods share one ConfigMap, and a
    # variable for the other server is not a typo.
    binaries = [d.binary(c) for c in d.containers()]
    for c in d.containers():
        name, binary = c["name"], d.binary(c)
        command = c.get("command") or []
        if not command or command[0] != "/usr/local/bin/" + binary or binary not in installed:
            problems.append("%s: command %s is not a binary the image installs in "
                            "/usr/local/bin (%s)" % (name, command, sorted(installed)))
        if binary not in SERVERS:
            problems.append("%s: %s is not a factstore server" % (name, binary))
            continue
        flags = d.sources.flags[binary]
        for flag_name, text in parse_args(c.get("args", []), flags):
            if flag_name not in flags:
                problems.append("%s: argument %r is not a flag of %s" % (name, flag_name, binary))
            else:
                _, error = parse_flag_value(flags[flag_name], text)
                if error:
                    problems.append("%s: --%s=%s: %s" % (name, flag_name, text, error))
        for variable, value in sorted(d.env(c).items()):
            if not variable.startswith("FACTSTORE_"):
                continue
            readers = []
            for other in binaries:
                if other not in SERVERS:
                    continue
                for prefix in d.sources.prefixes[other]:
                    if variable.startswith(prefix):
                        flag_name = variable[len(prefix):].lower()
                        if flag_name in d.sources.env_flags[other]:
                            readers.append((other, flag_name))
                        elif flag_name in d.sources.flags[other]:
                            problems.append("%s: %s: --%s cannot be set from the "
                                            "environment; pass it in args" %
                                            (name, variable, flag_name))
                            readers.append((other, None))
            if not readers:
                problems.append("%s: %s sets no flag of %s (a typo?)" %
                                (name, variable, " or ".join(sorted(set(binaries)))))
            for reader, flag_name in readers:
                if flag_name is None or value is None:
                    continue
                _, error = parse_flag_value(d.sources.flags[reader][flag_name], value)
                if error:
                    problems.append("%s: %s=%r: %s for --%s" %
                                    (name, variable, value, error, flag_name))
    return list(dict.fromkeys(problems))


def check_listen_addresses(d):
    problems = []
    for p in d.factstore_pods():
        seen = {}  # one network namespace per pod
        for c in p.containers:
            if d.binary(c) not in SERVERS:
                continue
            for flag_name, port_prefix in (("listen", "grpc"), ("metrics_listen", "metrics")):
                address = d.flag(c, flag_name)
                parsed = host_port(address)
                port = d.port_by_name(c, port_prefix)
                where = "%s: --%s=%s" % (c["name"], flag_name, address)
                if parsed is None:
                    problems.append(where + " is not host:port")
                    continue
                if parsed[0] not in ALL_INTERFACES:
                    problems.append(where + " does not listen on the pod's interfaces")
                if port is None:
                    problems.append("%s: no container port named %s-*" %
                                    (c["name"], port_prefix))
                elif port["containerPort"] != parsed[1]:
                    problems.append("%s, but container port %s is %d" %
                                    (where, port["name"], port["containerPort"]))
                if parsed[1] in seen:
                    problems.append("%s: port %d is also used by %s (one network namespace)" %
                                    (where, parsed[1], seen[parsed[1]]))
                seen[parsed[1]] = c["name"]
        names = [port.get("name") for c in p.containers for port in c.get("ports", [])]
        if len(names) != len(set(names)):
            problems.append("pod %s: container port names repeat: %s" % (p.name, names))
    return problems


def check_shutdown(d):
    problems = []
    for c in d.servers():
        grace_period = d.pod_of(c).spec.get("terminationGracePeriodSeconds", 30)
        delay = d.flag(c, "shutdown_delay") or 0.0
        grace = d.flag(c, "shutdown_grace")
        if grace is None:
            problems.append("%s: --shutdown_grace unknown" % c["name"])
            continue
        needed = delay + grace + SHUTDOWN_MARGIN_SECONDS
        if grace_period < needed:
            problems.append(
                "%s: terminationGracePeriodSeconds %s < --shutdown_delay %gs + "
                "--shutdown_grace %gs + %ds: the kubelet would kill calls in flight" %
                (c["name"], grace_period, delay, grace, SHUTDOWN_MARGIN_SECONDS))
        if c.get("lifecycle", {}).get("preStop", {}).get("exec"):
            problems.append("%s: preStop exec hooks need a shell the image does not "
                            "promise; use --shutdown_delay" % c["name"])
    return problems


GO_MEMORY_UNITS = {"": 1, "B": 1, "KiB": 2 ** 10, "MiB": 2 ** 20, "GiB": 2 ** 30, "TiB": 2 ** 40}


def check_resources(d):
    problems = []
    for p in d.factstore_pods() + d.nats_pods():
        for c in p.containers:
            resources = c.get("resources", {})
            requests, limits = resources.get("requests", {}), resources.get("limits", {})
            for key, table in (("cpu", requests), ("memory", requests), ("memory", limits)):
                if quantity(table.get(key, "")) is None:
                    problems.append("%s: resources %s.%s missing" %
                                    (c["name"], "requests" if table is requests else "limits",
                                     key))
            limit = quantity(limits.get("memory", ""))
            request = quantity(requests.get("memory", ""))
            if limit is not None and request is not None and request > limit:
                problems.append("%s: memory request above the limit" % c["name"])
            if is_nats_pod(p):
                # Go's garbage collector aims below GOMEMLIMIT.
                source = env_source(c, "GOMEMLIMIT")
                m = re.fullmatch(r"(\d+)([KMGT]iB|B|)", source[1]) if source and \
                    source[0] == "value" else None
                if m and limit is not None and \
                        int(m.group(1)) * GO_MEMORY_UNITS[m.group(2)] >= limit:
                    problems.append("%s: GOMEMLIMIT %s is not below the memory limit %s" %
                                    (c["name"], source[1], limits.get("memory")))
                continue
            if d.binary(c) in SERVERS and limit is not None:
                cache_mb = d.flag(c, "block_cache_mb")
                # Only the query service has a document cache.
                documents_mb = d.flag(c, "document_cache_mb") \
                    if d.binary(c) == "query_server" else 0
                if not isinstance(cache_mb, int):
                    problems.append("%s: --block_cache_mb unknown" % c["name"])
                elif not isinstance(documents_mb, int):
                    problems.append("%s: --document_cache_mb unknown" % c["name"])
                elif limit < (cache_mb + documents_mb + MEMORY_HEADROOM_MIB) * 2 ** 20:
                    problems.append("%s: memory limit %s < caches %d MiB + %d MiB "
                                    "headroom" % (c["name"], limits["memory"],
                                                  cache_mb + documents_mb,
                                                  MEMORY_HEADROOM_MIB))
    return problems


def check_services(d):
    problems = []
    apis = {}
    pods = d.factstore_pods() + d.nats_pods()
    for service in d.of_kind("Service"):
        name, spec = service["metadata"]["name"], service["spec"]
        selected = [p for p in pods if spec.get("selector") and
                    selector_matches({"matchLabels": spec["selector"]}, p.labels)]
        if not selected:
            problems.append("Service %s selects no pod of the deployment" % name)
            continue
        for port in spec.get("ports", []):
            target = port.get("targetPort", port["port"])
            found = [(p, c, cp) for p in selected for c in p.containers
                     for cp in c.get("ports", []) if target in (cp.get("name"),
                                                                cp["containerPort"])]
            if not found:
                problems.append("Service %s: targetPort %r is no port of its pods" %
                                (name, target))
                continue
            for p, c, container_port_ in found:
                if not is_nats_pod(p) and container_port_.get("name", "").startswith("grpc"):
                    services = apis.setdefault(d.binary(c), [])
                    if service not in services:
                        services.append(service)
    for binary, headless in (("ingest_server", False), ("query_server", True)):
        services = apis.get(binary, [])
        if headless:
            if len(services) != 1:
                problems.append("expected one Service for %s's gRPC port, found %d" %
                                (binary, len(services)))
                continue
            service = services[0]
            name = service["metadata"]["name"]
            if service["spec"].get("clusterIP") != "None":
                problems.append("Service %s must be headless (clusterIP: None) so that gRPC "
                                "clients balance over the pods" % name)
            if service["spec"].get("publishNotReadyAddresses"):
                problems.append("Service %s must leave out pods that are not Ready (a "
                                "follower that is behind)" % name)
            continue
        # The clients' ClusterIP Service; any other is headless (the
        # StatefulSet's governing Service names each replica).
        clients = [s for s in services if s["spec"].get("clusterIP") != "None"]
        if len(clients) != 1:
            problems.append("expected one ClusterIP Service for %s's gRPC port, found %d" %
                            (binary, len(clients)))
            continue
        service = clients[0]
        name = service["metadata"]["name"]
        if service["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append("Service %s must be a ClusterIP Service" % name)
        if d.replicated and service["spec"].get("publishNotReadyAddresses"):
            problems.append("Service %s publishes ingest replicas that are not Ready "
                            "(loading, or no longer following the log)" % name)
    return problems


def check_disruption_budget(d):
    problems = []
    pdbs = d.of_kind("PodDisruptionBudget")
    for pod in d.factstore_pods() + d.nats_pods():
        covering = [p for p in pdbs if selector_matches(p["spec"].get("selector"), pod.labels)]
        if not covering:
            problems.append("no PodDisruptionBudget selects the pods of %s %s" %
                            (pod.kind, pod.name))
        elif len(covering) > 1:
            problems.append("several PodDisruptionBudgets select %s (evictions then fail)" %
                            pod.name)
        elif d.replicated and (covering[0]["spec"].get("maxUnavailable") != 1 or
                               "minAvailable" in covering[0]["spec"]):
            problems.append("PodDisruptionBudget %s: maxUnavailable must be 1 (one %s pod "
                            "at a time%s)" % (covering[0]["metadata"]["name"], pod.name,
                                              ": two of three NATS servers keep the quorum"
                                              if is_nats_pod(pod) else ""))
    for p in pdbs:
        if "minAvailable" not in p["spec"] and "maxUnavailable" not in p["spec"]:
            problems.append("PodDisruptionBudget %s sets no budget" % p["metadata"]["name"])
    return problems


WRITER_LABEL = ("factstore.io/writer", "true")


def check_network_policy(d):
    problems = []
    for pod in d.factstore_pods():
        policies = [p for p in d.of_kind("NetworkPolicy")
                    if selector_matches(p["spec"].get("podSelector"), pod.labels)]
        if not policies:
            problems.append("no NetworkPolicy selects pod %s" % pod.name)
            continue
        names = pod.ports()
        ingest = next((c for c in pod.containers if d.binary(c) == "ingest_server"), None)
        ingest_port = d.port_by_name(ingest, "grpc")["containerPort"] if ingest else None
        wanted = {}
        for c in pod.containers:
            if d.binary(c) == "query_server":
                wanted["query gRPC"] = d.port_by_name(c, "grpc")["containerPort"]
            wanted["%s metrics" % c["name"]] = d.port_by_name(c, "metrics")["containerPort"]
        reachable = set()
        ingest_allowed = False
        for policy in policies:
            spec = policy["spec"]
            if "Ingress" not in policy_types(policy):
                problems.append("NetworkPolicy %s does not restrict ingress" %
                                policy["metadata"]["name"])
            for i, rule in enumerate(spec.get("ingress", [])):
                where = "NetworkPolicy %s ingress[%d]" % (policy["metadata"]["name"], i)
                ports = set()
                for port in rule.get("ports", []):
                    value = port.get("port")
                    if value is None:
                        ports = None
                        break
                    if isinstance(value, str) and value not in names:
                        problems.append("%s: port %r is no port of pod %s" %
                                        (where, value, pod.name))
                    ports.add(names.get(value, value))
                if ports is not None and not rule.get("ports"):
                    ports = None  # no ports: every port
                covers = (lambda p: True) if ports is None else (lambda p: p in ports)
                for port in wanted.values():
                    if covers(port):
                        reachable.add(port)
                if ingest_port is None or not covers(ingest_port):
                    continue
                ingest_allowed = True
                peers = rule.get("from", [])
                if not peers:
                    problems.append("%s: lets everyone reach the ingest port" % where)
                for peer in peers:
                    selector = peer.get("podSelector")
                    namespaces = peer.get("namespaceSelector")
                    if ("ipBlock" in peer or selector is None or
                            selector.get("matchLabels", {}).get(WRITER_LABEL[0]) !=
                            WRITER_LABEL[1] or
                            (namespaces is not None and not namespaces)):
                        problems.append("%s: peer %s may reach the ingest port: peers must "
                                        "select pods labelled %s=%s (and, with a "
                                        "namespaceSelector, name the namespaces)" %
                                        (where, json.dumps(peer), *WRITER_LABEL))
        if ingest_port is not None and not ingest_allowed:
            problems.append("no NetworkPolicy rule lets writers reach the ingest port")
        for what, port in wanted.items():
            if port not in reachable:
                problems.append("pod %s: no NetworkPolicy rule allows the %s port %d" %
                                (pod.name, what, port))
    return problems


FILE_FLAGS = ("auth_token_file", "tls_cert", "tls_key", "tls_client_ca",
              "nats_credentials_file", "nats_tls_ca_file", "nats_tls_cert_file",
              "nats_tls_key_file")


def is_secret_name(name):
    """FACTSTORE_AUTH_TOKEN, FACTSTORE_NATS_TOKEN, NATS_PASSWORD, ...: values
    that are secrets themselves (not files holding them)."""
    return bool(re.search(r"(TOKEN|PASSWORD)$", name))


def expected_keys(secret):
    return [k.strip() for k in secret["metadata"].get("annotations", {}).get(
        "factstore.io/expected-keys", "").split(",") if k.strip()]


def check_credentials(d):
    problems = []
    for secret in d.of_kind("Secret"):
        if secret.get("data") or secret.get("stringData"):
            problems.append("Secret %s carries data: the base must hold a placeholder only, "
                            "or `kubectl apply -k` overwrites the real credentials" %
                            secret["metadata"]["name"])
    for cm in d.of_kind("ConfigMap"):
        for key in cm.get("data", {}):
            if is_secret_name(key):
                problems.append("ConfigMap %s holds %s: a secret (use a token file or a "
                                "Secret)" % (cm["metadata"]["name"], key))
    for p in d.factstore_pods() + d.nats_pods():
        for c in p.containers:
            for source in c.get("envFrom", []):
                for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    if ref in source and d.named(kind, source[ref]["name"]) is None:
                        problems.append("%s: envFrom %s %s is not rendered" %
                                        (c["name"], kind, source[ref]["name"]))
            for item in c.get("env", []):
                if is_secret_name(item["name"]) and "value" in item:
                    problems.append("%s: %s given as a literal" % (c["name"], item["name"]))
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    secret = d.named("Secret", ref.get("name"))
                    if secret is None:
                        problems.append("%s: %s: Secret %s is not rendered" %
                                        (c["name"], item["name"], ref.get("name")))
                    elif ref.get("key") not in expected_keys(secret):
                        problems.append("%s: %s reads key %r, not among the Secret %s's "
                                        "keys %s" % (c["name"], item["name"], ref.get("key"),
                                                     ref.get("name"), expected_keys(secret)))
            for mount in c.get("volumeMounts", []):
                volume = p.volume(mount["name"])
                if volume is None and mount["name"] not in p.claim_names():
                    problems.append("%s: mount of unknown volume %s" % (c["name"], mount["name"]))
                if volume and "secret" in volume and mount.get("subPath"):
                    problems.append("%s: Secret volume %s mounted with subPath: Kubernetes "
                                    "never updates such files, so rotation would need a "
                                    "restart" % (c["name"], mount["name"]))
        for v in p.spec.get("volumes", []):
            mode = v.get("secret", {}).get("defaultMode", 0o644)
            if "secret" in v and mode & 0o007:
                problems.append("volume %s: Secret files readable by others (mode %o)" %
                                (v["name"], mode))
    for c in d.servers():
        values = {name: d.flag(c, name) for name in FILE_FLAGS}
        if not values["auth_token_file"] and not d.flag(c, "auth_allowed_identities"):
            problems.append("%s: no --auth_token_file: anyone who can connect may call" %
                            c["name"])
        if d.flag(c, "allow_unauthenticated"):
            problems.append("%s: --allow_unauthenticated serves anyone who can connect" %
                            c["name"])
        if bool(values["tls_cert"]) != bool(values["tls_key"]):
            problems.append("%s: --tls_cert and --tls_key go together" % c["name"])
        for flag_name, path in values.items():
            if not path:
                continue
            mount = d.mount_for(c, path)
            volume = d.volume(c, mount["name"]) if mount else None
            if volume is None or "secret" not in volume:
                problems.append("%s: --%s=%s is not in a mounted Secret" %
                                (c["name"], flag_name, path))
                continue
            secret = d.named("Secret", volume["secret"]["secretName"])
            if secret is None:
                problems.append("%s: Secret %s is not rendered" %
                                (c["name"], volume["secret"]["secretName"]))
                continue
            key = os.path.relpath(path, mount["mountPath"])
            if key not in expected_keys(secret):
                problems.append("%s: --%s reads key %r, not among the Secret's keys %s" %
                                (c["name"], flag_name, key, expected_keys(secret)))
    # The query service gets reader tokens only: a file of its own, so that
    # the ingest service's writer and admin tokens do not open it.
    files = {}
    for c in d.servers():
        path = d.flag(c, "auth_token_file")
        if path:
            files.setdefault(path, set()).add(d.binary(c))
    for path, binaries in files.items():
        if len(binaries) > 1:
            problems.append("both servers read the token file %s: give the query service "
                            "a file of reader tokens" % path)
    return problems


def check_service_monitor(d):
    """components/monitoring: the ServiceMonitor selects a rendered Service
    and scrapes every metrics port of it by name, at /metrics."""
    problems = []
    monitors = d.of_kind("ServiceMonitor")
    if not monitors:
        return ["no ServiceMonitor"]
    for monitor in monitors:
        spec = monitor.get("spec", {})
        wanted = spec.get("selector", {}).get("matchLabels", {})
        services = [s for s in d.of_kind("Service") if wanted and all(
            s["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())]
        if len(services) != 1:
            problems.append("ServiceMonitor %s selects %d Services, not the metrics "
                            "Service" % (monitor["metadata"]["name"], len(services)))
            continue
        ports = {p.get("name") for p in services[0]["spec"].get("ports", [])}
        metrics_ports = {p for p in ports if p and p.startswith("metrics")}
        scraped = {e.get("port") for e in spec.get("endpoints", [])}
        for port in sorted(scraped - ports, key=str):
            problems.append("ServiceMonitor scrapes port %r, which Service %s does not "
                            "have" % (port, services[0]["metadata"]["name"]))
        for port in sorted(metrics_ports - scraped):
            problems.append("ServiceMonitor does not scrape %s" % port)
        for e in spec.get("endpoints", []):
            if e.get("path", "/metrics") != "/metrics":
                problems.append("ServiceMonitor endpoint %s scrapes %s, not /metrics" %
                                (e.get("port"), e.get("path")))
    return problems


def image_pinned(image):
    name = (image or "").split("@")[0]
    return "@" in (image or "") or (":" in name.split("/")[-1] and
                                    not name.endswith(":latest"))


def check_images(d):
    problems = []
    images = {c.get("image") for c in d.containers()}
    if len(images) != 1:
        problems.append("both servers come from one image, containers use %s" % sorted(images))
    for p in d.factstore_pods() + d.nats_pods():
        for c in p.containers:
            if not image_pinned(c.get("image")):
                problems.append("%s: image %r: pin a tag or digest" % (c["name"], c.get("image")))
    return list(dict.fromkeys(problems))


def check_metrics(d):
    problems = []
    for p in d.factstore_pods():
        annotated = p.annotations
        for c in p.containers:
            if d.binary(c) not in SERVERS:
                continue
            port = d.port_by_name(c, "metrics")
            if port is None:
                problems.append("%s: no container port named metrics-*" % c["name"])
                continue
            scraped = annotated.get("prometheus.io/scrape") == "true" and \
                annotated.get("prometheus.io/port") == str(port["containerPort"])
            for service in d.services_selecting(p):
                if service["metadata"].get("annotations", {}).get(
                        "prometheus.io/scrape") != "true":
                    continue
                for sp in service["spec"].get("ports", []):
                    if sp.get("targetPort") in (port.get("name"), port["containerPort"]):
                        scraped = True
            if not scraped:
                problems.append("%s: metrics port %s is not annotated for scraping" %
                                (c["name"], port.get("name")))
    return problems


# The replicated mode's own checks (components/replicated).


def has_host_anti_affinity(pod):
    """Whether the pod template keeps its own pods on different nodes."""
    anti = pod.spec.get("affinity", {}).get("podAntiAffinity", {})
    terms = list(anti.get("requiredDuringSchedulingIgnoredDuringExecution", []))
    terms += [t.get("podAffinityTerm", {}) for t in
              anti.get("preferredDuringSchedulingIgnoredDuringExecution", [])]
    return any(t.get("topologyKey") == "kubernetes.io/hostname" and
               selector_matches(t.get("labelSelector"), pod.labels) for t in terms)


def nats_setup(d):
    """(StatefulSet pod, NATS container, parsed nats.conf, problems)."""
    sts = d.nats_statefulset()
    if sts is None:
        return None, None, None, ["no NATS StatefulSet (pods labelled app.kubernetes.io/name: "
                                  "nats)"]
    conf, problem, _ = d.nats_config(sts)
    if conf is None:
        return sts, d.nats_container(sts), None, [problem]
    return sts, d.nats_container(sts), conf, []


def nats_ports(conf):
    """(client, cluster, monitor) ports nats.conf sets, None where unknown."""
    def port_of(block, port_key, listen_key, default):
        if not isinstance(block, dict):
            return None
        if block.get(port_key) is not None:
            return int(block[port_key]) if str(block[port_key]).isdigit() else None
        parsed = host_port(block.get(listen_key)) if block.get(listen_key) else None
        return parsed[1] if parsed else default
    return (port_of(conf, "port", "listen", 4222),
            port_of(conf.get("cluster"), "port", "listen", None),
            port_of(conf, "http_port", "http", None))


def check_nats_cluster(d):
    sts, c, conf, problems = nats_setup(d)
    if conf is None:
        return problems
    spec = sts.workload["spec"]
    replicas = spec.get("replicas", 1)
    if replicas != NATS_SERVERS:
        problems.append("NATS StatefulSet %s: %r replicas, expected %d (a quorum of two "
                        "survives the loss of one)" % (sts.name, replicas, NATS_SERVERS))
    if spec.get("podManagementPolicy") != "Parallel":
        problems.append("NATS StatefulSet %s: podManagementPolicy must be Parallel: a "
                        "server is healthy only in a cluster with a JetStream leader, so "
                        "OrderedReady would wait for the first pod forever" % sts.name)
    if not selector_matches(spec.get("selector"), sts.labels):
        problems.append("NATS StatefulSet %s: its selector does not select its pods" % sts.name)
    if not has_host_anti_affinity(sts):
        problems.append("NATS StatefulSet %s: no pod anti-affinity on kubernetes.io/hostname: "
                        "two servers on one node lose the quorum with it" % sts.name)
    client, cluster_port, monitor = nats_ports(conf)
    cluster = conf.get("cluster")
    if not isinstance(cluster, dict) or cluster_port is None:
        return problems + ["nats.conf: no cluster block with a port"]
    ports = {p["containerPort"] for p in c.get("ports", [])}
    for what, port in (("client", client), ("cluster", cluster_port), ("monitor", monitor)):
        if port not in ports:
            problems.append("nats: the %s port %s of nats.conf is not a container port" %
                            (what, port))
    governing = d.named("Service", spec.get("serviceName", ""))
    if governing is None:
        problems.append("NATS StatefulSet %s: serviceName %r is not a rendered Service" %
                        (sts.name, spec.get("serviceName")))
    else:
        gspec = governing["spec"]
        if gspec.get("clusterIP") != "None" or not gspec.get("publishNotReadyAddresses"):
            problems.append("Service %s must be headless and publish not-Ready pods: the "
                            "servers find each other by those names before any is Ready" %
                            spec["serviceName"])
        if not selector_matches({"matchLabels": gspec.get("selector", {})}, sts.labels):
            problems.append("Service %s does not select the NATS pods" % spec["serviceName"])
    routes = cluster.get("routes", [])
    routes = routes if isinstance(routes, list) else [routes]
    expected = {"%s-%d.%s" % (sts.name, i, spec.get("serviceName")) for i in range(replicas)}
    found = set()
    for route in routes:
        url = urllib.parse.urlsplit(str(route))
        host = ".".join((url.hostname or "").split(".")[:2])
        if url.scheme not in ("nats", "tls") or url.port != cluster_port or host not in expected:
            problems.append("nats.conf: route %s is not a server of the StatefulSet at its "
                            "cluster port %d" % (route, cluster_port))
        found.add(host)
    if expected - found:
        problems.append("nats.conf: no route to %s" % sorted(expected - found))
    name = str(conf.get("server_name", ""))
    source = env_source(c, name[1:]) if name.startswith("$") else None
    if source != ("field", "metadata.name"):
        problems.append("nats.conf: server_name %r must be the pod's name (an environment "
                        "variable from metadata.name): unique and stable per server" % name)
    return problems


def check_nats_jetstream(d):
    sts, c, conf, problems = nats_setup(d)
    if conf is None:
        return problems
    js = conf.get("jetstream")
    if not isinstance(js, dict):
        return problems + ["nats.conf: no jetstream block"]
    sync = js.get("sync_interval", js.get("sync"))
    if sync != "always":
        problems.append("nats.conf: jetstream sync_interval is %r, must be always: otherwise "
                        "a power loss of two servers can lose acknowledged writes" % sync)
    store_dir = js.get("store_dir", js.get("store"))
    claims = sts.claims()
    mount = d.mount_for(c, store_dir) if isinstance(store_dir, str) else None
    if mount is None or mount["name"] not in claims:
        problems.append("nats.conf: jetstream store_dir %r is not on a PersistentVolumeClaim "
                        "of the StatefulSet" % store_dir)
    else:
        claim = claims[mount["name"]]
        if mount.get("readOnly"):
            problems.append("nats: the JetStream claim is mounted read-only")
        if not set(claim["spec"].get("accessModes", [])) & {"ReadWriteOnce",
                                                             "ReadWriteOncePod"}:
            problems.append("nats: claim %s is not ReadWriteOnce" % mount["name"])
        size = quantity(claim["spec"].get("resources", {}).get("requests", {}).get(
            "storage", ""))
        limit = nats_size(js.get("max_file_store", ""))
        if limit is None or size is None or limit > size:
            problems.append("nats.conf: jetstream max_file_store %r must be set, and below "
                            "the claim's %s" % (js.get("max_file_store"),
                                                claim["spec"].get("resources", {}).get(
                                                    "requests", {}).get("storage")))
    retention = sts.workload["spec"].get("persistentVolumeClaimRetentionPolicy", {})
    for when in ("whenDeleted", "whenScaled"):
        if retention.get(when, "Retain") != "Retain":
            problems.append("NATS StatefulSet: persistentVolumeClaimRetentionPolicy.%s deletes "
                            "the commit log" % when)
    return problems


def check_nats_image(d):
    problems = []
    if not d.nats_pods():
        return ["no NATS pods"]
    for pod in d.nats_pods():
        c = d.nats_container(pod)
        image = (c or {}).get("image")
        if image_repository(image) != "nats":
            problems.append("%s: image %r is not the upstream nats image" % (pod.name, image))
        version = parse_version(image)
        if version is None:
            problems.append("%s: image %r: pin a version tag (e.g. nats:2.10.26-alpine, "
                            "plus @sha256:... if you like)" % (pod.name, image))
        elif version < MIN_NATS_VERSION:
            problems.append("%s: nats-server %s is older than %s (sync_interval: always, and "
                            "no stream loss on process crashes)" %
                            (pod.name, ".".join(map(str, version)),
                             ".".join(map(str, MIN_NATS_VERSION))))
    return problems


def check_nats_probes(d):
    sts, c, conf, problems = nats_setup(d)
    if conf is None:
        return problems
    _, _, monitor = nats_ports(conf)
    if monitor is None:
        return problems + ["nats.conf: no http_port: the probes need /healthz"]
    names = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = c.get(kind)
        where = "nats.%s" % kind
        action = (probe or {}).get("httpGet")
        if not action:
            problems.append("%s: missing, or not an HTTP probe of /healthz" % where)
            continue
        port = action.get("port")
        port = names.get(port) if isinstance(port, str) else port
        if port != monitor:
            problems.append("%s: port %r is not the monitoring port %d" %
                            (where, action.get("port"), monitor))
        url = urllib.parse.urlsplit(action.get("path", ""))
        query = urllib.parse.parse_qs(url.query)
        enabled_only = query.get("js-enabled-only", ["false"])[0] == "true"
        if url.path != "/healthz":
            problems.append("%s: path %r is not /healthz" % (where, action.get("path")))
        elif kind == "livenessProbe" and not enabled_only:
            problems.append("%s: %s restarts servers that are catching up or lost the "
                            "quorum; use /healthz?js-enabled-only=true" %
                            (where, action.get("path")))
        elif kind != "livenessProbe" and enabled_only:
            problems.append("%s: js-enabled-only reports a server healthy before it has "
                            "joined JetStream or caught up" % where)
    # Lame duck mode: the preStop signal needs the pid file, and the pod the
    # time to move its clients.
    pid_file = conf.get("pid_file")
    command = " ".join(c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get(
        "command", []))
    if not pid_file or "ldm=%s" % pid_file not in command:
        problems.append("nats: no preStop hook sending lame duck mode to pid_file %r" %
                        pid_file)
    else:
        mount = d.mount_for(c, os.path.dirname(pid_file))
        volume = sts.volume(mount["name"]) if mount else None
        if volume is None or mount.get("readOnly") or "emptyDir" not in volume:
            problems.append("nats: pid_file %s is not on a writable emptyDir" % pid_file)
    needed = sum(duration_seconds(conf.get(key, "")) or default
                 for key, default in NATS_LAME_DUCK_DEFAULTS.items())
    grace = sts.spec.get("terminationGracePeriodSeconds", 30)
    if grace < needed + SHUTDOWN_MARGIN_SECONDS:
        problems.append("nats: terminationGracePeriodSeconds %s < lame duck grace period + "
                        "duration (%gs) + %ds" % (grace, needed, SHUTDOWN_MARGIN_SECONDS))
    return problems


def nats_url_target(d, sts, conf, url):
    """A problem with one URL of --nats, or None."""
    client, _, _ = nats_ports(conf)
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("nats", "tls") or not parsed.hostname:
        return "%r is not a nats:// or tls:// URL" % url
    port = parsed.port or 4222
    labels = (parsed.hostname or "").split(".")
    governing = sts.workload["spec"].get("serviceName")
    pods = {"%s-%d" % (sts.name, i) for i in range(sts.workload["spec"].get("replicas", 1))}
    if len(labels) >= 2 and labels[0] in pods and labels[1] == governing:
        return None if port == client else "%s: port %d is not the client port %d" % (
            url, port, client)
    service = d.named("Service", labels[0])
    if service is None:
        return "%s names no Service of the deployment" % url
    if not selector_matches({"matchLabels": service["spec"].get("selector", {})}, sts.labels):
        return "%s: Service %s does not select the NATS pods" % (url, labels[0])
    names = {p.get("name"): p["containerPort"] for p in d.nats_container(sts).get("ports", [])}
    for sp in service["spec"].get("ports", []):
        if sp["port"] == port:
            target = sp.get("targetPort", sp["port"])
            target = names.get(target) if isinstance(target, str) else target
            return None if target == client else "%s: Service port %d leads to %r, not the " \
                "client port %d" % (url, port, target, client)
    return "%s: Service %s has no port %d" % (url, labels[0], port)


def check_nats_clients(d):
    sts, c, conf, problems = nats_setup(d)
    if conf is None:
        return problems
    replicas = sts.workload["spec"].get("replicas", 1)
    servers = d.servers()
    if sorted(d.binary(s) for s in servers) != sorted(SERVERS):
        problems.append("expected one ingest and one query container, found %s" %
                        [s["name"] for s in servers])
    for s in servers:
        urls = d.flag(s, "nats")
        if not urls:
            problems.append("%s: --nats is not set (FACTSTORE_NATS): the server would run "
                            "in embedded mode" % s["name"])
            continue
        for url in urls.split(","):
            problem = nats_url_target(d, sts, conf, url.strip())
            if problem:
                problems.append("%s: --nats: %s" % (s["name"], problem))
        stream_replicas = d.flag(s, "nats_replicas")
        if not isinstance(stream_replicas, int) or not (
                MIN_STREAM_REPLICAS <= stream_replicas <= replicas):
            problems.append("%s: --nats_replicas %r: the stream needs %d replicas or more, "
                            "and at most one per NATS server (%d)" %
                            (s["name"], stream_replicas, MIN_STREAM_REPLICAS, replicas))
    return problems


def check_nats_auth(d):
    sts, c, conf, problems = nats_setup(d)
    if conf is None:
        return problems
    if "operator" in conf:
        # NATS accounts: every server needs a credentials file.
        for s in d.servers():
            if not d.flag(s, "nats_credentials_file"):
                problems.append("%s: NATS uses accounts, but --nats_credentials_file is not "
                                "set" % s["name"])
        return problems
    auth = conf.get("authorization")
    token = auth.get("token") if isinstance(auth, dict) else None
    if not token:
        return problems + ["nats.conf: no authorization token: NATS would accept every "
                           "client that can connect"]
    if not str(token).startswith("$"):
        return problems + ["nats.conf: the token is written into the ConfigMap; take it from "
                           "an environment variable fed by a Secret"]
    source = env_source(c, token[1:])
    if not source or source[0] != "secret":
        return problems + ["nats: %s does not come from a Secret (secretKeyRef)" % token[1:]]
    for s in d.servers():
        variable = d.flag_source(s, "nats_token")
        server_source = env_source(s, variable) if variable else None
        if server_source != source:
            problems.append("%s: the NATS token (%s) must come from Secret %s key %s, as "
                            "the NATS servers' does; it comes from %r" %
                            (s["name"], variable or "FACTSTORE_NATS_TOKEN", source[1],
                             source[2], server_source))
    return problems


def check_replicated_workloads(d):
    problems = []
    ingest_pods, query_pods = d.pods_running("ingest_server"), d.pods_running("query_server")
    if len(ingest_pods) != 1 or len(query_pods) != 1:
        return ["expected one ingest and one query workload"]
    ingest_pod, query_pod = ingest_pods[0], query_pods[0]
    replicas = ingest_pod.workload["spec"].get("replicas", 1)
    if replicas != INGEST_REPLICAS:
        problems.append("%s: %r ingest replicas, expected %d (a leader and a standby)" %
                        (ingest_pod.name, replicas, INGEST_REPLICAS))
    if not has_host_anti_affinity(ingest_pod):
        problems.append("%s: no pod anti-affinity on kubernetes.io/hostname: leader and "
                        "standby could share a node" % ingest_pod.name)
    # The address the other replica forwards writes to: this pod's own.
    ingest = d.server("ingest_server")
    advertise = d.flag(ingest, "advertise_address") or ""
    listen = host_port(d.flag(ingest, "listen"))
    m = re.fullmatch(r"\[?\$\((\w+)\)\]?:(\d+)", advertise)
    if not m:
        problems.append("ingest: --advertise_address %r must be the pod's IP and port, "
                        "e.g. $(POD_IP):50051" % advertise)
    else:
        variable = d.flag_source(ingest, "advertise_address")
        names = [item["name"] for item in ingest.get("env", [])]
        if env_source(ingest, m.group(1)) != ("field", "status.podIP"):
            problems.append("ingest: %s is not the pod's IP (fieldRef status.podIP)" %
                            m.group(1))
        elif variable not in names or names.index(m.group(1)) > names.index(variable):
            problems.append("ingest: %s must be defined in env before %s, or Kubernetes "
                            "does not expand $(%s)" % (m.group(1), variable, m.group(1)))
        if listen is None or int(m.group(2)) != listen[1]:
            problems.append("ingest: --advertise_address port %s is not the gRPC port %s" %
                            (m.group(2), listen and listen[1]))
    # Query replicas: a Deployment whose count the autoscaler owns.
    if query_pod.kind != "Deployment":
        problems.append("%s: query replicas should be a Deployment" % query_pod.name)
    if "replicas" in query_pod.workload["spec"]:
        problems.append("%s sets replicas: every `kubectl apply` would reset the "
                        "autoscaler's count" % query_pod.name)
    hpas = [h for h in d.of_kind("HorizontalPodAutoscaler")
            if h["spec"].get("scaleTargetRef", {}).get("kind") == query_pod.kind and
            h["spec"]["scaleTargetRef"].get("name") == query_pod.name]
    if len(hpas) != 1:
        problems.append("expected one HorizontalPodAutoscaler for %s, found %d" %
                        (query_pod.name, len(hpas)))
    for h in hpas:
        spec = h["spec"]
        if h.get("apiVersion") != "autoscaling/v2":
            problems.append("HPA %s: apiVersion %s, expected autoscaling/v2" %
                            (h["metadata"]["name"], h.get("apiVersion")))
        if spec.get("minReplicas", 1) < MIN_QUERY_REPLICAS or \
                spec.get("maxReplicas", 0) <= spec.get("minReplicas", 1):
            problems.append("HPA %s: minReplicas %s, maxReplicas %s: keep at least %d "
                            "query replicas, and room to add more" %
                            (h["metadata"]["name"], spec.get("minReplicas"),
                             spec.get("maxReplicas"), MIN_QUERY_REPLICAS))
        if not any(m.get("type") == "Resource" and m["resource"].get("name") == "cpu" and
                   m["resource"].get("target", {}).get("type") == "Utilization"
                   for m in spec.get("metrics", [])):
            problems.append("HPA %s does not scale on CPU utilization" % h["metadata"]["name"])
    return problems


def check_replicated_network(d):
    """Everyone who talks to NATS may, NATS to itself, ingest to ingest, all
    to DNS; and the policies open nothing beyond named peers and ports."""
    problems = []
    sts, c, conf, setup = nats_setup(d)
    if conf is None:
        return setup
    client, cluster, _ = nats_ports(conf)
    pods = d.factstore_pods() + d.nats_pods()
    for pod in pods:
        governing = [policy_types(p) for p in d.of_kind("NetworkPolicy")
                     if selector_matches(p["spec"].get("podSelector"), pod.labels)]
        for kind in ("Ingress", "Egress"):
            if not any(kind in t for t in governing):
                problems.append("%s: no NetworkPolicy restricts its %s" % (pod.name, kind.lower()))
    for policy in d.of_kind("NetworkPolicy"):
        for i, rule in enumerate(policy["spec"].get("egress", [])):
            if not rule.get("to") or not rule.get("ports"):
                problems.append("NetworkPolicy %s egress[%d] opens every %s" %
                                (policy["metadata"]["name"], i,
                                 "port" if rule.get("to") else "destination"))
    nats = [endpoint(p) for p in d.nats_pods()]
    for pod in d.factstore_pods():
        if any(d.flag(s, "nats") for s in pod.containers if d.binary(s) in SERVERS):
            for target in nats:
                if not connection_allowed(d, endpoint(pod), target, client):
                    problems.append("%s may not reach NATS on %d" % (pod.name, client))
        if any(d.binary(s) == "ingest_server" for s in pod.containers):
            ingest = endpoint(pod)
            port = d.port_by_name(d.server("ingest_server"), "grpc")["containerPort"]
            if not connection_allowed(d, ingest, ingest, port):
                problems.append("%s: ingest replicas may not reach each other on %d "
                                "(forwarding)" % (pod.name, port))
    for source in nats:
        for target in nats:
            if not connection_allowed(d, source, target, cluster):
                problems.append("NATS servers may not reach each other on %d (routes)" % cluster)
    dns = Endpoint(KUBE_DNS[0], KUBE_DNS[1], {}, own=False)
    for pod in pods:
        if not connection_allowed(d, endpoint(pod), dns, 53, "UDP"):
            problems.append("%s may not ask kube-dns (port 53/UDP): it names Services" %
                            pod.name)
    return list(dict.fromkeys(problems))


APT_KNOWN = {}  # package -> whether apt-cache knows it


def apt_known(packages):
    """The subset of `packages` Debian's package index knows."""
    unseen = sorted(set(packages) - set(APT_KNOWN))
    if unseen:
        apt_cache = find_tool("apt-cache", "FACTSTORE_APT_CACHE")
        if apt_cache is None:
            raise AssertionError("apt-cache not found: the Dockerfile checks need a Debian "
                                 "machine (or --test_env=FACTSTORE_APT_CACHE=...)")
        result = subprocess.run([apt_cache, "show", "--no-all-versions"] + unseen,
                                capture_output=True, text=True)
        found = set(re.findall(r"^Package: (\S+)", result.stdout, re.M))
        for package in unseen:
            APT_KNOWN[package] = package in found
    return {p for p in packages if APT_KNOWN[p]}


_binary_packages = None


def binary_packages():
    """The Debian packages of the libraries the built binaries link against
    directly (readelf's NEEDED entries, found with ldconfig, owned per
    dpkg), as the runtime image must install them."""
    global _binary_packages
    if _binary_packages is None:
        cache = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True,
                               check=True).stdout
        paths = {}
        for line in cache.splitlines():
            m = re.match(r"\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)", line)
            if m:
                paths.setdefault(m.group(1), m.group(2))
        needed = set()
        for binary in BINARIES:
            dynamic = subprocess.run(["readelf", "-d", os.path.join(ROOT, binary)],
                                     capture_output=True, text=True, check=True).stdout
            needed |= set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic))
        packages = set()
        for library in sorted(needed):
            if re.match(r"lib(a|ub|t|l)san\.so", library):
                continue  # a sanitizer build's runtime (--config=asan|tsan)
            real = os.path.realpath(paths[library])
            owner = subprocess.run(["dpkg-query", "-S", real], capture_output=True, text=True)
            if owner.returncode != 0:  # usrmerge: dpkg knows /lib, not /usr/lib
                owner = subprocess.run(["dpkg-query", "-S", real.replace("/usr/lib/", "/lib/", 1)],
                                       capture_output=True, text=True, check=True)
            packages.add(owner.stdout.split(":")[0])
        _binary_packages = packages
    return _binary_packages


def check_dockerfile(d):
    problems = []
    docker = d.dockerfile
    if len(docker.stages) < 2:
        return ["the Dockerfile must be multi-stage (build, runtime)"]
    build = docker.stage("build")
    final = docker.stages[-1]
    if build is None or not re.fullmatch(r"debian:bookworm(@.*)?", build["base"]):
        problems.append("no stage `build` FROM debian:bookworm")
    else:
        missing = set(BUILD_PACKAGES) - set(docker.apt_packages(build))
        if missing:
            problems.append("build stage does not install %s" % sorted(missing))
        runs = " ".join(r for k, r in build["instructions"] if k == "RUN")
        m = re.search(r"\bbazel\b.*?\bbuild\b(.*?)(&&|$)", runs)
        if not m or "--config=opt" not in m.group(1) or \
                not all(t in m.group(1) for t in BUILD_TARGETS):
            problems.append("build stage must run `bazel build --config=opt %s`" %
                            " ".join(BUILD_TARGETS))
    if final is build or final in docker.chain(build or final)[1:]:
        problems.append("the last stage must be the runtime image, not the build")
    if not re.fullmatch(r"debian:bookworm-slim(@.*)?", docker.base_image(final)):
        problems.append("runtime image derives from %r, not debian:bookworm-slim" %
                        docker.base_image(final))
    runtime_packages = [p for s in docker.chain(final) for p in docker.apt_packages(s)]
    missing = binary_packages() - SLIM_PACKAGES - set(runtime_packages)
    if missing:
        problems.append("runtime stages do not install %s, which the binaries link "
                        "against" % sorted(missing))
    if "ca-certificates" not in runtime_packages:
        problems.append("runtime stages do not install ca-certificates")
    for p in runtime_packages:
        if p.endswith("-dev") or p in ("g++", "bazel-bootstrap"):
            problems.append("runtime stages install the build package %s" % p)
    user = docker.last(final, "USER")
    if user is None or not re.fullmatch(r"\d+(:\d+)?", user) or user.startswith("0"):
        problems.append("runtime USER must be a numeric non-root UID[:GID], is %r" % user)
    entrypoint = exec_form(docker.last(final, "ENTRYPOINT"))
    if entrypoint is None:
        problems.append("runtime ENTRYPOINT must be exec form (a JSON array), is %r" %
                        docker.last(final, "ENTRYPOINT"))
    cmd = docker.last(final, "CMD")
    if cmd is not None and exec_form(cmd) is None:
        problems.append("runtime CMD must be exec form (a JSON array)")
    installed = docker.installed_binaries(final)
    for binary in ("ingest_server", "query_server", "factctl"):
        if binary not in installed:
            problems.append("runtime image does not install /usr/local/bin/%s" % binary)
    if entrypoint and os.path.basename(entrypoint[0]) not in installed:
        problems.append("ENTRYPOINT %s is not an installed binary" % entrypoint[0])
    every_package = [p for s in docker.stages for p in docker.apt_packages(s)]
    unknown = set(every_package) - apt_known(every_package)
    if unknown:
        problems.append("apt-cache does not know %s" % sorted(unknown))
    return problems


COMMON_CHECKS = [check_objects, check_statefulset, check_probes, check_data_volume,
                 check_writable_dirs, check_security, check_configuration,
                 check_listen_addresses, check_shutdown, check_resources, check_services,
                 check_disruption_budget, check_network_policy, check_credentials,
                 check_images, check_metrics]
# The embedded mode (the base, and the base with components/tls).
CHECKS = COMMON_CHECKS + [check_dockerfile]
# The replicated mode (the base with components/replicated).
REPLICATED_CHECKS = COMMON_CHECKS + [
    check_nats_cluster, check_nats_jetstream, check_nats_image, check_nats_probes,
    check_nats_clients, check_nats_auth, check_replicated_workloads,
    check_replicated_network]


# --------------------------------------------------------------------------
# Breakages: each check must notice its own.


def pod(d, name):
    return next(p for p in d.pods() if p.name == name)


def container(d, name):
    return next(c for p in d.pods() for c in p.containers if c["name"] == name)


def set_config(d, key, value):
    d.config_map()["data"][key] = value


def del_config(d, key):
    del d.config_map()["data"][key]


def service(d, name):
    return d.named("Service", name)


def policy(d, name):
    return d.named("NetworkPolicy", name)


def mount(d, container_name, volume):
    return next(m for m in container(d, container_name)["volumeMounts"] if m["name"] == volume)


def env_item(d, container_name, name):
    return next(i for i in container(d, container_name)["env"] if i["name"] == name)


def docker_edit(old, new):
    def edit(d):
        if old not in d.dockerfile_text:
            raise AssertionError("breakage does not apply: %r not in the Dockerfile" % old)
        head, _, tail = d.dockerfile_text.rpartition(old)
        d.dockerfile_text = head + new + tail
    return edit


def nats_conf_edit(old, new):
    def edit(d):
        for cm in d.of_kind("ConfigMap"):
            text = cm.get("data", {}).get("nats.conf")
            if text is not None:
                if old not in text:
                    raise AssertionError("breakage does not apply: %r not in nats.conf" % old)
                cm["data"]["nats.conf"] = text.replace(old, new)
                return
        raise AssertionError("breakage does not apply: no nats.conf")
    return edit


BREAKAGES = [
    (check_objects, "no PodDisruptionBudget",
     lambda d: d.objects.remove(d.of_kind("PodDisruptionBudget")[0])),
    (check_statefulset, "two replicas (two writers)",
     lambda d: pod(d, "factstore").workload["spec"].update(replicas=2)),
    (check_statefulset, "claims deleted with the StatefulSet",
     lambda d: pod(d, "factstore").workload["spec"][
         "persistentVolumeClaimRetentionPolicy"].update(whenDeleted="Delete")),
    (check_probes, "query readiness asks for the ingest health service",
     lambda d: container(d, "query")["readinessProbe"]["grpc"].update(
         service="factstore.v1.IngestService")),
    (check_probes, "ingest liveness on the query port",
     lambda d: container(d, "ingest")["livenessProbe"]["grpc"].update(port=50052)),
    (check_probes, "startup probe removed",
     lambda d: container(d, "ingest").pop("startupProbe")),
    (check_probes, "gRPC probes with TLS on",
     lambda d: (set_config(d, "FACTSTORE_TLS_CERT", "/etc/factstore/credentials/tls.crt"),
                set_config(d, "FACTSTORE_TLS_KEY", "/etc/factstore/credentials/tls.key"))),
    (check_data_volume, "query mounts the claim elsewhere",
     lambda d: mount(d, "query", "data").update(mountPath="/data")),
    (check_data_volume, "query follows another directory",
     lambda d: set_config(d, "FACTSTORE_QUERY_DATA_DIR", "/var/lib/factstore/other")),
    (check_data_volume, "ingest's data mount read-only",
     lambda d: mount(d, "ingest", "data").update(readOnly=True)),
    (check_writable_dirs, "no --secondary_dir",
     lambda d: del_config(d, "FACTSTORE_QUERY_SECONDARY_DIR")),
    (check_writable_dirs, "secondary dir read-only",
     lambda d: mount(d, "query", "query-secondary").update(readOnly=True)),
    (check_writable_dirs, "no /tmp for the query server",
     lambda d: container(d, "query")["volumeMounts"].remove(mount(d, "query", "query-tmp"))),
    (check_security, "query root filesystem writable",
     lambda d: container(d, "query")["securityContext"].pop("readOnlyRootFilesystem")),
    (check_security, "ingest may escalate",
     lambda d: container(d, "ingest")["securityContext"].update(allowPrivilegeEscalation=True)),
    (check_security, "capabilities kept",
     lambda d: container(d, "query")["securityContext"].pop("capabilities")),
    (check_security, "pod runs as root",
     lambda d: pod(d, "factstore").spec["securityContext"].update(runAsUser=0)),
    (check_security, "no fsGroup",
     lambda d: pod(d, "factstore").spec["securityContext"].pop("fsGroup")),
    (check_configuration, "misspelled variable",
     lambda d: set_config(d, "FACTSTORE_QUERY_SECONDRY_DIR", "/x")),
    (check_configuration, "block cache not a number",
     lambda d: set_config(d, "FACTSTORE_INGEST_BLOCK_CACHE_MB", "lots")),
    (check_configuration, "duration without unit",
     lambda d: set_config(d, "FACTSTORE_SHUTDOWN_GRACE", "20")),
    (check_configuration, "unknown argument",
     lambda d: container(d, "ingest").update(args=["--no_such_flag=1"])),
    (check_configuration, "command not in the image",
     lambda d: container(d, "query").update(command=["/usr/bin/query_server"])),
    (check_configuration, "service links on",
     lambda d: pod(d, "factstore").spec.update(enableServiceLinks=True)),
    (check_listen_addresses, "query listens on loopback",
     lambda d: set_config(d, "FACTSTORE_QUERY_LISTEN", "127.0.0.1:50052")),
    (check_listen_addresses, "metrics ports collide",
     lambda d: set_config(d, "FACTSTORE_QUERY_METRICS_LISTEN", "0.0.0.0:9091")),
    (check_listen_addresses, "ingest listens on another port than declared",
     lambda d: set_config(d, "FACTSTORE_INGEST_LISTEN", "0.0.0.0:50061")),
    (check_shutdown, "grace above terminationGracePeriodSeconds",
     lambda d: set_config(d, "FACTSTORE_SHUTDOWN_GRACE", "60s")),
    (check_resources, "block cache above the memory limit",
     lambda d: set_config(d, "FACTSTORE_QUERY_BLOCK_CACHE_MB", "4096")),
    (check_resources, "no memory limit",
     lambda d: container(d, "ingest")["resources"]["limits"].pop("memory")),
    (check_services, "query Service targets a missing port",
     lambda d: service(d, "factstore-query")["spec"]["ports"][0].update(
         targetPort="grpc-querry")),
    (check_services, "ingest Service selects other pods",
     lambda d: service(d, "factstore-ingest")["spec"]["selector"].update(
         {"app.kubernetes.io/component": "ingest"})),
    (check_services, "query Service not headless",
     lambda d: service(d, "factstore-query")["spec"].pop("clusterIP")),
    (check_services, "query Service publishes followers that are behind",
     lambda d: service(d, "factstore-query")["spec"].update(publishNotReadyAddresses=True)),
    (check_disruption_budget, "PDB selects nothing",
     lambda d: d.of_kind("PodDisruptionBudget")[0]["spec"]["selector"]["matchLabels"].update(
         {"app.kubernetes.io/name": "other"})),
    (check_network_policy, "ingest port open to every pod",
     lambda d: d.of_kind("NetworkPolicy")[0]["spec"]["ingress"][0]["from"].append(
         {"podSelector": {}})),
    (check_network_policy, "all ports open to all namespaces",
     lambda d: d.of_kind("NetworkPolicy")[0]["spec"]["ingress"].append(
         {"from": [{"namespaceSelector": {}}]})),
    (check_network_policy, "writers from every namespace",
     lambda d: d.of_kind("NetworkPolicy")[0]["spec"]["ingress"][0]["from"][0].update(
         namespaceSelector={})),
    (check_network_policy, "policy names a missing port",
     lambda d: d.of_kind("NetworkPolicy")[0]["spec"]["ingress"][0]["ports"][0].update(
         port="grpc-ingst")),
    (check_network_policy, "metrics unreachable",
     lambda d: d.of_kind("NetworkPolicy")[0]["spec"]["ingress"].pop()),
    (check_credentials, "Secret mounted with subPath",
     lambda d: mount(d, "query", "credentials").update(subPath="query-tokens")),
    (check_credentials, "placeholder Secret with data",
     lambda d: d.of_kind("Secret")[0].update(data={"query-tokens": "c2VjcmV0"})),
    (check_credentials, "token in the ConfigMap",
     lambda d: set_config(d, "FACTSTORE_AUTH_TOKEN", "secret")),
    (check_credentials, "token file outside the Secret",
     lambda d: set_config(d, "FACTSTORE_INGEST_AUTH_TOKEN_FILE", "/tmp/token")),
    (check_credentials, "token file with a key the Secret does not have",
     lambda d: set_config(d, "FACTSTORE_QUERY_AUTH_TOKEN_FILE",
                          "/etc/factstore/credentials/token")),
    (check_credentials, "no authentication",
     lambda d: del_config(d, "FACTSTORE_INGEST_AUTH_TOKEN_FILE")),
    (check_credentials, "unauthenticated on purpose",
     lambda d: set_config(d, "FACTSTORE_QUERY_ALLOW_UNAUTHENTICATED", "true")),
    (check_credentials, "the query service reads the writers' tokens",
     lambda d: set_config(d, "FACTSTORE_QUERY_AUTH_TOKEN_FILE",
                          "/etc/factstore/credentials/ingest-tokens")),
    (check_images, "two images",
     lambda d: container(d, "query").update(image="registry.example.com/other:1")),
    (check_images, "latest tag",
     lambda d: [c.update(image="registry.example.com/factstore:latest")
                for c in d.containers()]),
    (check_metrics, "metrics Service not annotated",
     lambda d: service(d, "factstore-metrics")["metadata"].pop("annotations")),
    (check_dockerfile, "USER by name", docker_edit("USER 10001:10001", "USER factstore")),
    (check_dockerfile, "ENTRYPOINT in shell form",
     docker_edit('ENTRYPOINT ["/usr/local/bin/ingest_server"]',
                 "ENTRYPOINT /usr/local/bin/ingest_server")),
    (check_dockerfile, "package Debian does not have",
     docker_edit("libsnappy1v5", "libsnappy1v99")),
    (check_dockerfile, "build package missing",
     docker_edit("prometheus-cpp-dev ", "")),
    (check_dockerfile, "a library the binaries link against is missing",
     docker_edit("      libnats3.4 \\\n", "")),
    (check_dockerfile, "unoptimized build", docker_edit("--config=opt", "")),
    (check_dockerfile, "runtime on the full image",
     docker_edit("FROM debian:${DEBIAN_RELEASE}-slim AS base",
                 "FROM debian:${DEBIAN_RELEASE} AS base")),
    (check_dockerfile, "factctl not installed",
     docker_edit("\n && install -D -m 0755 bazel-bin/tools/factctl/factctl /out/factctl", "")),
    (check_security, "pod UID differs from the image's USER",
     docker_edit("USER 10001:10001", "USER 10002:10002")),
]


def add_query_to_ingest_pod(d):
    pod(d, "factstore-ingest").spec["containers"].append(copy.deepcopy(container(d, "query")))


def share_query_claim(d):
    volume = pod(d, "factstore-query").volume("data")
    volume.pop("emptyDir")
    volume["persistentVolumeClaim"] = {"claimName": "shared"}


def literal_nats_token(d):
    item = env_item(d, "ingest", "FACTSTORE_NATS_TOKEN")
    item.pop("valueFrom")
    item["value"] = "nats-secret"


REPLICATED_BREAKAGES = [
    # What the common checks must notice in replicated mode too.
    (check_objects, "no autoscaler",
     lambda d: d.objects.remove(d.of_kind("HorizontalPodAutoscaler")[0])),
    (check_objects, "query server inside the ingest pod", add_query_to_ingest_pod),
    (check_statefulset, "ingest claims deleted with the StatefulSet",
     lambda d: pod(d, "factstore-ingest").workload["spec"][
         "persistentVolumeClaimRetentionPolicy"].update(whenScaled="Delete")),
    (check_statefulset, "ingest governing Service not headless",
     lambda d: service(d, "factstore-ingest-replicas")["spec"].pop("clusterIP")),
    (check_probes, "ingest readiness asks for the query health service",
     lambda d: container(d, "ingest")["readinessProbe"]["grpc"].update(
         service="factstore.v1.QueryService")),
    (check_probes, "query startup gives up before a load could end",
     lambda d: container(d, "query")["startupProbe"].update(failureThreshold=60)),
    (check_probes, "ingest load timeout beyond its startup probe",
     lambda d: set_config(d, "FACTSTORE_INGEST_LOAD_TIMEOUT", "2h")),
    (check_data_volume, "ingest store off its claim",
     lambda d: set_config(d, "FACTSTORE_INGEST_DATA_DIR", "/tmp/db")),
    (check_data_volume, "query store read-only",
     lambda d: mount(d, "query", "data").update(readOnly=True)),
    (check_data_volume, "query replicas share one claim", share_query_claim),
    (check_writable_dirs, "no /tmp for the query server",
     lambda d: container(d, "query")["volumeMounts"].remove(mount(d, "query", "query-tmp"))),
    (check_security, "NATS runs as root",
     lambda d: pod(d, "factstore-nats").spec["securityContext"].update(runAsUser=0)),
    (check_security, "NATS root filesystem writable",
     lambda d: container(d, "nats")["securityContext"].update(readOnlyRootFilesystem=False)),
    (check_configuration, "misspelled advertise variable",
     lambda d: env_item(d, "ingest", "FACTSTORE_INGEST_ADVERTISE_ADDRESS").update(
         name="FACTSTORE_INGEST_ADVERTISE_ADRESS")),
    (check_configuration, "NATS timeout without unit",
     lambda d: set_config(d, "FACTSTORE_NATS_TIMEOUT", "5")),
    (check_configuration, "service links on the query pods",
     lambda d: pod(d, "factstore-query").spec.update(enableServiceLinks=True)),
    (check_listen_addresses, "query listens on loopback",
     lambda d: set_config(d, "FACTSTORE_QUERY_LISTEN", "127.0.0.1:50052")),
    (check_shutdown, "ingest pods killed before calls drain",
     lambda d: pod(d, "factstore-ingest").spec.update(terminationGracePeriodSeconds=20)),
    (check_resources, "NATS without a memory limit",
     lambda d: container(d, "nats")["resources"]["limits"].pop("memory")),
    (check_resources, "GOMEMLIMIT above the NATS memory limit",
     lambda d: env_item(d, "nats", "GOMEMLIMIT").update(value="4GiB")),
    (check_services, "ingest Service publishes replicas that are not Ready",
     lambda d: service(d, "factstore-ingest")["spec"].update(publishNotReadyAddresses=True)),
    (check_services, "a second ClusterIP Service for the ingest port",
     lambda d: service(d, "factstore-ingest-replicas")["spec"].pop("clusterIP")),
    (check_services, "NATS client Service targets a missing port",
     lambda d: service(d, "factstore-nats")["spec"]["ports"][0].update(targetPort="clients")),
    (check_disruption_budget, "no budget for the ingest replicas",
     lambda d: d.objects.remove(d.named("PodDisruptionBudget", "factstore-ingest"))),
    (check_disruption_budget, "two NATS servers at a time",
     lambda d: d.named("PodDisruptionBudget", "factstore-nats")["spec"].update(
         maxUnavailable=2)),
    (check_network_policy, "ingest port open to every pod",
     lambda d: policy(d, "factstore-ingest")["spec"]["ingress"][0]["from"].append(
         {"podSelector": {}})),
    (check_network_policy, "query metrics unreachable",
     lambda d: policy(d, "factstore-query")["spec"]["ingress"].pop()),
    (check_credentials, "NATS token as a literal", literal_nats_token),
    (check_credentials, "NATS token from a key the Secret does not have",
     lambda d: env_item(d, "query", "FACTSTORE_NATS_TOKEN")["valueFrom"][
         "secretKeyRef"].update(key="nats-token")),
    (check_credentials, "NATS Secret placeholder with data",
     lambda d: d.named("Secret", "factstore-nats").update(data={"token": "c2VjcmV0"})),
    (check_images, "query from another image",
     lambda d: container(d, "query").update(image="registry.example.com/other:1")),
    (check_images, "NATS image not pinned",
     lambda d: container(d, "nats").update(image="nats")),
    (check_metrics, "metrics Service not annotated",
     lambda d: service(d, "factstore-metrics")["metadata"].pop("annotations")),
    # What components/replicated promises.
    (check_nats_cluster, "two NATS servers",
     lambda d: pod(d, "factstore-nats").workload["spec"].update(replicas=2)),
    (check_nats_cluster, "NATS pods started one by one",
     lambda d: pod(d, "factstore-nats").workload["spec"].update(
         podManagementPolicy="OrderedReady")),
    (check_nats_cluster, "no route to the third server",
     nats_conf_edit("    nats://factstore-nats-2.factstore-nats-headless:6222\n", "")),
    (check_nats_cluster, "route names hidden until Ready",
     lambda d: service(d, "factstore-nats-headless")["spec"].update(
         publishNotReadyAddresses=False)),
    (check_nats_cluster, "one server_name for all",
     nats_conf_edit("server_name: $SERVER_NAME", "server_name: factstore-nats")),
    (check_nats_cluster, "no anti-affinity",
     lambda d: pod(d, "factstore-nats").spec.pop("affinity")),
    (check_nats_jetstream, "lazy fsync",
     nats_conf_edit("sync_interval: always", "sync_interval: 2m")),
    (check_nats_jetstream, "no sync_interval",
     nats_conf_edit("sync_interval: always", "")),
    (check_nats_jetstream, "JetStream in the pid emptyDir",
     nats_conf_edit("store_dir: /data", "store_dir: /var/run/nats/js")),
    (check_nats_jetstream, "max_file_store above the claim",
     nats_conf_edit("max_file_store: 90G", "max_file_store: 200G")),
    (check_nats_jetstream, "NATS claims deleted with the StatefulSet",
     lambda d: pod(d, "factstore-nats").workload["spec"][
         "persistentVolumeClaimRetentionPolicy"].update(whenDeleted="Delete")),
    (check_nats_image, "NATS before 2.10.23",
     lambda d: container(d, "nats").update(image="nats:2.10.22-alpine")),
    (check_nats_image, "NATS by digest only",
     lambda d: container(d, "nats").update(image="nats@sha256:" + "0" * 64)),
    (check_nats_image, "NATS 2.9 (no sync_interval)",
     lambda d: container(d, "nats").update(image="nats:2.9.25-alpine")),
    (check_nats_image, "not the upstream image",
     lambda d: container(d, "nats").update(image="bitnami/nats-server:2.10.26")),
    (check_nats_probes, "liveness on the full /healthz",
     lambda d: container(d, "nats")["livenessProbe"]["httpGet"].update(path="/healthz")),
    (check_nats_probes, "startup before JetStream is current",
     lambda d: container(d, "nats")["startupProbe"]["httpGet"].update(
         path="/healthz?js-enabled-only=true")),
    (check_nats_probes, "readiness on the client port",
     lambda d: container(d, "nats")["readinessProbe"]["httpGet"].update(port="client")),
    (check_nats_probes, "no readiness probe",
     lambda d: container(d, "nats").pop("readinessProbe")),
    (check_nats_probes, "killed during lame duck mode",
     lambda d: pod(d, "factstore-nats").spec.update(terminationGracePeriodSeconds=30)),
    (check_nats_probes, "lame duck signal to another pid file",
     lambda d: container(d, "nats")["lifecycle"]["preStop"]["exec"].update(
         command=["nats-server", "--signal", "ldm=/tmp/nats.pid"])),
    (check_nats_probes, "lame duck for two minutes (nats-server's default)",
     nats_conf_edit("lame_duck_duration: 30s", "")),
    (check_nats_clients, "query server in embedded mode",
     lambda d: set_config(d, "FACTSTORE_QUERY_NATS", "")),
    (check_nats_clients, "no FACTSTORE_NATS",
     lambda d: del_config(d, "FACTSTORE_NATS")),
    (check_nats_clients, "NATS Service at a wrong port",
     lambda d: set_config(d, "FACTSTORE_NATS", "nats://factstore-nats:6222")),
    (check_nats_clients, "a NATS Service that does not exist",
     lambda d: set_config(d, "FACTSTORE_NATS", "nats://nats:4222")),
    (check_nats_clients, "more stream replicas than NATS servers",
     lambda d: set_config(d, "FACTSTORE_NATS_REPLICAS", "5")),
    (check_nats_clients, "stream with one replica",
     lambda d: set_config(d, "FACTSTORE_NATS_REPLICAS", "1")),
    (check_nats_auth, "query presents another key",
     lambda d: env_item(d, "query", "FACTSTORE_NATS_TOKEN")["valueFrom"][
         "secretKeyRef"].update(key="other")),
    (check_nats_auth, "ingest presents no token",
     lambda d: container(d, "ingest")["env"].remove(
         env_item(d, "ingest", "FACTSTORE_NATS_TOKEN"))),
    (check_nats_auth, "token written into nats.conf",
     nats_conf_edit("token: $NATS_TOKEN", "token: nats-secret")),
    (check_nats_auth, "NATS without authorization",
     nats_conf_edit("authorization {\n  token: $NATS_TOKEN\n}", "")),
    (check_replicated_workloads, "one ingest replica",
     lambda d: pod(d, "factstore-ingest").workload["spec"].update(replicas=1)),
    (check_replicated_workloads, "ingest replicas may share a node",
     lambda d: pod(d, "factstore-ingest").spec.pop("affinity")),
    (check_replicated_workloads, "advertised port is the query port",
     lambda d: env_item(d, "ingest", "FACTSTORE_INGEST_ADVERTISE_ADDRESS").update(
         value="$(POD_IP):50052")),
    (check_replicated_workloads, "advertised address is the Service",
     lambda d: env_item(d, "ingest", "FACTSTORE_INGEST_ADVERTISE_ADDRESS").update(
         value="factstore-ingest:50051")),
    (check_replicated_workloads, "POD_IP defined after its use",
     lambda d: container(d, "ingest")["env"].append(
         container(d, "ingest")["env"].pop(0))),
    (check_replicated_workloads, "query replicas fixed in the manifest",
     lambda d: pod(d, "factstore-query").workload["spec"].update(replicas=2)),
    (check_replicated_workloads, "autoscaler on memory",
     lambda d: d.of_kind("HorizontalPodAutoscaler")[0]["spec"]["metrics"][0][
         "resource"].update(name="memory")),
    (check_replicated_workloads, "autoscaler down to one replica",
     lambda d: d.of_kind("HorizontalPodAutoscaler")[0]["spec"].update(minReplicas=1)),
    (check_replicated_network, "query pods not labelled as NATS clients",
     lambda d: pod(d, "factstore-query").labels.pop("factstore.io/nats-client")),
    (check_replicated_network, "ingest pods may not reach each other",
     lambda d: policy(d, "factstore-ingest")["spec"]["egress"].pop(1)),
    (check_replicated_network, "no routes between NATS servers",
     lambda d: policy(d, "factstore-nats")["spec"]["ingress"].pop(1)),
    (check_replicated_network, "query pods cannot resolve names",
     lambda d: policy(d, "factstore-query")["spec"]["egress"].pop()),
    (check_replicated_network, "egress to every port",
     lambda d: policy(d, "factstore-query")["spec"]["egress"][0].pop("ports")),
    (check_replicated_network, "NATS egress unrestricted",
     lambda d: policy(d, "factstore-nats")["spec"].update(policyTypes=["Ingress"])),
]


def report(problems):
    return "\n".join("  - " + p for p in problems)


class DeployTest(unittest.TestCase):
    """The real manifests pass every check; each breakage fails its check.

    One test method per breakage (test_breaks_<check>_<n> for the base,
    test_replicated_breaks_<check>_<n> for components/replicated) is added
    below.
    """

    @classmethod
    def setUpClass(cls):
        cls.sources = Sources()
        with open(DOCKERFILE, encoding="utf-8") as f:
            cls.dockerfile_text = f.read()
        cls.base = render()
        cls.tls = render([TLS_COMPONENT])
        cls.replicated = render([REPLICATED_COMPONENT])
        cls.monitoring = render([MONITORING_COMPONENT])

    def deployment(self, objects, replicated=False):
        return Deployment(copy.deepcopy(objects), self.sources, self.dockerfile_text,
                          replicated)

    def run_checks(self, objects, checks=None, replicated=False):
        problems = []
        for check in checks or CHECKS:
            problems += ["%s: %s" % (check.__name__, p)
                         for p in check(self.deployment(objects, replicated))]
        return problems

    def test_sources_are_understood(self):
        for binary in SERVERS:
            flags = self.sources.flags[binary]
            for name in ("listen", "data_dir", "metrics_listen", "shutdown_grace",
                         "block_cache_mb", "tls_cert", "auth_token_file", "nats",
                         "nats_replicas", "nats_token"):
                self.assertIn(name, flags, binary)
                self.assertIn(name, self.sources.env_flags[binary], binary)
            self.assertEqual(self.sources.prefixes[binary][-1], "FACTSTORE_")
            self.assertEqual(flags["nats_replicas"].default, 3)
        self.assertIn("secondary_dir", self.sources.flags["query_server"])
        for name in ("advertise_address", "load_timeout", "leader_lease"):
            self.assertIn(name, self.sources.env_flags["ingest_server"])
        self.assertEqual(self.sources.flags["query_server"]["shutdown_grace"].type,
                         "absl::Duration")
        self.assertIsInstance(self.sources.flags["query_server"]["shutdown_grace"].default, float)
        # A zero duration prints as "0", like an integer: the parser decides.
        self.assertEqual(self.sources.flags["ingest_server"]["shutdown_delay"].type,
                         "absl::Duration")
        self.assertEqual(self.sources.flags["ingest_server"]["shutdown_delay"].default, 0.0)
        self.assertEqual(self.sources.flags["ingest_server"]["block_cache_mb"].type, "int64_t")
        self.assertEqual(self.sources.flags["ingest_server"]["block_cache_mb"].default, 128)
        self.assertEqual(self.sources.flags["ingest_server"]["log_level"].default, "info")
        self.assertIs(self.sources.flags["ingest_server"]["sync"].default, False)
        self.assertNotIn("flagfile", self.sources.flags["ingest_server"])

    def test_nats_conf_is_understood(self):
        conf = parse_nats_conf('a: 1\nb = "x y" # c\nc { d: [u://h:1, "v"]\n e: $V }\n'
                               'f [1, 2]\n')
        self.assertEqual(conf, {"a": "1", "b": "x y", "c": {"d": ["u://h:1", "v"], "e": "$V"},
                                "f": ["1", "2"]})
        self.assertEqual(nats_size("90G"), 90 * 2 ** 30)
        self.assertEqual(parse_version("nats:2.10.26-alpine@sha256:ab"), (2, 10, 26))
        self.assertIsNone(parse_version("nats:latest"))

    def test_base_passes_every_check(self):
        problems = self.run_checks(self.base)
        self.assertEqual([], problems, "deploy/k8s:\n" + report(problems))

    def test_tls_component_passes_every_check(self):
        d = self.deployment(self.tls)
        for c in d.containers():
            self.assertTrue(is_tls(d, c), c["name"] + ": components/tls does not turn on TLS")
        problems = self.run_checks(self.tls)
        self.assertEqual([], problems, "deploy/k8s + components/tls:\n" + report(problems))

    def test_replicated_component_passes_every_check(self):
        d = self.deployment(self.replicated, replicated=True)
        for c in d.servers():
            self.assertTrue(d.flag(c, "nats"), c["name"] + ": not in replicated mode")
        problems = self.run_checks(self.replicated, REPLICATED_CHECKS, replicated=True)
        self.assertEqual([], problems, "deploy/k8s + components/replicated:\n" +
                         report(problems))

    def test_monitoring_component_passes_every_check(self):
        problems = self.run_checks(self.monitoring, CHECKS + [check_service_monitor])
        self.assertEqual([], problems, "deploy/k8s + components/monitoring:\n" +
                         report(problems))

    def test_service_monitor_check_notices_breakages(self):
        def broken(edit):
            d = self.deployment(self.monitoring)
            edit(d.of_kind("ServiceMonitor")[0]["spec"])
            return check_service_monitor(d)
        self.assertEqual(check_service_monitor(self.deployment(self.base)),
                         ["no ServiceMonitor"])
        self.assertTrue(broken(lambda spec: spec["selector"]["matchLabels"].update(
            {"app.kubernetes.io/component": "metric"})))
        self.assertTrue(broken(lambda spec: spec["endpoints"].pop()))
        self.assertTrue(broken(lambda spec: spec["endpoints"][0].update(port="metrics")))
        self.assertTrue(broken(lambda spec: spec["endpoints"][0].update(path="/stats")))

    def test_every_check_has_a_breakage(self):
        for checks, breakages in ((CHECKS, BREAKAGES),
                                  (REPLICATED_CHECKS, REPLICATED_BREAKAGES)):
            covered = {check for check, _, _ in breakages}
            self.assertEqual([], [c.__name__ for c in checks if c not in covered])


def add_breakage_test(prefix, objects, replicated, number, check, what, breakage):
    def test(self):
        d = self.deployment(getattr(self, objects), replicated)
        breakage(d)
        problems = check(d)
        self.assertTrue(problems, "%s did not notice: %s" % (check.__name__, what))
    test.__doc__ = "%s notices: %s" % (check.__name__, what)
    name = "test_%sbreaks_%s_%02d" % (prefix, check.__name__[len("check_"):], number)
    setattr(DeployTest, name, test)


for _number, (_check, _what, _breakage) in enumerate(BREAKAGES):
    add_breakage_test("", "base", False, _number, _check, _what, _breakage)
for _number, (_check, _what, _breakage) in enumerate(REPLICATED_BREAKAGES):
    add_breakage_test("replicated_", "replicated", True, _number, _check, _what, _breakage)


class XmlResult(unittest.TextTestResult):
    """Also records each case for Bazel's test.xml ($XML_OUTPUT_FILE)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.cases.append((test.id(), None, ""))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.cases.append((test.id(), "failure", self._exc_info_to_string(err, test)))

    def addError(self, test, err):
        super().addError(test, err)
        self.cases.append((getattr(test, "id", lambda: str(test))(), "error",
                           self._exc_info_to_string(err, test)))


def main():
    import xml.etree.ElementTree as ET
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(DeployTest)
    result = unittest.TextTestRunner(resultclass=XmlResult, verbosity=2).run(suite)
    xml_path = os.environ.get("XML_OUTPUT_FILE")
    if xml_path:
        root = ET.Element("testsuites")
        element = ET.SubElement(root, "testsuite", name="k8s_manifests_test",
                                tests=str(len(result.cases)))
        for name, outcome, detail in result.cases:
            case = ET.SubElement(element, "testcase", name=name)
            if outcome:
                ET.SubElement(case, outcome, message=detail[:200]).text = detail
        ET.ElementTree(root).write(xml_path, encoding="utf-8", xml_declaration=True)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
