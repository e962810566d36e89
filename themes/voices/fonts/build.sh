#!/usr/bin/env bash
# Rebuilds static/fonts/ from @fontsource/atkinson-hyperlegible, at the exact
# version pinned in package.json (npm checks the tarball's integrity).
#
# What it does to the files: it drops the TrueType hinting instructions
# (fpgm, prep, cvt, glyph programs), about 40% of each file, which current
# browsers on every platform render well without; and it keeps in the
# latin files only the characters of $LATIN below (Fontsource's latin
# range less rare spaces, arrows, symbols and combining marks; main.css declares the same
# unicode-range, so a page needing any other character draws it in the
# fallback face). Kerning and the other OpenType features stay; latin-ext
# keeps all its characters. As shipped, the two files a page needs (latin
# 400 and 700) weigh 34.7 KB and alone break the theme's 30 KB first-load
# budget (tools/site TestStoryPageBudget); after this, 20.4 KB.
#
# Needs npm and pyftsubset (Debian: apt-get install fonttools python3-brotli;
# built with fonttools 4.38.0). Run from anywhere: bash themes/voices/fonts/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../static/fonts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="$(sed -n 's/.*"@fontsource\/atkinson-hyperlegible": "\(.*\)".*/\1/p' "$here/package.json")"
(cd "$work" && npm pack --silent "@fontsource/atkinson-hyperlegible@$version" >/dev/null && tar xzf fontsource-atkinson-hyperlegible-"$version".tgz)
LATIN="U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+2013-2014,U+2018-201A,U+201C-201E,U+2020-2022,U+2026,U+2030,U+2032-2033,U+2039-203A,U+2044,U+20AC,U+2122,U+2212"
mkdir -p "$out"
for subset in latin latin-ext; do
  unicodes='*'
  [ "$subset" = latin ] && unicodes="$LATIN"
  for weight in 400 700; do
    f="atkinson-hyperlegible-$subset-$weight-normal.woff2"
    pyftsubset "$work/package/files/$f" --unicodes="$unicodes" --layout-features='*' \
      --name-IDs='*' --name-languages='*' --notdef-outline --no-hinting --flavor=woff2 \
      --output-file="$out/$f"
  done
done
cp "$work/package/LICENSE" "$out/OFL.txt"
ls -l "$out"
