#!/usr/bin/env bash
# Everything Tandem's CI checks, from a fresh clone. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage prints the minutes so far, so a slow stage shows up in CI logs.
stage() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$1"; }

if [ ! -x /usr/bin/chromium ]; then
  stage "installing Debian's Chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing and this is not root: run 'sudo apt-get install -y chromium' first." >&2
    exit 1
  fi
fi

# `npm install --no-save` follows package-lock.json; `npm ci` refuses here because the registry
# mirror lacks metadata for rollup's optional packages for other platforms.
stage "web app: install, type-check, build (prints first-load JavaScript size)"
(cd pwa && npm install --no-save --no-audit --no-fund --loglevel=error && npm run build)

stage "format"
cargo fmt --all --check

# Clippy's lints run inside the test build: clippy-driver compiles the workspace's own crates
# (libraries, binaries, tests and their cfg(test) code, as `cargo clippy --all-targets` checks)
# and fails on any warning, while dependencies are compiled once, by rustc, for the tests. A
# separate `cargo clippy` compiled everything a second time: from a fresh clone, clippy and the
# test build took 610 s, the linted test build 514 s (benchmarks/NOTES.md, 2026-12-02).
# (CLIPPY_ARGS is how cargo-clippy itself passes `-D warnings`.)
linted() { RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-Dwarnings "$@"; }

stage "clippy and Rust tests on SQLite (domain, merge properties, the server on a real loopback port, crash and fault tests)"
# Tests named two_replicas_* need PostgreSQL; they run in the next stage. This also builds the
# `tandem` binary the later stages run (the server's own tests need it). Every cargo command
# below selects the whole workspace: selecting one package unifies dependencies' features
# differently and would compile much of the tree again (about 3 minutes on a 2-core machine).
linted cargo test --workspace --quiet -- --skip two_replicas

stage "the same server tests on PostgreSQL, and two replicas on one database (a throwaway cluster)"
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
pg_start
# tandem-tests reads TANDEM_TEST_POSTGRES; the other crates' tests (seconds) run again on SQLite.
# Linted as before, so nothing is compiled again.
linted cargo test --workspace --quiet
pg_stop

stage "web app unit tests (outbox, retry, pull)"
(cd pwa && npm test --silent)

# The browser tests mostly wait (for pages, timers, the server), leaving a core idle much of
# the time: two test files run at once (each with its own server and Chromium), and
# schemathesis and the fuzzer (its build, then 30 seconds) run beside them. The browser tests
# are written to pass with both cores busy (stress-ng); the two side jobs print what they found
# once the browser tests are done.
side=$(mktemp -d)
./scripts/schemathesis.sh >"$side/schemathesis.txt" 2>&1 &
schemathesis=$!
./scripts/fuzz.sh 30 >"$side/fuzz.txt" 2>&1 &
fuzz=$!
trap 'kill $schemathesis $fuzz 2>/dev/null || true; rm -rf "$side"' EXIT
# Prints what job $1 (named $2) wrote, and fails if it did.
finished() {
  local status=0
  wait "$1" || status=$?
  cat "$side/$2.txt"
  [ "$status" = 0 ] || { echo "$2 failed (exit $status)" >&2; exit "$status"; }
}

stage "browser tests in Chromium against the real server (schemathesis and the fuzzer beside them)"
(cd pwa && npm run --silent test:browser)

stage "schemathesis against the running server's OpenAPI document (ran beside the browser tests)"
finished "$schemathesis" schemathesis

stage "fuzzing the push decoder and the merge (30 seconds, beside the browser tests; ./scripts/reliability.sh runs longer)"
finished "$fuzz" fuzz

stage "all passed"
