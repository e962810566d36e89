#!/bin/sh
# bench/store.sh: Storyguard's incremental republish against a full
# re-upload of the same objects, on the real embedded gateway (versitygw
# over a temporary folder, loopback).
#
#   BenchmarkSyncNoop   1,000 media (64 KiB) + 10,000 pages (10 KiB), nothing
#                       changed: one listing per prefix, digests compared
#   BenchmarkSyncForce  the same 11,000 objects uploaded again, no compare
#   BenchmarkSyncFirst  first publish of 1,000 media of 1 MiB (in-flight gauge)
#
# Prints each run, the median of RUNS runs (default 5) and the ratio.
# Usage: bench/store.sh [RUNS]   (from the repository root)
set -eu
RUNS=${1:-5}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/store.test" ./tools/store/
"$tmp/store.test" -test.run '^$' -test.bench '^BenchmarkSync(Noop|Force)$' \
	-test.benchtime 1x -test.count "$RUNS" | tee "$tmp/out.txt"
"$tmp/store.test" -test.run '^$' -test.bench '^BenchmarkSyncFirst$' \
	-test.benchtime 1x -test.count 1 | tee -a "$tmp/out.txt"
awk '
function median(a, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$1 ~ /^BenchmarkSyncNoop/  { noop[++nn] = $3 / 1e9; for (i = 4; i < NF; i++) if ($(i+1) == "puts/op") np = $i }
$1 ~ /^BenchmarkSyncForce/ { force[++nf] = $3 / 1e9 }
$1 ~ /^BenchmarkSyncFirst/ { for (i = 4; i < NF; i++) { if ($(i+1) == "max-inflight") mi = $i; if ($(i+1) == "MB/s") mbs = $i } ; first = $3 / 1e9 }
END {
	mn = median(noop, nn); mf = median(force, nf)
	printf "\nno-op republish (11,000 objects): median %.2f s of %d runs, %s PUTs/op (budget: 0 PUTs, < 2 s)\n", mn, nn, np
	printf "full re-upload   (11,000 objects): median %.2f s of %d runs\n", mf, nf
	printf "ratio full/no-op: %.1fx\n", mf / mn
	printf "first publish 1,000 x 1 MiB: %.1f s, %s MB/s, max %s uploads in flight (budget: >= 4)\n", first, mbs, mi
}' "$tmp/out.txt"
