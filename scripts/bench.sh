#!/usr/bin/env bash
# Builds the release binaries and rewrites benchmarks/RESULTS.md (about 5 minutes on 2 cores; the
# first run also installs the peers from npm into benchmarks/peer/, about 4 minutes more). The PostgreSQL rows run
# on a throwaway local cluster (scripts/postgres.sh), started and removed here; the phone side
# runs the web app in headless Chromium against the release server and adds its section.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing (the phone side needs it) and this is not root: run 'sudo apt-get install -y chromium' first." >&2
    exit 1
  fi
fi
(cd pwa && npm install --no-save --no-audit --no-fund --loglevel=error && npm run --silent build >/dev/null)
cargo build --release --quiet -p tandem-server -p tandem-bench
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
pg_start
./target/release/tandem-bench --tandem target/release/tandem --out benchmarks/RESULTS.md --postgres "$TANDEM_TEST_POSTGRES" "$@"
pg_stop
TANDEM_BIN="$PWD/target/release/tandem" node pwa/bench/phone.mjs >>benchmarks/RESULTS.md
