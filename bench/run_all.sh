#!/usr/bin/env bash
# Run every benchmark one after another (never side by side: they would measure each other).
# Results go to bench/results/*.txt; docs/benchmarks.md quotes them. Each script prints the
# machine's load average as it starts and ends, and after each repeat.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
default_python=python3
[ -x ../.venv/bin/python ] && default_python=../.venv/bin/python
python=${PYTHON:-$default_python}
run() { local name=$1; shift; echo "== $name: $*"; "$python" "$@" 2>&1 | grep -v alembic | tee "results/$name.txt"; }
run throughput throughput.py --messages 2000 --repeats 5
run profile_send profile_send.py --messages 3000 --repeats 3
run latency latency.py --messages 1000 --repeats 5
run workers workers.py --messages 400 --repeats 5
run signup_latency signup_latency.py --signups 60 --runs 5
run scale scale.py --total 1000000 --due 100000 --samples 5 --repeats 20
