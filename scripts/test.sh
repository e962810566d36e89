#!/usr/bin/env bash
# Runs every test. Needs only Go on the machine: installs the rest first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
export STORYGUARD_REQUIRE_TOOLS=1   # tests fail, never skip, when chromium, exiftool or axe-core is missing
# The story store's tests run against SQLite and a throwaway PostgreSQL.
if [ -z "${STORYGUARD_TEST_DATABASE_URL:-}" ]; then
  pgdir=$(mktemp -d /tmp/storyguard-pg.XXXXXX)
  trap 'bash scripts/pg-throwaway.sh stop "$pgdir"' EXIT
  STORYGUARD_TEST_DATABASE_URL=$(bash scripts/pg-throwaway.sh start "$pgdir")
  export STORYGUARD_TEST_DATABASE_URL STORYGUARD_TEST_PGDATA="$pgdir/data"
fi
go test -count=1 -timeout 60m ./...
