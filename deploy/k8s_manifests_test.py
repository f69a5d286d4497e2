#!/usr/bin/env python3
"""Static checks of factstore's deployment: deploy/k8s and deploy/Dockerfile.

Run by Bazel (`bazel test //deploy:k8s_manifests_test`, through
k8s_manifests_test.sh) or directly from the repository root:

    python3 deploy/k8s_manifests_test.py

Python's standard library only. How the pieces are read:

- Manifests: `kubectl kustomize` renders the base (deploy/k8s) and the base
  with components/tls to YAML, exactly as `kubectl apply -k` would. Then
  `kubectl annotate --local -f - -o json` converts that YAML to JSON: with
  --local, kubectl reads the objects, adds one annotation (removed again here)
  and prints them, without ever contacting an API server, so no YAML parser
  is needed. kubectl is looked up in $FACTSTORE_KUBECTL, $PATH,
  /usr/local/bin and /usr/bin.
- Flags: the ABSL_FLAG(...) definitions in ingest_service/main.cc,
  query_service/main.cc and server/*.cc (name, type, default), the list of
  flags each main() lets the environment set, and its variable prefixes
  (ApplyEnvironmentToFlags). The binaries need not be built.
- Health service names: kIngestHealthName / kQueryHealthName in the servers'
  headers.
- The Dockerfile: a small parser for the instructions the checks need.
  Package names are checked against Debian with `apt-cache show`. No image is
  built (there is no Docker engine where the tests run).

Each check is a function returning a list of problems. The tests run every
check on the real manifests (no problem allowed), then each check again on a
copy broken on purpose (at least one problem required), so that a check
which can no longer fail does not go unnoticed.
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("FACTSTORE_ROOT") or os.path.dirname(HERE)

K8S_DIR = os.path.join(ROOT, "deploy", "k8s")
TLS_COMPONENT = "components/tls"
DOCKERFILE = os.path.join(ROOT, "deploy", "Dockerfile")

SERVERS = {
    # binary: (main.cc, header with the health name, constant)
    "ingest_server": ("ingest_service/main.cc", "ingest_service/ingest_server.h",
                      "kIngestHealthName"),
    "query_server": ("query_service/main.cc", "query_service/query_server.h",
                     "kQueryHealthName"),
}

# What the build stage must install (docs/build.md) and build.
BUILD_PACKAGES = [
    "bazel-bootstrap", "bazel-rules-java", "bazel-platforms", "bazel-skylib",
    "g++", "pkg-config", "protobuf-compiler", "protobuf-compiler-grpc",
    "libprotobuf-dev", "libgrpc++-dev", "grpc-proto", "libabsl-dev",
    "librocksdb-dev", "libgtest-dev", "libgmock-dev", "libicu-dev",
    "prometheus-cpp-dev", "libssl-dev", "libgoogle-perftools-dev",
]
BUILD_TARGETS = ["//ingest_service:ingest_server", "//query_service:query_server",
                 "//tools/factctl:factctl"]
# Runtime libraries the binaries link against, as Debian package patterns.
RUNTIME_PACKAGE_PATTERNS = [
    r"libgrpc\+\+1\.\d+", r"libprotobuf\d+", r"libabsl\d+", r"librocksdb\d+\.\d+",
    r"libicu\d+", r"libprometheus-cpp-core[\d.]+", r"libprometheus-cpp-pull[\d.]+",
    r"libssl3", r"libtcmalloc-minimal\d+", r"ca-certificates",
]
# Memory a container needs beyond its RocksDB block cache (memtables,
# request buffers, the binary itself).
MEMORY_HEADROOM_MIB = 512
# Time after SIGTERM beyond --shutdown_delay + --shutdown_grace for closing
# the store.
SHUTDOWN_MARGIN_SECONDS = 5
RENDER_ANNOTATION = "factstore.io/test-render"


# --------------------------------------------------------------------------
# Reading C++ sources


def strip_cpp_comments(text):
    """Removes // and /* */ comments, keeping string and char literals."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def call_arguments(text, open_paren):
    """Splits the arguments of the call whose "(" is at `open_paren`."""
    args, depth, start, i = [], 0, open_paren + 1, open_paren
    closers = {"(": ")", "{": "}", "[": "]"}
    stack = []
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in closers:
            stack.append(closers[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                args.append(text[start:i].strip())
                return args
        elif c == "," and len(stack) == 1:
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    raise ValueError("unbalanced call")


STRING_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def string_literals(text):
    return [bytes(s, "utf-8").decode("unicode_escape") for s in STRING_LITERAL.findall(text)]


DURATION_UNITS = {"Nanoseconds": 1e-9, "Microseconds": 1e-6, "Milliseconds": 1e-3,
                  "Seconds": 1.0, "Minutes": 60.0, "Hours": 3600.0}


def parse_default(flag_type, expr):
    """The value of an ABSL_FLAG default expression, or None if unknown."""
    expr = expr.strip()
    if flag_type == "absl::Duration":
        if re.fullmatch(r"absl::ZeroDuration\(\)", expr):
            return 0.0
        m = re.fullmatch(r"absl::(\w+)\(\s*([\d.]+)\s*\)", expr)
        if m and m.group(1) in DURATION_UNITS:
            return float(m.group(2)) * DURATION_UNITS[m.group(1)]
        return None
    if flag_type == "bool":
        return {"true": True, "false": False}.get(expr)
    if flag_type == "std::string":
        if expr.startswith('"'):
            return "".join(string_literals(expr))
        return None
    if re.fullmatch(r"[\d\s<>*+()]+", expr):
        return int(eval(expr, {"__builtins__": {}}))  # digits and operators only
    if flag_type.startswith("std::vector") and expr == "{}":
        return []
    return None


class Flag:
    def __init__(self, name, flag_type, default):
        self.name, self.type, self.default = name, flag_type, default


class Sources:
    """What the C++ sources say about flags, environment and health names."""

    def __init__(self, root):
        self.root = root
        server_dir = os.path.join(root, "server")
        self.server_files = sorted(
            os.path.join("server", f) for f in os.listdir(server_dir) if f.endswith(".cc"))
        if not self.server_files:
            raise AssertionError("no server/*.cc in " + root)
        shared = {}
        self.functions = {}
        for path in self.server_files:
            text = self.read(path)
            shared.update(self.flags_in(text))
            # Functions returning a list of flag names, e.g. SharedGrpcFlagNames().
            for m in re.finditer(r"(\w+FlagNames)\(\)\s*\{\s*return\s*\{(.*?)\};", text, re.S):
                self.functions[m.group(1)] = string_literals(m.group(2))
        self.flags = {}         # binary -> {name: Flag}
        self.env_flags = {}     # binary -> set of names the environment may set
        self.prefixes = {}      # binary -> [prefix, ...], most specific first
        self.health_name = {}   # binary -> gRPC health service name
        for binary, (main_cc, header, constant) in SERVERS.items():
            text = self.read(main_cc)
            flags = dict(shared)
            flags.update(self.flags_in(text))
            self.flags[binary] = flags
            call = text.find("ApplyEnvironmentToFlags(")
            if call < 0:
                raise AssertionError(main_cc + ": no ApplyEnvironmentToFlags call")
            args = call_arguments(text, text.index("(", call))
            self.prefixes[binary] = string_literals(args[0])
            names = set()
            m = re.search(r"std::vector<std::string>\s+" + re.escape(args[1]) +
                          r"\s*=\s*\{(.*?)\};", text, re.S)
            if m:
                names.update(string_literals(m.group(1)))
            else:
                names.update(string_literals(args[1]))
            for function, listed in self.functions.items():
                if function + "()" in text:
                    names.update(listed)
            unknown = names - set(flags)
            if unknown:
                raise AssertionError("%s: environment flags without ABSL_FLAG: %s" %
                                     (main_cc, sorted(unknown)))
            self.env_flags[binary] = names
            m = re.search(constant + r'\[\]\s*=\s*"([^"]+)"', self.read(header))
            if not m:
                raise AssertionError(header + ": no " + constant)
            self.health_name[binary] = m.group(1)

    def read(self, relative):
        with open(os.path.join(self.root, relative), encoding="utf-8") as f:
            return strip_cpp_comments(f.read())

    @staticmethod
    def flags_in(text):
        flags = {}
        for m in re.finditer(r"\bABSL_FLAG\s*\(", text):
            args = call_arguments(text, m.end() - 1)
            if len(args) < 4:
                continue
            flag_type = ",".join(args[:-3]).strip()
            name = args[-3].strip()
            flags[name] = Flag(name, flag_type, parse_default(flag_type, args[-2]))
        return flags


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
        json_text = run([kubectl, "annotate", "--local", "-f", "-", "-o", "json",
                         RENDER_ANNOTATION + "=1"], stdin=yaml_text, env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    objects, decoder, i = [], json.JSONDecoder(), 0
    while True:
        while i < len(json_text) and json_text[i].isspace():
            i += 1
        if i >= len(json_text):
            break
        obj, i = decoder.raw_decode(json_text, i)
        objects.extend(obj["items"] if obj.get("kind") == "List" else [obj])
    for obj in objects:
        annotations = obj["metadata"].get("annotations", {})
        annotations.pop(RENDER_ANNOTATION, None)
        if not annotations:
            obj["metadata"].pop("annotations", None)
    if not objects:
        raise AssertionError("kustomize rendered nothing")
    return objects


# --------------------------------------------------------------------------
# The deployment as the checks see it


class Deployment:
    """Rendered objects + sources + Dockerfile, with helpers for the checks."""

    def __init__(self, objects, sources, dockerfile_text):
        self.objects = objects
        self.sources = sources
        self.dockerfile_text = dockerfile_text

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

    @property
    def statefulset(self):
        sets = self.of_kind("StatefulSet")
        return sets[0] if len(sets) == 1 else None

    @property
    def pod(self):
        return self.statefulset["spec"]["template"]["spec"]

    @property
    def pod_labels(self):
        return self.statefulset["spec"]["template"]["metadata"].get("labels", {})

    def containers(self):
        return self.pod.get("containers", [])

    def binary(self, container):
        command = container.get("command") or exec_form(
            self.dockerfile.last(self.dockerfile.stages[-1], "ENTRYPOINT")) or [""]
        return os.path.basename(command[0])

    def server(self, binary_name):
        for c in self.containers():
            if self.binary(c) == binary_name:
                return c
        return None

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

    def flag_values(self, container):
        """{flag: (value, where)} for every flag of the container's server."""
        binary = self.binary(container)
        flags = self.sources.flags[binary]
        values = {name: (flag.default, "default") for name, flag in flags.items()}
        env = self.env(container)
        for name in sorted(self.sources.env_flags[binary]):
            for prefix in self.sources.prefixes[binary]:
                variable = prefix + name.upper()
                if variable in env and env[variable] is not None:
                    value, _ = parse_flag_value(flags[name], env[variable])
                    values[name] = (value, variable)
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

    def volume(self, name):
        for v in self.pod.get("volumes", []):
            if v["name"] == name:
                return v
        return None

    def claim_names(self):
        return {t["metadata"]["name"] for t in
                self.statefulset["spec"].get("volumeClaimTemplates", [])}

    def config_map(self):
        """The ConfigMap the containers read their environment from."""
        for c in self.containers():
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    cm = self.named("ConfigMap", source["configMapRef"]["name"])
                    if cm is not None:
                        return cm
        raise AssertionError("no container reads a ConfigMap")


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
# The checks. Each returns a list of problems.


def check_objects(d):
    problems = []
    for kind, minimum in [("StatefulSet", 1), ("Service", 2), ("PodDisruptionBudget", 1),
                          ("NetworkPolicy", 1), ("ConfigMap", 1), ("Secret", 1),
                          ("ServiceAccount", 1)]:
        count = len(d.of_kind(kind))
        if count < minimum:
            problems.append("expected at least %d %s, rendered %d" % (minimum, kind, count))
    if len(d.of_kind("StatefulSet")) != 1:
        problems.append("expected exactly one StatefulSet")
    return problems


def check_statefulset(d):
    sts = d.statefulset
    spec = sts["spec"]
    problems = []
    if spec.get("replicas") != 1:
        problems.append("StatefulSet replicas must be 1 (one writer per data volume), "
                        "is %r" % spec.get("replicas"))
    binaries = sorted(d.binary(c) for c in d.containers())
    if binaries != sorted(SERVERS):
        problems.append("the pod must run exactly %s, runs %s" % (sorted(SERVERS), binaries))
    if not selector_matches(spec.get("selector"), d.pod_labels):
        problems.append("the StatefulSet's selector does not select its pod template")
    if not d.claim_names():
        problems.append("no volumeClaimTemplates: the store needs a PersistentVolumeClaim")
    for template in spec.get("volumeClaimTemplates", []):
        modes = template["spec"].get("accessModes", [])
        if not set(modes) & {"ReadWriteOnce", "ReadWriteOncePod"}:
            problems.append("claim %s: accessModes %s (RocksDB wants a local block "
                            "volume: ReadWriteOnce)" % (template["metadata"]["name"], modes))
    retention = spec.get("persistentVolumeClaimRetentionPolicy", {})
    for when in ("whenDeleted", "whenScaled"):
        if retention.get(when, "Retain") != "Retain":
            problems.append("persistentVolumeClaimRetentionPolicy.%s deletes the store" % when)
    service = d.named("Service", spec.get("serviceName", ""))
    if service is None:
        problems.append("serviceName %r is not a rendered Service" % spec.get("serviceName"))
    elif service["spec"].get("clusterIP") != "None":
        problems.append("serviceName %s must be a headless Service" % spec["serviceName"])
    return problems


def check_probes(d):
    problems = []
    for c in d.containers():
        binary = d.binary(c)
        if binary not in SERVERS:
            continue
        expected = d.sources.health_name[binary]
        grpc_port = d.port_by_name(c, "grpc")
        listen = host_port(d.flag(c, "listen"))
        port_numbers = {p["containerPort"] for p in c.get("ports", [])}
        port_names = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
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
            if action.get("service") != expected:
                problems.append("%s: health service %r, %s reports %r" %
                                (where, action.get("service"), binary, expected))
    return problems


def check_data_volume(d):
    problems = []
    ingest, query = d.server("ingest_server"), d.server("query_server")
    if ingest is None or query is None:
        return ["both servers must run in the pod"]
    claims = d.claim_names()
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
    secondary = d.flag(query, "secondary_dir") if query else None
    if not secondary:
        problems.append("query: --secondary_dir is not set (it would fall back to $TMPDIR)")
    else:
        mount = d.mount_for(query, secondary)
        volume = d.volume(mount["name"]) if mount else None
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
        volume = d.volume(mount["name"]) if mount else None
        if (c.get("securityContext", {}).get("readOnlyRootFilesystem") and
                (mount is None or mount["mountPath"] != "/tmp" or mount.get("readOnly") or
                 volume is None or "emptyDir" not in volume)):
            problems.append("%s: read-only root filesystem without a writable /tmp" % c["name"])
    return problems


def check_security(d):
    problems = []
    pod = d.pod.get("securityContext", {})
    if pod.get("runAsNonRoot") is not True:
        problems.append("pod: runAsNonRoot must be true")
    if not isinstance(pod.get("runAsUser"), int) or pod.get("runAsUser") <= 0:
        problems.append("pod: runAsUser must be a non-zero UID")
    if not isinstance(pod.get("fsGroup"), int):
        problems.append("pod: fsGroup must be set, or the volume is not writable")
    if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod: seccompProfile must be RuntimeDefault")
    sa = d.named("ServiceAccount", d.pod.get("serviceAccountName", ""))
    if d.pod.get("automountServiceAccountToken") is not False and not (
            sa and sa.get("automountServiceAccountToken") is False):
        problems.append("pod: the servers do not use the API; do not mount a token")
    docker_user = d.dockerfile.last(d.dockerfile.stages[-1], "USER") or ""
    for c in d.containers():
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
        elif docker_user.split(":")[0] != str(uid):
            problems.append("%s: runs as UID %s, the image's USER is %r" % (name, uid, docker_user))
        seccomp = sc.get("seccompProfile", pod.get("seccompProfile", {}))
        if seccomp.get("type") != "RuntimeDefault":
            problems.append("%s: seccompProfile must be RuntimeDefault" % name)
    return problems


def check_configuration(d):
    """Commands, arguments and FACTSTORE_* variables against the real flags."""
    problems = []
    installed = d.dockerfile.installed_binaries(d.dockerfile.stages[-1])
    if d.pod.get("enableServiceLinks") is not False:
        problems.append("pod: enableServiceLinks must be false (service variables such as "
                        "FACTSTORE_INGEST_PORT share the servers' FACTSTORE_ namespace)")
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
    seen = {}
    for c in d.containers():
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
                problems.append("%s: no container port named %s-*" % (c["name"], port_prefix))
            elif port["containerPort"] != parsed[1]:
                problems.append("%s, but container port %s is %d" %
                                (where, port["name"], port["containerPort"]))
            if parsed[1] in seen:
                problems.append("%s: port %d is also used by %s (one network namespace)" %
                                (where, parsed[1], seen[parsed[1]]))
            seen[parsed[1]] = c["name"]
    names = [p.get("name") for c in d.containers() for p in c.get("ports", [])]
    if len(names) != len(set(names)):
        problems.append("container port names repeat: %s" % names)
    return problems


def check_shutdown(d):
    problems = []
    grace_period = d.pod.get("terminationGracePeriodSeconds", 30)
    for c in d.containers():
        if d.binary(c) not in SERVERS:
            continue
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


def check_resources(d):
    problems = []
    for c in d.containers():
        resources = c.get("resources", {})
        requests, limits = resources.get("requests", {}), resources.get("limits", {})
        for key, table in (("cpu", requests), ("memory", requests), ("memory", limits)):
            if quantity(table.get(key, "")) is None:
                problems.append("%s: resources %s.%s missing" %
                                (c["name"], "requests" if table is requests else "limits", key))
        limit = quantity(limits.get("memory", ""))
        request = quantity(requests.get("memory", ""))
        if limit is not None and request is not None and request > limit:
            problems.append("%s: memory request above the limit" % c["name"])
        if d.binary(c) in SERVERS and limit is not None:
            cache_mb = d.flag(c, "block_cache_mb")
            if not isinstance(cache_mb, int):
                problems.append("%s: --block_cache_mb unknown" % c["name"])
            elif limit < (cache_mb + MEMORY_HEADROOM_MIB) * 2 ** 20:
                problems.append("%s: memory limit %s < block cache %d MiB + %d MiB headroom" %
                                (c["name"], limits["memory"], cache_mb, MEMORY_HEADROOM_MIB))
    return problems


def container_port(d, target):
    """(container, port) that a Service targetPort names or numbers."""
    for c in d.containers():
        for port in c.get("ports", []):
            if target in (port.get("name"), port["containerPort"]):
                return c, port
    return None, None


def check_services(d):
    problems = []
    apis = {}
    for service in d.of_kind("Service"):
        name, spec = service["metadata"]["name"], service["spec"]
        if not spec.get("selector") or not selector_matches(
                {"matchLabels": spec["selector"]}, d.pod_labels):
            problems.append("Service %s does not select the factstore pod" % name)
        for port in spec.get("ports", []):
            target = port.get("targetPort", port["port"])
            c, container_port_ = container_port(d, target)
            if c is None:
                problems.append("Service %s: targetPort %r is no container port" % (name, target))
                continue
            if container_port_.get("name", "").startswith("grpc"):
                apis.setdefault(d.binary(c), []).append(service)
    for binary, headless in (("ingest_server", False), ("query_server", True)):
        services = apis.get(binary, [])
        if len(services) != 1:
            problems.append("expected one Service for %s's gRPC port, found %d" %
                            (binary, len(services)))
            continue
        service = services[0]
        name = service["metadata"]["name"]
        is_headless = service["spec"].get("clusterIP") == "None"
        if headless and not is_headless:
            problems.append("Service %s must be headless (clusterIP: None) so that gRPC "
                            "clients balance over the pods" % name)
        if headless and service["spec"].get("publishNotReadyAddresses"):
            problems.append("Service %s must leave out pods that are not Ready (a "
                            "follower that is behind)" % name)
        if not headless and (is_headless or service["spec"].get("type", "ClusterIP") !=
                             "ClusterIP"):
            problems.append("Service %s must be a ClusterIP Service" % name)
    return problems


def check_disruption_budget(d):
    problems = []
    pdbs = d.of_kind("PodDisruptionBudget")
    if not any(selector_matches(p["spec"].get("selector"), d.pod_labels) for p in pdbs):
        problems.append("no PodDisruptionBudget selects the factstore pod")
    for p in pdbs:
        if "minAvailable" not in p["spec"] and "maxUnavailable" not in p["spec"]:
            problems.append("PodDisruptionBudget %s sets no budget" % p["metadata"]["name"])
    return problems


WRITER_LABEL = ("factstore.io/writer", "true")


def check_network_policy(d):
    problems = []
    policies = [p for p in d.of_kind("NetworkPolicy")
                if selector_matches(p["spec"].get("podSelector"), d.pod_labels)]
    if not policies:
        return ["no NetworkPolicy selects the factstore pod"]
    names = {}
    for c in d.containers():
        for port in c.get("ports", []):
            names[port.get("name")] = port["containerPort"]
    ingest, query = d.server("ingest_server"), d.server("query_server")
    ingest_port = d.port_by_name(ingest, "grpc")["containerPort"]
    wanted = {"query gRPC": d.port_by_name(query, "grpc")["containerPort"]}
    for c in (ingest, query):
        wanted["%s metrics" % c["name"]] = d.port_by_name(c, "metrics")["containerPort"]
    reachable = set()
    ingest_allowed = False
    for policy in policies:
        spec = policy["spec"]
        types = spec.get("policyTypes", ["Ingress"])
        if "Ingress" not in types:
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
                    problems.append("%s: port %r is no container port" % (where, value))
                ports.add(names.get(value, value))
            if ports is not None and not rule.get("ports"):
                ports = None  # no ports: every port
            covers = (lambda p: True) if ports is None else (lambda p: p in ports)
            for port in wanted.values():
                if covers(port):
                    reachable.add(port)
            if not covers(ingest_port):
                continue
            ingest_allowed = True
            peers = rule.get("from", [])
            if not peers:
                problems.append("%s: lets everyone reach the ingest port" % where)
            for peer in peers:
                selector = peer.get("podSelector")
                namespaces = peer.get("namespaceSelector")
                if ("ipBlock" in peer or selector is None or
                        selector.get("matchLabels", {}).get(WRITER_LABEL[0]) != WRITER_LABEL[1] or
                        (namespaces is not None and not namespaces)):
                    problems.append("%s: peer %s may reach the ingest port: peers must "
                                    "select pods labelled %s=%s (and, with a "
                                    "namespaceSelector, name the namespaces)" %
                                    (where, json.dumps(peer), *WRITER_LABEL))
    if not ingest_allowed:
        problems.append("no NetworkPolicy rule lets writers reach the ingest port")
    for what, port in wanted.items():
        if port not in reachable:
            problems.append("no NetworkPolicy rule allows the %s port %d" % (what, port))
    return problems


FILE_FLAGS = ("auth_token_file", "tls_cert", "tls_key", "tls_client_ca")


def check_credentials(d):
    problems = []
    for secret in d.of_kind("Secret"):
        if secret.get("data") or secret.get("stringData"):
            problems.append("Secret %s carries data: the base must hold a placeholder only, "
                            "or `kubectl apply -k` overwrites the real credentials" %
                            secret["metadata"]["name"])
    for cm in d.of_kind("ConfigMap"):
        for key in cm.get("data", {}):
            if key.endswith("AUTH_TOKEN"):
                problems.append("ConfigMap %s holds %s: a secret (use the token file)" %
                                (cm["metadata"]["name"], key))
    for c in d.containers():
        for source in c.get("envFrom", []):
            for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if ref in source and d.named(kind, source[ref]["name"]) is None:
                    problems.append("%s: envFrom %s %s is not rendered" %
                                    (c["name"], kind, source[ref]["name"]))
        for item in c.get("env", []):
            if item["name"].endswith("AUTH_TOKEN") and "value" in item:
                problems.append("%s: %s given as a literal" % (c["name"], item["name"]))
        for mount in c.get("volumeMounts", []):
            volume = d.volume(mount["name"])
            if volume is None and mount["name"] not in d.claim_names():
                problems.append("%s: mount of unknown volume %s" % (c["name"], mount["name"]))
            if volume and "secret" in volume and mount.get("subPath"):
                problems.append("%s: Secret volume %s mounted with subPath: Kubernetes "
                                "never updates such files, so rotation would need a restart"
                                % (c["name"], mount["name"]))
        if d.binary(c) not in SERVERS:
            continue
        values = {name: d.flag(c, name) for name in FILE_FLAGS}
        if not values["auth_token_file"] and not d.flag(c, "auth_allowed_identities"):
            problems.append("%s: no --auth_token_file: anyone who can connect may call" %
                            c["name"])
        if bool(values["tls_cert"]) != bool(values["tls_key"]):
            problems.append("%s: --tls_cert and --tls_key go together" % c["name"])
        for flag_name, path in values.items():
            if not path:
                continue
            mount = d.mount_for(c, path)
            volume = d.volume(mount["name"]) if mount else None
            if volume is None or "secret" not in volume:
                problems.append("%s: --%s=%s is not in a mounted Secret" %
                                (c["name"], flag_name, path))
                continue
            secret = d.named("Secret", volume["secret"]["secretName"])
            if secret is None:
                problems.append("%s: Secret %s is not rendered" %
                                (c["name"], volume["secret"]["secretName"]))
                continue
            expected = secret["metadata"].get("annotations", {}).get(
                "factstore.io/expected-keys", "")
            key = os.path.relpath(path, mount["mountPath"])
            if key not in [k.strip() for k in expected.split(",")]:
                problems.append("%s: --%s reads key %r, not among the Secret's keys %r" %
                                (c["name"], flag_name, key, expected))
    for v in d.pod.get("volumes", []):
        mode = v.get("secret", {}).get("defaultMode", 0o644)
        if "secret" in v and mode & 0o007:
            problems.append("volume %s: Secret files readable by others (mode %o)" %
                            (v["name"], mode))
    return problems


def check_images(d):
    problems = []
    images = {c.get("image") for c in d.containers()}
    if len(images) != 1:
        problems.append("both servers come from one image, containers use %s" % sorted(images))
    for image in images:
        name = (image or "").split("@")[0]
        if "@" not in (image or "") and (":" not in name.split("/")[-1] or
                                         name.endswith(":latest")):
            problems.append("image %r: pin a tag or digest" % image)
    return problems


def check_metrics(d):
    problems = []
    annotated = d.statefulset["spec"]["template"]["metadata"].get("annotations", {})
    for c in d.containers():
        if d.binary(c) not in SERVERS:
            continue
        port = d.port_by_name(c, "metrics")
        if port is None:
            problems.append("%s: no container port named metrics-*" % c["name"])
            continue
        scraped = annotated.get("prometheus.io/scrape") == "true" and \
            annotated.get("prometheus.io/port") == str(port["containerPort"])
        for service in d.of_kind("Service"):
            if service["metadata"].get("annotations", {}).get("prometheus.io/scrape") != "true":
                continue
            for p in service["spec"].get("ports", []):
                if p.get("targetPort") in (port.get("name"), port["containerPort"]):
                    scraped = True
        if not scraped:
            problems.append("%s: metrics port %s is not annotated for scraping" %
                            (c["name"], port.get("name")))
    return problems


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
    for pattern in RUNTIME_PACKAGE_PATTERNS:
        if not any(re.fullmatch(pattern, p) for p in runtime_packages):
            problems.append("runtime stages install no package matching %s" % pattern)
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


CHECKS = [check_objects, check_statefulset, check_probes, check_data_volume,
          check_writable_dirs, check_security, check_configuration,
          check_listen_addresses, check_shutdown, check_resources, check_services,
          check_disruption_budget, check_network_policy, check_credentials,
          check_images, check_metrics, check_dockerfile]


# --------------------------------------------------------------------------
# Breakages: each check must notice its own.


def container(d, name):
    return next(c for c in d.pod["containers"] if c["name"] == name)


def set_config(d, key, value):
    d.config_map()["data"][key] = value


def del_config(d, key):
    del d.config_map()["data"][key]


def service(d, name):
    return d.named("Service", name)


def mount(d, container_name, volume):
    return next(m for m in container(d, container_name)["volumeMounts"] if m["name"] == volume)


def docker_edit(old, new):
    def edit(d):
        if old not in d.dockerfile_text:
            raise AssertionError("breakage does not apply: %r not in the Dockerfile" % old)
        head, _, tail = d.dockerfile_text.rpartition(old)
        d.dockerfile_text = head + new + tail
    return edit


BREAKAGES = [
    (check_objects, "no PodDisruptionBudget",
     lambda d: d.objects.remove(d.of_kind("PodDisruptionBudget")[0])),
    (check_statefulset, "two replicas (two writers)",
     lambda d: d.statefulset["spec"].update(replicas=2)),
    (check_statefulset, "claims deleted with the StatefulSet",
     lambda d: d.statefulset["spec"]["persistentVolumeClaimRetentionPolicy"].update(
         whenDeleted="Delete")),
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
     lambda d: d.pod["securityContext"].update(runAsUser=0)),
    (check_security, "no fsGroup",
     lambda d: d.pod["securityContext"].pop("fsGroup")),
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
     lambda d: d.pod.update(enableServiceLinks=True)),
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
     lambda d: mount(d, "query", "credentials").update(subPath="auth-token")),
    (check_credentials, "placeholder Secret with data",
     lambda d: d.of_kind("Secret")[0].update(data={"auth-token": "c2VjcmV0"})),
    (check_credentials, "token in the ConfigMap",
     lambda d: set_config(d, "FACTSTORE_AUTH_TOKEN", "secret")),
    (check_credentials, "token file outside the Secret",
     lambda d: set_config(d, "FACTSTORE_AUTH_TOKEN_FILE", "/tmp/token")),
    (check_credentials, "token file with a key the Secret does not have",
     lambda d: set_config(d, "FACTSTORE_AUTH_TOKEN_FILE", "/etc/factstore/credentials/token")),
    (check_credentials, "no authentication",
     lambda d: del_config(d, "FACTSTORE_AUTH_TOKEN_FILE")),
    (check_images, "two images",
     lambda d: container(d, "query").update(image="registry.example.com/other:1")),
    (check_images, "latest tag",
     lambda d: [c.update(image="registry.example.com/factstore:latest")
                for c in d.pod["containers"]]),
    (check_metrics, "metrics Service not annotated",
     lambda d: service(d, "factstore-metrics")["metadata"].pop("annotations")),
    (check_dockerfile, "USER by name", docker_edit("USER 10001:10001", "USER factstore")),
    (check_dockerfile, "ENTRYPOINT in shell form",
     docker_edit('ENTRYPOINT ["/usr/local/bin/ingest_server"]',
                 "ENTRYPOINT /usr/local/bin/ingest_server")),
    (check_dockerfile, "package Debian does not have",
     docker_edit("librocksdb7.8", "librocksdb7.99")),
    (check_dockerfile, "build package missing",
     docker_edit("prometheus-cpp-dev ", "")),
    (check_dockerfile, "unoptimized build", docker_edit("--config=opt", "")),
    (check_dockerfile, "runtime on the full image",
     docker_edit("FROM debian:${DEBIAN_RELEASE}-slim AS base",
                 "FROM debian:${DEBIAN_RELEASE} AS base")),
    (check_dockerfile, "factctl not installed",
     docker_edit("\n && install -D -m 0755 bazel-bin/tools/factctl/factctl /out/factctl", "")),
    (check_security, "pod UID differs from the image's USER",
     docker_edit("USER 10001:10001", "USER 10002:10002")),
]


