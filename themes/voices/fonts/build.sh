#!/usr/bin/env bash
# Rebuilds static/fonts/ from @fontsource/atkinson-hyperlegible, at the exact
# version pinned in package.json (npm checks the tarball's integrity).
#
# What it does to the files: nothing but drop the TrueType hinting
# instructions (fpgm, prep, cvt, glyph programs), which are about 40% of
# each file and which current browsers on every platform render well
# without; every glyph, the kerning and the other OpenType features stay.
# Without it, the two weights a page needs (latin 400 and 700) weigh
# 34.7 KB and alone break the theme's 30 KB first-load budget
# (tools/site TestStoryPageBudget); after it, 21.5 KB.
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
mkdir -p "$out"
for subset in latin latin-ext; do
  for weight in 400 700; do
    f="atkinson-hyperlegible-$subset-$weight-normal.woff2"
    pyftsubset "$work/package/files/$f" --unicodes='*' --glyphs='*' --layout-features='*' \
      --name-IDs='*' --name-languages='*' --notdef-outline --no-hinting --flavor=woff2 \
      --output-file="$out/$f"
  done
done
cp "$work/package/LICENSE" "$out/OFL.txt"
ls -l "$out"
