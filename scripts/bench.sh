#!/usr/bin/env bash
# Builds the release binaries and rewrites benchmarks/RESULTS.md (about 5–10 minutes on 2 cores;
# the first run also installs pouchdb-server from npm into benchmarks/peer/).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p tandem-server -p tandem-bench
exec ./target/release/tandem-bench --tandem target/release/tandem --out benchmarks/RESULTS.md "$@"
