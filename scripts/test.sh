#!/usr/bin/env bash
# Runs every test. Needs only Go on the machine: installs the rest first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
export STORYGUARD_REQUIRE_TOOLS=1   # tests fail, never skip, when chromium, exiftool or axe-core is missing
go test -count=1 -timeout 60m ./...
