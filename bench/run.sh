#!/usr/bin/env bash
# bench/run.sh: every performance budget, measured against the tool a user
# would otherwise reach for, on the same machine and the same generated
# corpus, in one run. Each area script prints its per-run times, the median
# of several runs, the ratio and (where it matters) the peak memory:
#
#   bench/check.sh     storyguard check   vs  hugo build          (issue #2)
#   bench/identity.sh  leak scanner       vs  grep -F -i -w -f    (issue #3)
#   bench/media.sh     scrub + verify     vs  cp, exiftool -all=  (issue #4)
#   bench/store.sh     no-op republish    vs  a full re-upload    (issue #5)
#   bench/xform.sh     lossless rotation  vs  jpegtran -perfect   (issue #4)
#   bench/site.sh      publish, republish, withdraw  vs  hugo build  (issue #17;
#                      not in the default set: hours with 1,000 phone photos,
#                      run `bash bench/run.sh site` or bench/site.sh --photos N)
#
# Usage: bench/run.sh [AREA...]      (default: all five; about 20 minutes)
# Output is also written to bench/last-run.txt. Record the figures, the
# machine and the date in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
areas=("$@")
[ ${#areas[@]} -gt 0 ] || areas=(check identity media store xform)

need=()
command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
command -v jpegtran >/dev/null 2>&1 || need+=(libjpeg-turbo-progs)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

{
  echo "# storyguard benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"
  for a in "${areas[@]}"; do
    echo
    echo "## $a"
    bash "bench/$a.sh"
  done
} 2>&1 | tee bench/last-run.txt
