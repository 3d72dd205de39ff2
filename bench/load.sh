#!/usr/bin/env bash
# The load test: gunicorn with production settings on loopback, and locust's 50 demo-ward users going
# through their journeys (bench/locustfile.py) for 5 minutes. `make load` runs it; docs/operations.md
# explains the figures.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/phuthang_load bench/load.sh
#
# The database must be one of its own: it is migrated and seeded with seed_demo when it holds no cells,
# and the secretaries save their meeting sheets. Figures go to $LOAD_OUT (bench/out): load_stats.csv
# (per page: requests, failures, p50, p95…), load.html, the access log and, with LOAD_TIMELINE set, one
# row per request. The script fails when any request failed or the server answered any 5xx.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to a database of its own (the load test saves meeting sheets)}"
USERS=${LOAD_USERS:-50}
DURATION=${LOAD_DURATION:-5m}
SPAWN_RATE=${LOAD_SPAWN_RATE:-2}
PORT=${LOAD_PORT:-8790}
OUT=${LOAD_OUT:-bench/out}
PY=.venv/bin/python
mkdir -p "$OUT"
rm -f "$OUT/access.log" "$OUT/gunicorn.log"

# Production settings: DEBUG off, manifest static files, a real secret; no test switches.
unset PHUTHANG_TESTING
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost
export SECRET_KEY=${SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')}

$PY manage.py migrate --noinput -v 0
cells=$($PY manage.py shell --no-imports -v 0 -c 'from cells.models import Cell; print(Cell.objects.count())')
if [ "$cells" = 0 ]; then DEBUG=1 $PY manage.py seed_demo >/dev/null; fi
$PY manage.py collectstatic --noinput -v 0

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
	echo "something already answers on 127.0.0.1:$PORT: set LOAD_PORT" >&2
	exit 2
fi
GUNICORN_BIND=127.0.0.1:$PORT GUNICORN_ACCESS_LOG="$OUT/access.log" \
	.venv/bin/gunicorn phuthang.wsgi --config gunicorn.conf.py >"$OUT/gunicorn.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
	sleep 0.2
done
echo "gunicorn on 127.0.0.1:$PORT: $(grep -c 'Booting worker' "$OUT/gunicorn.log") workers"

status=0
.venv/bin/locust -f bench/locustfile.py --headless --users "$USERS" --spawn-rate "$SPAWN_RATE" \
	--run-time "$DURATION" --stop-timeout 10 --host "http://127.0.0.1:$PORT" \
	--csv "$OUT/load" --html "$OUT/load.html" --only-summary --loglevel WARNING || status=$?

server_errors=$(awk '$9 ~ /^5[0-9][0-9]$/' "$OUT/access.log" | wc -l)
echo "requests in the access log: $(wc -l <"$OUT/access.log"), server errors (5xx): $server_errors"
$PY bench/report.py "$OUT/load_stats.csv"
[ "$server_errors" = 0 ] || status=1
exit $status
