#!/usr/bin/env bash
# Everything Tandem's CI checks, from a fresh clone. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== Rust tests (domain, merge properties, server against a real loopback port)"
cargo test --workspace --quiet
