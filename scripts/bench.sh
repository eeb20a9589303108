#!/usr/bin/env bash
# Builds the release binaries and rewrites benchmarks/RESULTS.md (about 15 minutes on 2 cores;
# the first run also installs the peers from npm into benchmarks/peer/). The PostgreSQL rows run
# on a throwaway local cluster (scripts/postgres.sh), started and removed here; the phone side
# runs the web app in headless Chromium against the release server and adds its section.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd pwa && npm install --no-save --no-audit --no-fund --loglevel=error && npm run --silent build >/dev/null)
cargo build --release --quiet -p tandem-server -p tandem-bench
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
pg_start
./target/release/tandem-bench --tandem target/release/tandem --out benchmarks/RESULTS.md --postgres "$TANDEM_TEST_POSTGRES" "$@"
pg_stop
TANDEM_BIN="$PWD/target/release/tandem" node pwa/bench/phone.mjs >>benchmarks/RESULTS.md
