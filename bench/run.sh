#!/usr/bin/env bash
# The benchmark in one command: builds the release binaries, installs Frictionless
# into bench/.venv, then hands over to bench/harness.py, which makes the registers
# (cached in bench/data/), runs crmsheet validate, the floor and Frictionless
# alternately under /usr/bin/time -v and writes bench/RESULTS.md.
#
#   bench/run.sh [--sizes 10000,100000,1048575] [--runs 3] [--smoke]
#                [--skip-frictionless-above N] [--frictionless-timeout SECONDS]
#
# bench/run.sh --help lists every option. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

for arg in "$@"; do
  case "$arg" in
    -h|--help) exec python3 bench/harness.py --help ;;
  esac
done

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing GNU time (/usr/bin/time)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends time >/dev/null
  else
    echo "bench: error: GNU time is missing at /usr/bin/time (Debian: apt-get install time)" >&2
    exit 2
  fi
fi

echo "bench: cargo build --release (crmsheet and the bench examples)"
cargo build --release --quiet --bins --examples

# Frictionless, in a venv of its own; reinstalled only when missing.
venv=bench/.venv
if [ ! -x "$venv/bin/frictionless" ]; then
  echo "bench: installing Frictionless into $venv"
  mkdir -p bench/data/logs
  log=bench/data/logs/pip.log
  # A failed install leaves no half-made venv behind, so the next run tries again.
  fail() {
    rm -rf "$venv"
    echo "bench: error: $1 (details in $log)" >&2
    exit 2
  }
  python3 -m venv "$venv" >"$log" 2>&1 \
    || fail "cannot create a Python venv in $venv (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >>"$log" 2>&1 \
    || fail "pip cannot reach PyPI to install Frictionless into $venv (no network?)"
  # The excel extra brings openpyxl, which Frictionless reads xlsx with.
  "$venv/bin/python" -m pip install --quiet 'frictionless[excel]>=5,<6' >>"$log" 2>&1 \
    || fail "pip could not install Frictionless into $venv (no network, or PyPI unreachable?)"
  [ -x "$venv/bin/frictionless" ] || fail "pip installed no frictionless command into $venv"
fi

exec python3 bench/harness.py "$@"
