#!/usr/bin/env bash
# Start the whole stack in the foreground: web (gunicorn), one Celery worker per queue, Celery beat,
# and a private redis-server when REDIS_URL is unset. Ctrl-C or SIGTERM stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATA_DIR="${DATA_DIR:-./var}"
export PORT="${PORT:-8000}"
export LOG_LEVEL="${LOG_LEVEL:-INFO}"
export WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-2}"
export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:$PORT}"
# honcho hands each process a PORT of its own; the web server binds WEB_PORT instead.
export WEB_PORT="$PORT"
mkdir -p "$DATA_DIR"

# The Procfile plus one worker line per stage, generated from the stage registry (common/stages.py).
procfile="$DATA_DIR/Procfile"
stage_lines=$(.venv/bin/python -m common.stages procfile)
{ cat Procfile; echo "$stage_lines"; } >"$procfile"
mapfile -t stage_workers < <(cut -d: -f1 <<<"$stage_lines")
processes=(web "${stage_workers[@]}" beat)
if [ -z "${REDIS_URL:-}" ]; then
  # A private redis-server on a free port, never the system's 6379, keeping an append-only file in DATA_DIR.
  REDIS_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export REDIS_PORT
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  mkdir -p "$DATA_DIR/redis"
  processes=(redis "${processes[@]}")
fi

# Operators' commands run beside this stack (`flask --app web queues …` with the same DATA_DIR) read its broker here.
printf '%s\n' "$REDIS_URL" > "$DATA_DIR/redis.url"

# Prometheus multiprocess mode: every gunicorn and Celery process writes its metrics here.
export PROMETHEUS_MULTIPROC_DIR="$DATA_DIR/metrics"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

echo "Kraftd Docs is starting: open $PUBLIC_URL (API under $PUBLIC_URL/api/v1, readiness at $PUBLIC_URL/readyz)"
echo "Queue commands find this stack through DATA_DIR=$DATA_DIR: .venv/bin/flask --app web queues status"
exec .venv/bin/honcho start --procfile "$procfile" --app-root . "${processes[@]}"
