#!/usr/bin/env bash
# bench/site.sh: publish and withdraw at a real site's size, the way comms
# staff meet them (issue #17). Everything goes into the embedded store
# (`storyguard store serve`: versitygw over a folder, versioning on) on a
# loopback port, and every figure is a ratio to `hugo build` of the same
# staged site, timed in the same run, alternated with the operations:
#
#   first publish  hugo  no-op republish  hugo  one story's text changed
#   hugo  one photo changed  hugo  withdrawal of one story  hugo
#
# The site is the repository's own (config.toml, themes/voices, static/,
# the advocacy, partner and about pages) with its demo stories replaced by
# N corpus stories (tools/testgen/corpus, en and es, one photo each); the first
# PHOTOS of them carry a 12 MP phone photo of about 3.3 MB (EXIF with GPS,
# XMP, IPTC, ICC, MPF, trailer: tools/testgen/fixture/mediagen -phone), the
# rest the corpus's small JPEG. Phone photos are generated once into
# $STORYGUARD_BENCH_CACHE (default ~/.cache/storyguard-bench), outside git.
#
# During the withdrawal an independent reader (bench/sitetimer: anonymous
# HTTP GETs, no Storyguard code) polls the story's pages (en, es) and its
# photo and variants, and reports when each stopped answering, in ms from
# the command's start.
#
# Peak memory is the kernel's ru_maxrss of each command as wait4 returns
# it (bench/sitetimer): the largest single process of the command's tree,
# what GNU time's %M and `/usr/bin/time -v` report. Not a sum.
#
# Usage: bash bench/site.sh [--stories N] [--photos N] [--big] [--profile]
#   --stories N   number of stories (default 1000)
#   --big         10,000 stories (photos stay 1,000 unless --photos)
#   --photos N    stories with a phone photo (default 1000; 0 = none)
#   --profile     also write CPU profiles of the no-op republish and the
#                 withdrawal (STORYGUARD_CPUPROFILE) and print pprof's top
#   --keep        keep the work folder and print its path
#   --withdraw-only  only the first publish and the withdrawal (each with
#                 its hugo build): the time-to-gone of a big site sooner
# Needs only Go (the repository's go.mod pins Hugo as a tool). Prints
# each command's line, every step's timing (--timings) and a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
stories=1000 photos="" profile="" keep="" republish=1
while [ $# -gt 0 ]; do
  case $1 in
    --stories) stories=$2; shift 2 ;;
    --photos) photos=$2; shift 2 ;;
    --big) stories=10000; shift ;;
    --profile) profile=1; shift ;;
    --keep) keep=1; shift ;;
    --withdraw-only) republish=""; shift ;;
    *) echo "bench/site.sh: unknown argument $1 (see the header of bench/site.sh)" >&2; exit 2 ;;
  esac
done
[ -n "$photos" ] || photos=$((stories < 1000 ? stories : 1000))
if [ "$photos" -gt "$stories" ]; then photos=$stories; fi
if [ "$stories" -lt 4 ]; then echo "bench/site.sh: --stories must be at least 4" >&2; exit 2; fi

