#!/usr/bin/env bash
# Run every benchmark one after another (never side by side: they would measure each other).
# Results go to bench/results/*.txt; docs/benchmarks.md quotes them.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
python=${PYTHON:-python3}
run() { local name=$1; shift; echo "== $name: $*"; "$python" "$@" 2>&1 | grep -v alembic | tee "results/$name.txt"; }
run throughput throughput.py --messages 2000 --repeats 5
run latency latency.py --messages 1000 --repeats 3
run workers workers.py --messages 400 --repeats 3
run signup_latency signup_latency.py --signups 60
run scale scale.py --total 1000000 --due 100000 --repeats 20
