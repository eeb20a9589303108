#!/usr/bin/env bash
# Builds the web app and the server, then runs Tandem with a demo organisation on
# http://127.0.0.1:8080/ (database: ./tandem-data/tandem.db). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd pwa && npm install --no-save --no-audit --no-fund --loglevel=error && npm run build)
mkdir -p tandem-data
exec cargo run --release --quiet -p tandem-server -- --db tandem-data/tandem.db serve --demo "$@"
