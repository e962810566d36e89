#!/usr/bin/env bash
# Lossless EXIF orientation (tools/media/jpegxform): decode, rotate 90 and
# re-encode with optimal Huffman tables one 12-megapixel 4:2:0 JPEG of
# noise at quality 90 (about 11 MB, far more coefficients than a photo),
# against `jpegtran -copy none -perfect -optimize -rotate 90` on the very
# same file, in the same run.
#
# Usage: bench/xform.sh [RUNS]      (default 5)
# Needs: go, jpegtran (libjpeg-turbo-progs; scripts/install-test-deps.sh).
# Prints each run, the median of each side and the ratio ours/jpegtran.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d /tmp/storyguard-xform-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v jpegtran >/dev/null || { echo "jpegtran missing: run scripts/install-test-deps.sh" >&2; exit 2; }

ours=()
theirs=()
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq "$runs"); do
  ns=$(STORYGUARD_BENCH_INPUT="$work/in.jpg" go test -run '^$' -bench '^BenchmarkRotate90$' -benchtime 3x ./tools/media/jpegxform/ |
    awk '/^BenchmarkRotate90/ {print $3}')
  ms_ours=$((ns / 1000000))
  start=$(date +%s%N)
  for _ in 1 2 3; do jpegtran -copy none -perfect -optimize -rotate 90 "$work/in.jpg" > "$work/out.jpg"; done
  ms_theirs=$(( ($(date +%s%N) - start) / 3000000 ))
  echo "run $i: jpegxform ${ms_ours} ms, jpegtran ${ms_theirs} ms"
  ours+=("$ms_ours")
  theirs+=("$ms_theirs")
done
mo=$(median "${ours[@]}")
mt=$(median "${theirs[@]}")
echo "median: jpegxform ${mo} ms, jpegtran ${mt} ms, ratio $(awk -v a="$mo" -v b="$mt" 'BEGIN {printf "%.2f", a / b}')"
