#!/usr/bin/env bash
# Run Flowdesk on SQLite at http://127.0.0.1:5000 (HOST/PORT override).
#
# Installs .venv if needed, migrates the database, deploys processes/, creates
# the demo users (printing a fresh bearer token for each), then serves.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$REPO"

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"

ensure_venv

mkdir -p "$REPO/.flowdesk"
export FLOWDESK_DATABASE_URL="${FLOWDESK_DATABASE_URL:-sqlite:///$REPO/.flowdesk/flowdesk.db}"

log "database: $FLOWDESK_DATABASE_URL"
flowdesk db upgrade
flowdesk deploy processes/
flowdesk demo-users

base="http://$HOST:$PORT"
log "Flowdesk at $base  |  OpenAPI: $base/api/v1/openapi.json  |  Swagger UI: $base/api/v1/docs  |  health: $base/health"
exec flowdesk serve --host "$HOST" --port "$PORT"
