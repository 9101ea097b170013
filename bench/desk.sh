#!/usr/bin/env bash
# The desk's benchmark: builds the release binary and bench_make, then runs
# bench/desk.py (2,000-row self-check against the CLI, 50 concurrent uploads) and
# appends the figures to bench/RESULTS.md.
#
#   bench/desk.sh [--rows 2000] [--runs 7] [--clients 50]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "bench: cargo build --release (crmsheet and bench_make)"
cargo build --release --quiet --bin crmsheet --example bench_make
exec python3 bench/desk.py "$@"
