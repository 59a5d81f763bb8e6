#!/usr/bin/env bash
# The timer benchmark in both modes: SQLite with one `flowdesk worker`, then a throwaway
# PostgreSQL (started here, stopped and deleted on exit) with two workers.
#
#   bench/run_timer_bench.sh                        # both, 10,000 timers over 60 s
#   bench/run_timer_bench.sh postgres --workers 3   # one mode; extra args go to bench_timers.py
#   bench/run_timer_bench.sh both --timers 2000 --window 20
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_common.sh"
source "$REPO/scripts/pg_throwaway.sh"
cd "$REPO"

mode=both
case "${1:-}" in
    sqlite|postgres|both) mode="$1"; shift ;;
esac

ensure_venv
status=0
if [ "$mode" != postgres ]; then
    log "timer bench on SQLite"
    "$VENV/bin/python" bench/bench_timers.py --db sqlite "$@" || status=$?
fi
if [ "$mode" != sqlite ]; then
    pg_throwaway_start   # exports FLOWDESK_TEST_POSTGRES_URL; EXIT trap stops it
    log "timer bench on PostgreSQL"
    has_workers=0
    for arg in "$@"; do [ "$arg" = --workers ] && has_workers=1; done
    extra=()
    [ "$has_workers" = 1 ] || extra=(--workers 2)
    "$VENV/bin/python" bench/bench_timers.py --db postgres "${extra[@]}" "$@" || status=$?
fi
exit "$status"
