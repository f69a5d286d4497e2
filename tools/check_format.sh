#!/usr/bin/env bash
# check_format.sh: checks that every C++ file of factstore is formatted as
# clang-format formats it (.clang-format: Google style). Prints the files
# that are not, and how to fix them; exits 1 if there are any.
#
#   tools/check_format.sh          check
#   tools/check_format.sh --fix    format them in place
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t files < <(find . \( -name 'bazel-*' -o -name node_modules \
    -o -name third_party -o -name .git -o -name var \) -prune \
    -o -type f \( -name '*.cc' -o -name '*.h' \) -print | sort)

if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi

# One clang-format process for the whole tree; it names each file it would
# change in its warnings ("FILE:LINE:COL: error: code should be ...").
mapfile -t unformatted < <(clang-format --dry-run --Werror "${files[@]}" 2>&1 |
  sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' |
  sort -u)
if [ ${#unformatted[@]} -gt 0 ]; then
  printf 'not formatted as .clang-format says (%d files):\n' \
    "${#unformatted[@]}" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  printf 'fix with: tools/check_format.sh --fix\n' >&2
  exit 1
fi
printf 'format: %d C++ files formatted as .clang-format says\n' "${#files[@]}"