def report(problems):
    return "\n".join("  - " + p for p in problems)


class DeployTest(unittest.TestCase):
    """The real manifests pass every check; each breakage fails its check.

    One test method per breakage (test_breaks_<check>_<n>) is added below.
    """

    @classmethod
    def setUpClass(cls):
        cls.sources = Sources(ROOT)
        with open(DOCKERFILE, encoding="utf-8") as f:
            cls.dockerfile_text = f.read()
        cls.base = render()
        cls.tls = render([TLS_COMPONENT])

    def deployment(self, objects):
        return Deployment(copy.deepcopy(objects), self.sources, self.dockerfile_text)

    def run_checks(self, objects):
        problems = []
        for check in CHECKS:
            problems += ["%s: %s" % (check.__name__, p)
                         for p in check(self.deployment(objects))]
        return problems

    def test_sources_are_understood(self):
        for binary in SERVERS:
            flags = self.sources.flags[binary]
            for name in ("listen", "data_dir", "metrics_listen", "shutdown_grace",
                         "block_cache_mb", "tls_cert", "auth_token_file"):
                self.assertIn(name, flags, binary)
                self.assertIn(name, self.sources.env_flags[binary], binary)
            self.assertEqual(self.sources.prefixes[binary][-1], "FACTSTORE_")
        self.assertIn("secondary_dir", self.sources.flags["query_server"])
        self.assertEqual(self.sources.flags["query_server"]["shutdown_grace"].type,
                         "absl::Duration")
        self.assertIsInstance(self.sources.flags["query_server"]["shutdown_grace"].default, float)
        self.assertIsInstance(self.sources.flags["ingest_server"]["block_cache_mb"].default, int)

    def test_base_passes_every_check(self):
        problems = self.run_checks(self.base)
        self.assertEqual([], problems, "deploy/k8s:\n" + report(problems))

    def test_tls_component_passes_every_check(self):
        d = self.deployment(self.tls)
        for c in d.containers():
            self.assertTrue(is_tls(d, c), c["name"] + ": components/tls does not turn on TLS")
        problems = self.run_checks(self.tls)
        self.assertEqual([], problems, "deploy/k8s + components/tls:\n" + report(problems))

    def test_every_check_has_a_breakage(self):
        covered = {check for check, _, _ in BREAKAGES}
        self.assertEqual([], [c.__name__ for c in CHECKS if c not in covered])


def add_breakage_test(number, check, what, breakage):
    def test(self):
        d = self.deployment(self.base)
        breakage(d)
        problems = check(d)
        self.assertTrue(problems, "%s did not notice: %s" % (check.__name__, what))
    test.__doc__ = "%s notices: %s" % (check.__name__, what)
    name = "test_breaks_%s_%02d" % (check.__name__[len("check_"):], number)
    setattr(DeployTest, name, test)


for _number, (_check, _what, _breakage) in enumerate(BREAKAGES):
    add_breakage_test(_number, _check, _what, _breakage)


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
