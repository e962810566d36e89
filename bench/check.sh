#!/usr/bin/env bash
# Compares `storyguard check` with `hugo build` on the same generated corpus
# of N stories (each in en and es, ~5 KB per file), in one run, alternating
# the two commands so both see the same machine load. Prints the median of
# RUNS runs of each and the ratio check/hugo. Budget (issue #2): < 0.25.
#
#   bash bench/check.sh            # N=10000 RUNS=5
#   N=2000 RUNS=3 bash bench/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
RUNS=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/storyguard" ./cmd/storyguard
go build -o "$work/gencorpus" ./tools/testgen/gencorpus
hugo=$(go tool -n hugo)
"$work/gencorpus" -dir "$work/site" -n "$N" -seed 1 -vault "$work/vault"
echo "corpus: $N stories, $(find "$work/site/content" -name '*.md' | wc -l) files, $(du -sh "$work/site/content" | cut -f1)"

# The full check, as comms staff run it: every rule, the registry scan of
# every page against the corpus registry (one storyteller per story).
check() {
  "$work/storyguard" check --root "$work/site" --vault "$work/vault" \
    --identity-file "$work/vault/identity.txt" --now 2026-11-29 >/dev/null 2>"$work/check.err"
}
# One untimed run of each warms the file cache and proves both succeed: a
# check that exits non-zero did not do the work, and its time means nothing.
if ! check; then
  echo "bench/check.sh: storyguard check failed on the corpus:" >&2
  tail -5 "$work/check.err" >&2
  exit 1
fi
/usr/bin/time -f "%M" -o "$work/hugo.rss" "$hugo" build --quiet -s "$work/site" -d "$work/public" >/dev/null
/usr/bin/time -f "%M" -o "$work/check.rss" "$work/storyguard" check --root "$work/site" --vault "$work/vault" \
  --identity-file "$work/vault/identity.txt" --now 2026-11-29 >/dev/null 2>&1 || true

now_ms() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
: >"$work/check.ms"
: >"$work/hugo.ms"
for i in $(seq "$RUNS"); do
  t0=$(now_ms)
  check || { echo "bench/check.sh: check failed in run $i" >&2; exit 1; }
  t1=$(now_ms)
  rm -rf "$work/public"
  t2=$(now_ms)
  "$hugo" build --quiet -s "$work/site" -d "$work/public" >/dev/null
  t3=$(now_ms)
  echo $((t1 - t0)) >>"$work/check.ms"
  echo $((t3 - t2)) >>"$work/hugo.ms"
  echo "run $i: check $((t1 - t0)) ms, hugo build $((t3 - t2)) ms"
done
c=$(median <"$work/check.ms")
h=$(median <"$work/hugo.ms")
echo "median of $RUNS: storyguard check ${c} ms, hugo build ${h} ms, ratio $(awk -v c="$c" -v h="$h" 'BEGIN {printf "%.3f", c/h}') (budget < 0.25)"
echo "peak memory: storyguard check $(( $(tail -1 "$work/check.rss") / 1024 )) MiB, hugo build $(( $(tail -1 "$work/hugo.rss") / 1024 )) MiB"
