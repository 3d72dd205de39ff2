#!/usr/bin/env bash
# `make bench`: the key pages' p50/p95 and SQL queries over HTTP, at ward and at province scale, each with a
# reference page measured in the same run (bench/pages.py), into bench/results.json.
#
#   make bench                          # ward, then province
#   BENCH_SCALES=ward make bench        # the ward alone (the province takes minutes to seed)
#
# Each scale has a database of its own (BENCH_SERVER, default postgres://postgres@127.0.0.1:5432, databases
# phuthang_bench_ward and phuthang_bench_province), created, migrated and seeded when it holds no cells
# (seed_demo --scale 1 / --scale 240), then served by gunicorn with production settings (DEBUG off, a real
# secret, gunicorn.conf.py) and PHUTHANG_BENCH=1, which adds the X-Queries header.
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER=${BENCH_SERVER:-postgres://postgres@127.0.0.1:5432}
SCALES=${BENCH_SCALES:-ward province}
REQUESTS=${BENCH_REQUESTS:-30}
SECONDS_A_PAGE=${BENCH_SECONDS:-8}
PORT=${BENCH_PORT:-8791}
OUT=${BENCH_OUT:-bench/out}
PY=.venv/bin/python
mkdir -p "$OUT"

unset PHUTHANG_TESTING
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost PHUTHANG_BENCH=1
export SECRET_KEY=${SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')}

for scale in $SCALES; do
	case $scale in ward) factor=1 ;; province) factor=240 ;; *) echo "unknown scale $scale" >&2; exit 2 ;; esac
	db=phuthang_bench_$scale
	psql "$SERVER/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
		|| psql "$SERVER/postgres" -qc "CREATE DATABASE $db"
	export DATABASE_URL=$SERVER/$db DATABASE_OWNER_URL=$SERVER/$db
	$PY manage.py migrate --noinput -v 0
	cells=$($PY manage.py shell --no-imports -v 0 -c 'from cells.models import Cell; print(Cell.objects.count())')
	if [ "$cells" = 0 ]; then
		echo "seeding $scale (seed_demo --scale $factor)…"
		start=$(date +%s)
		DEBUG=1 $PY manage.py seed_demo --scale "$factor" --force >/dev/null
		echo "seeded in $(( $(date +%s) - start )) s"
	fi
	DEBUG=1 $PY manage.py shell -v 0 -c "exec(open('bench/prepare.py').read())"
	$PY manage.py collectstatic --noinput -v 0
	GUNICORN_BIND=127.0.0.1:$PORT .venv/bin/gunicorn phuthang.wsgi --config gunicorn.conf.py \
		>"$OUT/bench-$scale.log" 2>&1 &
	server=$!
	trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
	for _ in $(seq 150); do
		curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
		sleep 0.2
	done
	$PY bench/pages.py --base "http://127.0.0.1:$PORT" --scale "$scale" --requests "$REQUESTS"
	$PY bench/throughput.py --base "http://127.0.0.1:$PORT" --scale "$scale" --seconds "$SECONDS_A_PAGE"
	kill $server; wait $server 2>/dev/null || true
	trap - EXIT
done
echo "written: bench/results.json, bench/throughput.json"
