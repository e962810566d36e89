#!/usr/bin/env bash
# Real-photo sweep (bench/realphotos.md): scrubs every JPEG, PNG and WebP
# of some public test-image repositories with `storyguard media scrub`,
# one file per run, checks each output with `storyguard media verify`,
# exiftool and a pixel comparison (bench/realphotos_cmp.go), and groups
# the embedded ICC profiles by SHA-256. Prints counts only.
#
# The photos are real: they can carry names, GPS positions and serial
# numbers. They stay in WORK (default /tmp/realphotos), never in the repo.
#
#   bash bench/realphotos.sh /work/.mirror/drewnoakes+metadata-extractor-images/repo ...
#
# Each argument is a bare git directory (a clone or a fetched mirror); its
# HEAD is read with git ls-tree and git cat-file. Needs exiftool, djpeg
# (libjpeg-turbo-progs), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${WORK:-/tmp/realphotos}
rm -rf "$work"
mkdir -p "$work/in" "$work/out" "$work/icc"
go build -o "$work/storyguard" ./cmd/storyguard
sg=$work/storyguard

# 1. Extract: in/<repo>/<n>.<ext>, and map.tsv "file<TAB>repo<TAB>commit<TAB>path".
: >"$work/map.tsv"
absent=0
for g in "$@"; do
  r=$(basename "$(dirname "$g")")
  [ "$r" = . ] && r=$(basename "$g")
  c=$(git --git-dir="$g" rev-parse HEAD)
  mkdir -p "$work/in/$r" "$work/out/$r"
  i=0
  while IFS=$'\t' read -r meta path; do
    i=$((i + 1))
    set -- $meta
    ext=$(echo "${path##*.}" | tr A-Z a-z)
    [ "$ext" = jpeg ] && ext=jpg
    f=$work/in/$r/$(printf %04d $i).$ext
    # Large blobs may be absent from a mirror: count them and go on.
    if ! git --git-dir="$g" cat-file blob "$3" >"$f" 2>/dev/null || [ ! -s "$f" ]; then
      rm -f "$f"; absent=$((absent + 1)); continue
    fi
    printf '%s\t%s\t%s\t%s\n' "$f" "$r" "$c" "$path" >>"$work/map.tsv"
  done < <(git --git-dir="$g" ls-tree -r -l HEAD | grep -iE '\.(jpe?g|png|webp)$')
done
echo "files: $(wc -l <"$work/map.tsv") (absent from the mirrors: $absent)"

# 2. ICC profiles as embedded, by SHA-256.
: >"$work/icc/index.tsv"
while IFS=$'\t' read -r f _; do
  exiftool -q -q -icc_profile -b "$f" >"$work/icc/tmp" 2>/dev/null || true
  if [ -s "$work/icc/tmp" ]; then
    s=$(sha256sum <"$work/icc/tmp" | cut -c1-64)
    cp "$work/icc/tmp" "$work/icc/$s.icc"
    printf '%s\t%s\n' "$s" "$f" >>"$work/icc/index.tsv"
  fi
done <"$work/map.tsv"
rm -f "$work/icc/tmp"

# 3. Scrub each file on its own (a refusal does not stop the others), then
#    verify each output.
: >"$work/scrub.tsv"
while IFS=$'\t' read -r f r _; do
  set +e
  o=$(timeout 120 "$sg" media scrub "$f" --out "$work/out/$r" 2>&1)
  rc=$?
  set -e
  printf '%s\t%s\t%s\n' "$f" "$rc" "$(echo "$o" | tr '\n' ' ')" >>"$work/scrub.tsv"
