#!/usr/bin/env bash
# Runs one Python test file with Debian's python3, which has python3-grpcio
# and python3-grpc-tools (another python3 on PATH may not).
set -euo pipefail
PYTHON="${FACTSTORE_PYTHON:-/usr/bin/python3}"
exec "$PYTHON" "$@"
