#!/usr/bin/env bash
# Budget of issue #4: scrubbing and verifying 200 JPEGs of 3-5 MB takes at
# most 1.5x a plain cp of the same files, and is at least 3x faster than
# `exiftool -all= -overwrite_original`, all in the same run.
#
# Usage: bench/media.sh [N_FILES] [RUNS]      (defaults 200 and 5)
# MEDIA_BENCH_SRC=DIR keeps the generated JPEGs in DIR for the next run.
# MEDIA_BENCH_BEFORE=BINARY also times another storyguard build (say, one
# built from main before a change) on the same files in the same runs.
# MEDIA_BENCH_NOSYNC=1 skips the sync before each contender (see settle).
# Needs: go, exiftool (scripts/install-test-deps.sh), GNU time (apt: time).
# Prints per-run times, the median of each, the ratios and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
runs=${2:-5}
work=$(mktemp -d /tmp/storyguard-media-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

command -v exiftool >/dev/null || { echo "exiftool missing: run scripts/install-test-deps.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 2; }

echo "building storyguard and generating $n JPEGs (noise, EXIF/GPS/thumbnail, XMP, IPTC, ICC, MPF, trailer)..."
go build -o "$work/storyguard" ./cmd/storyguard
src=${MEDIA_BENCH_SRC:-}
if [ -z "$src" ]; then
  src="$work/src"
fi
if [ "$(ls "$src"/*.jpg 2>/dev/null | wc -l)" -lt "$n" ]; then
  go run ./tools/testgen/fixture/mediagen -n "$n" -out "$src"
fi
total=$(du -cb "$src"/*.jpg | tail -1 | cut -f1)
min=$(stat -c %s "$src"/*.jpg | sort -n | head -1)
max=$(stat -c %s "$src"/*.jpg | sort -n | tail -1)
echo "files: $n, total $((total / 1000000)) MB, smallest $min B, largest $max B"
cat "$src"/*.jpg > /dev/null # warm the page cache for every contender alike

# settle (untimed) flushes dirty pages before each contender, so that no
# contender pays for writing back the previous one's output, and so that
# exiftool meets its inputs as a user's photos are: clean, on disk. Without
# it exiftool gains a lot (bench/media.md, "Clean or dirty inputs"):
# MEDIA_BENCH_NOSYNC=1 skips it, to see that figure.
settle() { [ -n "${MEDIA_BENCH_NOSYNC:-}" ] || sync; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# CPU time (user+sys, ms) of a /usr/bin/time -f "%U %S %M" record.
cpu() { awk '{printf "%d", ($1 + $2) * 1000}' "$1"; }
# The 1-minute load average, to read every figure against (the machine is
# shared; a load above the CPU count means the contenders wait for a CPU).
load() { cut -d' ' -f1 /proc/loadavg; }
before=${MEDIA_BENCH_BEFORE:-}
cp_t=() sg_t=() ex_t=() cp_c=() sg_c=() ex_c=() bf_t=() bf_c=() loads=()
for r in $(seq "$runs"); do
  loads+=("$(load)")
  rm -rf "$work/cp" "$work/sg" "$work/ex"
  mkdir -p "$work/cp" "$work/ex"

  settle
  t=$(date +%s%N)
  /usr/bin/time -f "%U %S %M" -o "$work/cp.time" cp "$src"/*.jpg "$work/cp/"
  cp_t+=("$(ms "$t")"); cp_c+=("$(cpu "$work/cp.time")")

  settle
  t=$(date +%s%N)
  /usr/bin/time -f "%U %S %M" -o "$work/sg.time" "$work/storyguard" media scrub "$src"/*.jpg --out "$work/sg" > "$work/sg.log"
  sg_t+=("$(ms "$t")"); sg_c+=("$(cpu "$work/sg.time")")

  bf=""
  if [ -n "$before" ]; then
    rm -rf "$work/bf"
    settle
  t=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$work/bf.time" "$before" media scrub "$src"/*.jpg --out "$work/bf" > "$work/bf.log"
    bf_t+=("$(ms "$t")"); bf_c+=("$(cpu "$work/bf.time")")
    bf=", storyguard before ${bf_t[-1]} (${bf_c[-1]})"
  fi

  cp "$src"/*.jpg "$work/ex/"
  settle
  t=$(date +%s%N)
  /usr/bin/time -f "%U %S %M" -o "$work/ex.time" exiftool -q -q -all= -overwrite_original "$work"/ex/*.jpg 2>"$work/ex.err"
  ex_t+=("$(ms "$t")"); ex_c+=("$(cpu "$work/ex.time")")
  echo "run $r (load ${loads[-1]}): wall (cpu) ms: cp ${cp_t[-1]} (${cp_c[-1]}), storyguard scrub+verify ${sg_t[-1]} (${sg_c[-1]}), exiftool ${ex_t[-1]} (${ex_c[-1]})$bf"
done

# The scrubbed files must verify clean (separately, so this is not timed above).
"$work/storyguard" media verify "$work"/sg/*.jpg > /dev/null

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
cp_m=$(median "${cp_t[@]}"); sg_m=$(median "${sg_t[@]}"); ex_m=$(median "${ex_t[@]}")
cp_cm=$(median "${cp_c[@]}"); sg_cm=$(median "${sg_c[@]}"); ex_cm=$(median "${ex_c[@]}")
echo
# Peak RSS of the binary doing nothing, to tell the runtime's and linked
# packages' share from the scrubbing's.
"/usr/bin/time" -f "%M" -o "$work/idle.time" "$work/storyguard" --help > /dev/null
echo "median of $runs runs over $n files (wall ms, cpu user+sys ms, peak RSS of the last run):"
echo "  load average (1 min) at the start of each run: ${loads[*]}; $(nproc) CPUs"
echo "  cp                        ${cp_m}  cpu ${cp_cm}  rss $(awk '{print $3}' "$work/cp.time") KB"
echo "  storyguard scrub+verify   ${sg_m}  cpu ${sg_cm}  rss $(awk '{print $3}' "$work/sg.time") KB (storyguard --help alone: $(cat "$work/idle.time") KB)"
echo "  exiftool -all=            ${ex_m}  cpu ${ex_cm}  rss $(awk '{print $3}' "$work/ex.time") KB"
if [ -n "$before" ]; then
  bf_m=$(median "${bf_t[@]}"); bf_cm=$(median "${bf_c[@]}")
  echo "  storyguard before         ${bf_m}  cpu ${bf_cm}  rss $(awk '{print $3}' "$work/bf.time") KB ($before)"
  awk -v s="$sg_m" -v b="$bf_m" -v c="$cp_m" -v sc="$sg_cm" -v bc="$bf_cm" 'BEGIN {
    printf "  before: storyguard / cp = %.2fx wall; now / before = %.2fx wall, %.2fx cpu\n", b / c, s / b, sc / bc
  }'
fi
awk -v s="$sg_m" -v c="$cp_m" -v e="$ex_m" -v sc="$sg_cm" -v cc="$cp_cm" -v ec="$ex_cm" 'BEGIN {
  printf "  wall: storyguard / cp = %.2fx (budget <= 1.5x); exiftool / storyguard = %.2fx (budget >= 3x)\n", s / c, e / s
  printf "  cpu:  storyguard / cp = %.2fx;                  exiftool / storyguard = %.2fx\n", sc / cc, ec / sc
}'