done <"$work/map.tsv"
: >"$work/verify.tsv"
for o in "$work"/out/*/*; do
  set +e
  v=$("$sg" media verify "$o" 2>&1)
  rc=$?
  set -e
  printf '%s\t%s\t%s\n' "$o" "$rc" "$(echo "$v" | tr '\n' ' ')" >>"$work/verify.tsv"
done

# 4. exiftool on the outputs, and the inputs' EXIF orientation.
exiftool -q -q -a -G1 -s -r "$work/out" >"$work/exiftool-out.txt" 2>/dev/null || true
awk -F'\t' '$2==0{print $1}' "$work/scrub.tsv" >"$work/passed.txt"
exiftool -q -q -csv -G1 -n -IFD0:Orientation -XMP-tiff:Orientation -@ "$work/passed.txt" >"$work/orient.csv" 2>/dev/null || true

# 5. Pixels: input (oriented as Scrub reports) against output; lossless
#    outputs also against jpegtran -perfect.
python3 - "$work" <<'EOF'
import csv, sys
w = sys.argv[1]
rows = {r['SourceFile']: r for r in csv.DictReader(open(f'{w}/orient.csv'))}
with open(f'{w}/pairs.tsv', 'w') as out:
    for line in open(f'{w}/scrub.tsv'):
        f, rc, msg = line.rstrip('\n').split('\t')
        if rc != '0':
            continue
        how = msg.split('orientation ')[1].split(';')[0]
        o = rows.get(f, {}).get('IFD0:Orientation', '') if how != 'none' else '1'
        out.write(f"{f}\t{msg.split(' -> ')[1].split(': ')[0]}\t{o or 1}\t{how}\n")
EOF
cut -f1-3 "$work/pairs.tsv" | go run ./bench/realphotos_cmp.go >"$work/pixels.tsv"
declare -A tr=([2]="-flip horizontal" [3]="-rotate 180" [4]="-flip vertical" [5]="-transpose" [6]="-rotate 90" [7]="-transverse" [8]="-rotate 270")
: >"$work/jpegtran-pairs.tsv"
mkdir -p "$work/jpegtran"
n=0
while IFS=$'\t' read -r f o ori how; do
  [ "$how" = lossless ] || continue
  n=$((n + 1))
  jpegtran -copy none -perfect ${tr[$ori]} "$f" >"$work/jpegtran/$n.jpg"
  printf '%s\t%s\t1\n' "$work/jpegtran/$n.jpg" "$o" >>"$work/jpegtran-pairs.tsv"
done <"$work/pairs.tsv"
go run ./bench/realphotos_cmp.go <"$work/jpegtran-pairs.tsv" >"$work/jpegtran-pixels.tsv"

# 6. Summary: counts only, no file names or metadata values.
python3 - "$work" <<'EOF'
import collections, re, subprocess, sys
w = sys.argv[1]
C = collections.Counter
scrub = [l.rstrip('\n').split('\t') for l in open(f'{w}/scrub.tsv')]
path = {l.split('\t')[0]: l.rstrip('\n').split('\t')[3] for l in open(f'{w}/map.tsv')}
print(f"scrubbed and verified: {sum(r[1] == '0' for r in scrub)} of {len(scrub)}; exit 1: {sum(r[1] == '1' for r in scrub)}; other exit: {sum(r[1] not in '01' for r in scrub)}")
suite = lambda f: 'test suite' if re.search(r'ImageTestSuite|PngSuite', path[f]) else 'other'
ref = C()
for f, rc, msg in scrub:
    if rc != '0':
        m = re.sub(r'^.*?FAILED: ', '', msg).split(' storyguard: error')[0].strip()
        m = re.sub(r'0x[0-9A-F]{2}|\d+', 'N', m)[:110]
        ref[(suite(f), m)] += 1
print('refusals (source, message with numbers as N):')
for (s, m), n in sorted(ref.items(), key=lambda x: -x[1]):
    print(f'  {n:4d}  {s:10s}  {m}')
verify = [l.rstrip('\n').split('\t') for l in open(f'{w}/verify.tsv')]
print(f"verify: {sum(r[1] == '0' for r in verify)} clean of {len(verify)} outputs")
print('orientation:', dict(C(m.split('orientation ')[1].split(';')[0] for f, rc, m in scrub if rc == '0')))
icc = C()
kept = {}
for l in open(f'{w}/icc/index.tsv'):
    s, f = l.rstrip('\n').split('\t')
    kept[f] = s
for f, rc, m in scrub:
    if rc == '0' and f in kept:
        s = kept[f]
        d = subprocess.run(['exiftool', '-q', '-s3', '-ProfileDescription', f'{w}/icc/{s}.icc'], capture_output=True, text=True).stdout.strip()
        icc[(m.split('icc ')[1].split(';')[0], s[:8], d[:40])] += 1
print('icc (outcome, digest, description): count')
for k, n in sorted(icc.items()):
    print(f'  {n:4d}  {k[0]:16s} {k[1]}  {k[2]}')
allowed = {'System', 'ExifTool', 'File', 'Composite', 'JFIF', 'ICC_Profile', 'ICC-header', 'ICC-view', 'ICC-meas', 'ICC-chrm'}
tags = C()
for l in open(f'{w}/exiftool-out.txt'):
    m = re.match(r'^\[([^\]]+)\]\s+(\S+)', l)
    if m and m.group(1) not in allowed:
        tags[f'{m.group(1)}:{m.group(2)}'] += 1
print('exiftool groups beyond File/JFIF/ICC/Composite in outputs:', dict(tags))
how = {l.split('\t')[0]: l.rstrip('\n').split('\t')[3] for l in open(f'{w}/pairs.tsv')}
px = C()
for l in open(f'{w}/pixels.tsv'):
    f, st, d = l.rstrip('\n').split('\t')
    if st != 'ok':
        px[(how[f], st)] += 1
        continue
    mx = int(d.split()[1])
    px[(how[f], 'identical' if mx == 0 else 'max<=3' if mx <= 3 else 'max>3')] += 1
print('pixels vs oriented input (orientation handling, result):', dict(px))
jt = C('identical' if l.split('\t')[2].startswith('max 0 ') else l.split('\t')[1] for l in open(f'{w}/jpegtran-pixels.tsv'))
print('lossless outputs vs jpegtran -perfect:', dict(jt))
EOF
