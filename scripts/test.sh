#!/usr/bin/env bash
# The whole test suite, from a fresh clone: sets up Docker, mosquitto and the test image
# (scripts/setup.sh), installs the npm packages, then type-checks, builds and runs every
# unit, integration and end-to-end test, then the benchmarks' smoke run (`npm run bench --
# --quick`: every measurement once, briefly; figures are printed, no threshold is asserted).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm ci --no-audit --no-fund --loglevel=error
npm test
npm run bench -- --quick
