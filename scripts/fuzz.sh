#!/usr/bin/env bash
# Fuzzes the push decoder and the merge for a bounded time: ./scripts/fuzz.sh [seconds] (default 60).
# Needs a nightly toolchain (cargo-fuzz's sanitizer flags); installs cargo-fuzz when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
toolchain=+nightly
if ! cargo +nightly --version >/dev/null 2>&1; then
  # No nightly here: let stable accept the nightly-only flags cargo-fuzz passes.
  toolchain=""
  export RUSTC_BOOTSTRAP=1
fi
mkdir -p fuzz/corpus/push_and_merge
# New inputs go to fuzz/corpus (ignored by git); the checked-in seeds are read only.
# No AddressSanitizer: tandem-shared forbids unsafe code, so it would only slow the build and
# the runs; libFuzzer's coverage guidance and the target's assertions do the work.
# grep only hides libFuzzer's progress lines; the exit status is the fuzzer's (a failure fails).
set +e
cargo $toolchain fuzz run --sanitizer none push_and_merge fuzz/corpus/push_and_merge fuzz/seeds/push_and_merge -- \
  -max_total_time="$seconds" -dict=fuzz/push.dict -max_len=8192 -print_final_stats=1 2>&1 \
  | grep -E "^(stat::|#[0-9]+ +DONE|==[0-9]+==|SUMMARY|Done|thread|panicked|artifact)|assert"
status=${PIPESTATUS[0]}
set -e
exit "$status"
