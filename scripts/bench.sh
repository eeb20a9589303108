#!/usr/bin/env bash
# Builds the release binaries and rewrites benchmarks/RESULTS.md (about 10–15 minutes on 2 cores;
# the first run also installs pouchdb-server from npm into benchmarks/peer/). The PostgreSQL rows
# run on a throwaway local cluster (scripts/postgres.sh), started and removed here.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p tandem-server -p tandem-bench
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
pg_start
./target/release/tandem-bench --tandem target/release/tandem --out benchmarks/RESULTS.md --postgres "$TANDEM_TEST_POSTGRES" "$@"
