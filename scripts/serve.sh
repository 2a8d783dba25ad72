#!/usr/bin/env bash
# Start the background worker and the web server; stop both together.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Mail links and the printed address follow the port actually used.
export EUSP_SITE_URL=${EUSP_SITE_URL:-http://$HOST:$PORT}

$PY manage.py db_worker --queue-name default &
worker=$!
# Retries, any mail whose task never ran, and the daily jobs (reminders, digests).
$PY manage.py scheduler --loop --interval 15 &
mailer=$!
trap 'kill $worker $mailer 2>/dev/null || true' EXIT INT TERM

$PY manage.py demo_logins
echo "Ctrl+C arrête le serveur web, le worker et l'envoi des e-mails."
.venv/bin/gunicorn config.wsgi:application \
  --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" --threads 4 \
  --access-logfile - --log-level warning
