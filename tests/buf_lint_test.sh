#!/usr/bin/env bash
# buf lint on the public API (protos/buf.yaml: STANDARD and COMMENTS rules:
# every message, field, enum value and RPC must be commented).
set -euo pipefail
BUF="${FACTSTORE_BUF:-$(command -v buf || true)}"
if [ -z "$BUF" ] || [ ! -x "$BUF" ]; then
  echo "buf not found: run through ./dev test, or pass --test_env=FACTSTORE_BUF=/path/to/buf" >&2
  exit 1
fi
work="$TEST_TMPDIR/protos"
mkdir -p "$work"
cp -rL protos/buf.yaml protos/factstore "$work/"
export BUF_CACHE_DIR="$TEST_TMPDIR/buf-cache"
cd "$work"
"$BUF" lint
echo "buf lint: clean"
