#!/usr/bin/env bash
# Runs k8s_manifests_test.py with Debian's python3 (and python3-yaml).
# It renders deploy/k8s with kubectl (kustomize) and checks the objects, the
# Dockerfile and the servers' flags; see the docstring of the .py file.
set -euo pipefail
PYTHON="${FACTSTORE_PYTHON:-/usr/bin/python3}"
if [ ! -x "$PYTHON" ]; then
  PYTHON="$(command -v python3 || true)"
fi
if [ -z "$PYTHON" ]; then
  echo "python3 not found: install python3, or pass --test_env=FACTSTORE_PYTHON=/path" >&2
  exit 1
fi
exec "$PYTHON" deploy/k8s_manifests_test.py "$@"
