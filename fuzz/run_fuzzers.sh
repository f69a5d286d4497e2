#!/usr/bin/env bash
# run_fuzzers.sh: builds factstore's libFuzzer targets (--config=fuzz: clang-14,
# ASan, UBSan) and runs each one for SECONDS on a copy of its corpus. Fails
# if any target crashes, leaks or breaks one of its invariants, and says how
# to reproduce the finding.
#
#   fuzz/run_fuzzers.sh [SECONDS] [--update-corpus] [TARGET...]
#
#   SECONDS          per target, default 5
#   --update-corpus  afterwards, merge the inputs that reached new code into
#                    the checked-in corpus (fuzz/corpus/<target>/); without
#                    it the checked-in corpus is never written
#   TARGET           normalizer, key_codec, page_token, request_validation
#                    (default: all)
#
# `./dev fuzz [SECONDS]` runs this. docs/fuzzing.md describes the targets.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_TARGETS=(normalizer key_codec page_token request_validation)
seconds=5
update=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --update-corpus) update=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    ''|*[!0-9]*)
      found=0
      for t in "${ALL_TARGETS[@]}"; do [ "$1" = "$t" ] && found=1; done
      [ "$found" = 1 ] || { echo "run_fuzzers.sh: unknown target or option '$1'" >&2; exit 2; }
      targets+=("$1")
      ;;
    *) seconds="$1" ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

labels=()
for t in "${targets[@]}"; do labels+=("//fuzz:${t}_fuzzer"); done
say "building ${labels[*]} (--config=fuzz)"
# --symlink_prefix=/ leaves bazel-bin alone: it keeps pointing at the normal
# build, which other commands (./dev up) read.
bazel build --config=fuzz --symlink_prefix=/ "${labels[@]}"
bin="$(bazel info --config=fuzz bazel-bin 2>/dev/null)/fuzz"

work="$(mktemp -d "${TMPDIR:-/tmp}/factstore-fuzz.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t"
  artifacts="$work/artifacts/$t"
  mkdir -p "$corpus" "$artifacts" "$work/tmp/$t"
  cp -r "fuzz/corpus/$t/." "$corpus/"
  log="$work/$t.log"
  say "fuzzing $t for ${seconds}s ($(find "$corpus" -type f | wc -l) seed files)"
  status=0
  # TEST_TMPDIR: where request_validation_fuzzer puts its store.
  TEST_TMPDIR="$work/tmp/$t" "$bin/${t}_fuzzer" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
    >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$log" |
    sed 's/^/    /' >&2 || true
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    echo "---- $t failed (exit $status); the end of its log:" >&2
    grep -v '^#[0-9]' "$log" | tail -40 >&2
    keep="$ROOT/fuzz-findings/$t"
    mkdir -p "$keep"
    cp "$artifacts"/* "$keep/" 2>/dev/null || true
    cp "$log" "$keep/fuzz.log"
    cat >&2 <<EOF
---- the input is in fuzz-findings/$t/. Reproduce it with
       bazel build //fuzz:${t}_fuzzer && bazel-bin/fuzz/${t}_fuzzer fuzz-findings/$t/<file>
     or under ASan/UBSan with
       $bin/${t}_fuzzer fuzz-findings/$t/<file>
     then fix it and keep the input as fuzz/corpus/$t/regression-<what>.
EOF
    continue
  fi
  if [ "$update" = 1 ]; then
    before=$(find "fuzz/corpus/$t" -type f | wc -l)
    TEST_TMPDIR="$work/tmp/$t" "$bin/${t}_fuzzer" -merge=1 \
      "fuzz/corpus/$t" "$corpus" >"$work/$t.merge.log" 2>&1
    after=$(find "fuzz/corpus/$t" -type f | wc -l)
    say "$t: the corpus grew from $before to $after files"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  say "FAILED: ${failed[*]}"
  exit 1
fi
say "no crashes in ${targets[*]} (${seconds}s each)"