# Not /tmp/storyguard-*: a withdrawal removes such folders when their
# stage/ holds the story (publish.CleanLegacyWork), this one included.
work=$(mktemp -d "${TMPDIR:-/tmp}/sgbench-site.XXXXXX")
gw_pid=""
cleanup() {
  if [ -n "$gw_pid" ]; then kill "$gw_pid" 2>/dev/null || true; wait "$gw_pid" 2>/dev/null || true; fi
  if [ -n "$keep" ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
cache=${STORYGUARD_BENCH_CACHE:-$HOME/.cache/storyguard-bench}/phone
mkdir -p "$cache" "$work/bin"
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# bench/site.sh: $stories stories, $photos phone photos; $(nproc) cores, $(go version | cut -d' ' -f3), load $(load), $(date -u +%Y-%m-%dT%H:%MZ)"

echo "building storyguard, gencorpus, sitetimer, mediagen, hugo..."
go build -o "$work/bin/storyguard" ./cmd/storyguard
go build -o "$work/bin/gencorpus" ./tools/testgen/gencorpus
go build -o "$work/bin/sitetimer" ./bench/sitetimer
go build -o "$work/bin/mediagen" ./tools/testgen/fixture/mediagen
hugo=$(go tool -n hugo)
sg=$work/bin/storyguard
timer=$work/bin/sitetimer

# Phone photos: one more than needed, the replacement of the photo-change
# step. Kept in the cache for the next run.
t=$(date +%s)
"$work/bin/mediagen" -phone -n $((photos + 1)) -out "$cache"
echo "photos: $((photos + 1)) in $cache ($(du -sh "$cache" | cut -f1); $(( $(date +%s) - t )) s to make the missing ones)"

# The site: the repository's own, its demo stories replaced by the corpus.
site=$work/site vault=$work/vault
mkdir -p "$site"
cp -r config.toml themes static archetypes content "$site/"
find "$site/content/stories" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
"$work/bin/gencorpus" -dir "$site" -stories-only -n "$stories" -seed 1 \
  -vault "$vault" -photos "$cache" -photo-count "$photos"
# The site's own pages (home, advocacy, partners) place the demo vault's
# organisation photos (m-9101...): their originals come along, or check
# stops the first publish with media-missing.
cp -n examples/vault/media/* "$vault/media/"
echo "site: $(find "$site/content" -name '*.md' | wc -l) content files, $(du -sh "$site/content" | cut -f1); vault media $(du -sh "$vault/media" | cut -f1)"

# The embedded store, on a free loopback port, for the whole run.
export AWS_ACCESS_KEY_ID=sgbench$RANDOM AWS_SECRET_ACCESS_KEY=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
"$sg" store serve --dir "$work/store" --addr 127.0.0.1:0 --bucket storyguard >"$work/store.log" 2>&1 &
gw_pid=$!
for _ in $(seq 200); do
  grep -q '^storyguard-store-ready ' "$work/store.log" 2>/dev/null && break
  sleep 0.1
done
endpoint=$(sed -n 's/^storyguard-store-ready //p' "$work/store.log")
[ -n "$endpoint" ] || { echo "bench/site.sh: the store did not start:" >&2; cat "$work/store.log" >&2; exit 1; }
export STORYGUARD_ENDPOINT=$endpoint STORYGUARD_BUCKET=storyguard
unset STORYGUARD_VAULT STORYGUARD_AGE_IDENTITY_FILE
keyed=(--root "$site" --vault "$vault" --identity-file "$vault/identity.txt")
common=("${keyed[@]}" --now 2026-11-29)
# approve STORY: the storyteller approves again (untimed), as after any edit.
approve() {
  "$sg" approve "$1" "${keyed[@]}" --date 2026-11-29 >"$work/approve.log" 2>&1 ||
    { echo "bench/site.sh: approve $1 failed:" >&2; cat "$work/approve.log" >&2; exit 1; }
}
echo "store: $endpoint"

results=$work/results.txt
: >"$results"
# timed LABEL [sitetimer flags --] CMD...: runs CMD under sitetimer, its
# output (step lines, timings) into LABEL.log, and appends the result line.
timed() {
  local label=$1; shift
  local l
  l=$(load)
  if ! "$timer" -label "$label" "$@" >"$work/$label.log" 2>&1; then
    echo "bench/site.sh: $label failed:" >&2; grep -v '^purge ' "$work/$label.log" | tail -20 >&2; exit 1
  fi
  local line
  line=$(tail -1 "$work/$label.log")
  # A command that did not exit 0 did not do the work its time stands for
  # (withdraw exits 1 when its rebuild left pages out): stop, keep the logs.
  if ! grep -q ' exit=0' <<<"$line"; then
    keep=1
    echo "bench/site.sh: $label did not exit 0:" >&2; grep -v '^purge ' "$work/$label.log" | tail -30 >&2; exit 1
  fi
  echo "$line load=${l// /,}" >>"$results"
  echo "$label: $(grep -o 'wall_ms=[0-9]*' <<<"$line" | cut -d= -f2) ms, load $l"
  grep '^timing: ' "$work/$label.log" | sed 's/^/    /' || true
}
hugo_build() {
  rm -rf "$work/public"
  timed "hugo$1" -- "$hugo" build --quiet --source "$work/stage" --destination "$work/public" \
    --environment production --buildDrafts=false --buildFuture=false --buildExpired=false
}
publish() {
  local label=$1; shift
  local env=()
  if [ -n "$profile" ] && [ "$label" = noop ]; then rm -f "$work/$label.pprof"; env=(env STORYGUARD_CPUPROFILE="$work/$label.pprof"); fi
  timed "$label" -- ${env[@]+"${env[@]}"} "$sg" publish "${common[@]}" --timings "$@"
}

# 1. First publish; its stage is what every hugo build below builds.
publish first --keep-work
kept=$(sed -n 's/^work folder kept until the next run: //p' "$work/first.log")
cp -r "$kept/stage" "$work/stage"
# The next run would remove the kept folder as stale, in its lease step;
# remove it here, untimed, so the no-op republish does not pay for it.
rm -rf "$kept"
hugo_build 1

if [ -n "$republish" ]; then
# 2. No-op republish.
publish noop
hugo_build 2

# 3. One story's text changed (and approved again, untimed, as staff do).
printf '\nShe said it again a year later, to a full room.\n' >>"$site/content/stories/story-00001/index.md"
approve story-00001
publish text
hugo_build 3

# 4. One photo changed: another phone photo under the same media id, a new
# file (the old one is a hard link into the cache), approved again.
cp --remove-destination "$cache/photo-$(printf %04d "$photos").jpg" "$vault/media/m-00002.jpg"
approve story-00002
publish photo
hugo_build 4
fi

# 5. Withdrawal of story-00003, its pages and photo polled from outside.
env=()
if [ -n "$profile" ]; then rm -f "$work/withdraw.pprof"; env=(env STORYGUARD_CPUPROFILE="$work/withdraw.pprof"); fi
timed withdraw -base "$endpoint/storyguard/" \
  -page site/stories/story-00003/index.html -page site/es/stories/story-00003/index.html \
  -manifest "$site/data/media.json" -media m-00003 -- \
  ${env[@]+"${env[@]}"} "$sg" withdraw story-00003 --reason "storyteller request" "${common[@]}" --timings
hugo_build 5

# Summary: each operation as a ratio to the median hugo build of the run.
echo
echo "## summary ($stories stories, $photos phone photos; load at each command in $results)"
awk '
function val(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) + 0; return 0 }
$1 ~ /^hugo/ { h[++nh] = val("wall_ms"); hr = (val("maxrss_kib") > hr) ? val("maxrss_kib") : hr; next }
{ op[++no] = $1; ms[$1] = val("wall_ms"); rss[$1] = val("maxrss_kib"); line[$1] = $0 }
END {
  for (i = 1; i <= nh; i++) for (j = i + 1; j <= nh; j++) if (h[j] < h[i]) { t = h[i]; h[i] = h[j]; h[j] = t }
  med = (nh % 2) ? h[(nh + 1) / 2] : (h[nh / 2] + h[nh / 2 + 1]) / 2
  printf "hugo build: median %.2f s of %d (%.2f-%.2f s), peak %d MiB\n", med / 1000, nh, h[1] / 1000, h[nh] / 1000, hr / 1024
  budget["noop"] = "<= 0.1"; budget["text"] = "<= 1.2"; budget["withdraw"] = "<= 1.3"; budget["first"] = "reported"; budget["photo"] = "none set"
  printf "%-10s %9s %7s %10s %9s\n", "operation", "wall s", "x hugo", "budget", "peak MiB"
  for (i = 1; i <= no; i++) { o = op[i]; printf "%-10s %9.2f %7.2f %10s %9d\n", o, ms[o] / 1000, ms[o] / med, budget[o], rss[o] / 1024 }
  n = split(line["withdraw"], f, " ")
  worst = 0
  for (i = 1; i <= n; i++) if (f[i] == "gone") { split(f[i + 1], kv, "="); printf "time-to-gone %s: %d ms\n", kv[1], kv[2]; if (kv[2] + 0 > worst) worst = kv[2] + 0 }
  printf "time-to-gone, last of the story'\''s URLs: %.2f s (budget <= 1 s)\n", worst / 1000
}' "$results"

if [ -n "$profile" ]; then
  for p in noop withdraw; do
    echo
    echo "## pprof top, $p (CPU)"
    go tool pprof -top -nodecount 25 "$sg" "$work/$p.pprof" 2>/dev/null | sed -n '1,32p'
  done
fi
