#!/usr/bin/env bash
# One review decision on a large register, in one command: builds the release
# binaries, then bench/review.py makes the register (cached in bench/data/),
# times `crmsheet review --approve` of one row --runs times under
# /usr/bin/time -v and writes the review section of bench/RESULTS.md.
#
#   bench/review.sh [--rows 100000] [--runs 5] [--crmsheet PATH] [--label TEXT]
#
# See bench/README.md, "One review decision".
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
  echo "bench: error: GNU time is missing at /usr/bin/time (Debian: apt-get install time)" >&2
  exit 2
fi
echo "bench: cargo build --release (crmsheet and bench_make)"
cargo build --release --quiet --bin crmsheet --example bench_make
exec python3 bench/review.py "$@"
