#!/usr/bin/env bash
# bench/identity.sh: the leak scanner against GNU grep on the same files, in
# one run. Budget (issue #3): with 5,000 terms, scanning 50 MB takes no more
# than 1.5x `grep -F -i -w -f terms.txt -r`, while also folding diacritics.
#
# Usage: bench/identity.sh            (RUNS=5 MB=50 TERMS=5000 UTF8_RUNS=1)
#
# It builds tools/testgen/scanbench, generates TERMS invented names and
# MB files of 1 MB of prose-like text (a name every ~2,000 words), then runs,
# alternating, RUNS times each:
#   grep  LC_ALL=C        grep -F -i -w -c -f terms.txt -r text/  (ASCII case folding: grep's fastest)
#   scan  scanbench scan -terms terms.txt text/                   (all cores, full folding)
# and UTF8_RUNS times grep under LC_ALL=C.UTF-8 (Unicode case folding, much
# slower). It prints the median wall-clock and CPU (user+sys) seconds of each
# and the ratios scan/grep. grep -c is used so that grep reads every file to
# the end (with output to /dev/null GNU grep stops at the first match).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5} MB=${MB:-50} TERMS=${TERMS:-5000} UTF8_RUNS=${UTF8_RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/scanbench" ./tools/testgen/scanbench
"$work/scanbench" gen -terms "$TERMS" -mb "$MB" -out "$work/data"
echo "corpus: $(du -sh "$work/data/text" | cut -f1) in $(ls "$work/data/text" | wc -l) files, $(wc -l < "$work/data/terms.txt") terms; $(nproc) cores; $(grep --version | head -1); $(go version)"

TIMEFORMAT='%R %U %S'
measure() { # name, command...; appends "wall cpu" to $work/name
  local name=$1; shift
  { time "$@" > "$work/$name.out"; } 2> "$work/$name.t"
  awk '{printf "%.3f %.3f\n", $1, $2+$3}' "$work/$name.t" >> "$work/$name"
}
grepC()    { LC_ALL=C grep -F -i -w -c -f "$work/data/terms.txt" -r "$work/data/text"; }
grepUTF8() { LC_ALL=C.UTF-8 grep -F -i -w -c -f "$work/data/terms.txt" -r "$work/data/text"; }
scan()     { "$work/scanbench" scan -terms "$work/data/terms.txt" "$work/data/text"; }

for i in $(seq "$RUNS"); do
  measure grepC grepC
  measure scan scan
done
for i in $(seq "$UTF8_RUNS"); do measure grepUTF8 grepUTF8; done

median() { sort -n -k"$2" "$work/$1" | awk -v k="$2" '{v[NR]=$k} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf '%-16s %8s %8s %6s\n' tool wall_s cpu_s runs
for t in grepC grepUTF8 scan; do
  printf '%-16s %8s %8s %6s\n' "$t" "$(median $t 1)" "$(median $t 2)" "$(wc -l < "$work/$t")"
done
echo "matching lines (grep C): $(awk -F: '{s+=$2} END {print s}' "$work/grepC.out"); scanner matches: $(cat "$work/scan.out")"
awk -v s="$(median scan 1)" -v g="$(median grepC 1)" -v u="$(median grepUTF8 1)" -v sc="$(median scan 2)" -v gc="$(median grepC 2)" 'BEGIN {
  printf "ratio scan/grep(C)      wall %.2f  cpu %.2f  (budget <= 1.5)\n", s/g, sc/gc
  printf "ratio scan/grep(C.UTF-8) wall %.2f\n", s/u }'
# Peak memory (GNU time, maximum resident set size) of one more run of each.
/usr/bin/time -f "%M" -o "$work/grep.rss" bash -c "$(declare -f grepC); work=$work; grepC" >/dev/null
/usr/bin/time -f "%M" -o "$work/scan.rss" bash -c "$(declare -f scan); work=$work; scan" >/dev/null
echo "peak memory: grep (C) $(( $(tail -1 "$work/grep.rss") / 1024 )) MiB, scanner $(( $(tail -1 "$work/scan.rss") / 1024 )) MiB"
