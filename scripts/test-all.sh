#!/usr/bin/env bash
# Everything Tandem's CI checks, from a fresh clone. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage prints the minutes so far, so a slow stage shows up in CI logs.
stage() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$1"; }

# Chromium runs the browser tests; sqlite3 lets one of them age a stored alert (no clock to move).
if [ ! -x /usr/bin/chromium ] || ! command -v sqlite3 >/dev/null; then
  stage "installing Debian's Chromium and sqlite3 for the browser tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium sqlite3 >/dev/null
  else
    echo "Chromium or sqlite3 is missing and this is not root: run 'sudo apt-get install -y chromium sqlite3' first." >&2
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

stage "clippy's lints and the Rust build (the workspace's tests and the \`tandem\` binary)"
# Every cargo command selects the whole workspace: selecting one package unifies dependencies'
# features differently and would compile much of the tree again (about 3 minutes on 2 cores).
linted cargo test --workspace --quiet --no-run

# Jobs run beside others write to $side and are printed when waited for.
side=$(mktemp -d)
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
# Prints what job $1 (named $2) wrote, and fails if it did.
finished() {
  local status=0
  wait "$1" || status=$?
  echo "-- $2:"
  cat "$side/$2.txt"
  if [ "$status" != 0 ]; then
    # The throwaway cluster's own log goes with it at exit: what it said is shown here first.
    if [ "$2" = postgres ] && [ -f "${PG_DIR:-}/log" ]; then
      echo "-- the PostgreSQL server's log, its last 100 lines:"
      tail -n 100 "$PG_DIR/log"
    fi
    echo "$2 failed (exit $status)" >&2
    exit "$status"
  fi
}

stage "Rust tests on SQLite and, at the same time, on PostgreSQL (domain, merge properties, the server on a real loopback port, two replicas on one database, crash and fault tests)"
# The two runs mostly wait (on sign-ins, fsyncs, the servers they start), each keeping about
# one core busy, so side by side they take 106 s against 149 s one after the other. Without
# TANDEM_TEST_POSTGRES, tandem-tests run on SQLite and skip nothing but the two_replicas_*
# tests, which need PostgreSQL; with it, the same tests run on a throwaway cluster. The other
# crates' tests (seconds) run in both. Linted as the build was, so nothing is compiled again.
pg_start
# Set after pg_start, which sets an exit trap of its own: this one stops the cluster too.
trap 'kill $(jobs -p) 2>/dev/null || true; pg_stop; rm -rf "$side"' EXIT
(unset TANDEM_TEST_POSTGRES TANDEM_TEST_POSTGRES_CA
  linted cargo test --workspace --quiet -- --skip two_replicas) >"$side/sqlite.txt" 2>&1 &
sqlite=$!
linted cargo test --workspace --quiet >"$side/postgres.txt" 2>&1 &
postgres=$!
finished "$sqlite" sqlite
finished "$postgres" postgres
pg_stop

stage "web app unit tests (outbox, retry, pull)"
(cd pwa && npm test --silent)

# The browser tests mostly wait (for pages, timers, the server), leaving a core idle much of
# the time: two test files run at once (each with its own server and Chromium), and
# schemathesis and the fuzzer (its build, then 30 seconds) run beside them. The browser tests
# are written to pass with both cores busy (stress-ng); the two side jobs print what they found
# once the browser tests are done.
./scripts/schemathesis.sh >"$side/schemathesis.txt" 2>&1 &
schemathesis=$!
./scripts/fuzz.sh 30 >"$side/fuzz.txt" 2>&1 &
fuzz=$!

stage "browser tests in Chromium against the real server (schemathesis and the fuzzer beside them)"
(cd pwa && npm run --silent test:browser)

stage "schemathesis against the running server's OpenAPI document (ran beside the browser tests)"
finished "$schemathesis" schemathesis

stage "fuzzing the push decoder and the merge (30 seconds, beside the browser tests; ./scripts/reliability.sh runs longer)"
finished "$fuzz" fuzz

stage "all passed"
