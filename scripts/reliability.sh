#!/usr/bin/env bash
# The crash test (50 SIGKILL cycles under load), every fault test, and the fuzzer, against
# release builds; prints every figure. About 5 minutes on 2 cores once built.
#   ./scripts/reliability.sh [--cycles N] [--no-crash]     FUZZ_SECONDS=300 by default
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p tandem-server -p tandem-bench
./target/release/tandem-reliability --tandem target/release/tandem "$@"
echo "== fuzzing the push decoder and the merge for ${FUZZ_SECONDS:-300} seconds"
./scripts/fuzz.sh "${FUZZ_SECONDS:-300}"
