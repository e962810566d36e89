#!/usr/bin/env bash
# Installs everything the tests need on a machine that has only Go:
# Debian chromium (browser tests), exiftool (the independent metadata oracle),
# jpegtran and cjpeg from libjpeg-turbo-progs (the oracle for lossless JPEG
# transforms, and the maker of progressive and restart-marker fixtures),
# axe-core from npm (accessibility tests), PostgreSQL 15 (the story store's
# tests run against a throwaway cluster, scripts/pg-throwaway.sh), and
# Pagefind 1.6.0 from npm (the site search index that publish builds after
# Hugo; storyguard finds it at
# tools/site/search/node_modules/@pagefind/linux-x64/bin/pagefind_extended).
# (bench/run.sh installs hyperfine.)
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
command -v jpegtran >/dev/null 2>&1 || need+=(libjpeg-turbo-progs)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -f tools/site/testdata/axe/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tools/site/testdata/axe --no-audit --no-fund --loglevel=error
fi

if [ ! -x tools/site/search/node_modules/@pagefind/linux-x64/bin/pagefind_extended ]; then
  npm ci --prefix tools/site/search --no-audit --no-fund --loglevel=error
fi
