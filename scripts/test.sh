#!/usr/bin/env bash
# Run the whole Flowdesk test suite (or a subset: extra args go to pytest).
#
#   scripts/test.sh                      # everything
#   scripts/test.sh tests/unit -x        # a subset, stop at first failure
#   scripts/test.sh -k complaint         # by name
#
# Installs .venv, PostgreSQL and chromium if missing, starts a throwaway PostgreSQL on
# 127.0.0.1 (stopped and deleted on exit), and exits with pytest's status. Without arguments
# it runs everything, then the integration tests again on PostgreSQL with FLOWDESK_FAST_SQL=0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
source "$REPO/scripts/pg_throwaway.sh"
cd "$REPO"

ensure_venv
pg_throwaway_start   # exports FLOWDESK_TEST_POSTGRES_URL; EXIT trap stops it

# Fail (rather than skip) the PostgreSQL tests if the server is unreachable.
export FLOWDESK_REQUIRE_POSTGRES=1

# The browser tests: Debian's chromium (and a CJK font) for Playwright; fail, don't skip.
"$REPO/scripts/e2e_deps.sh"
export FLOWDESK_REQUIRE_E2E=1

log "running pytest $*"
started=$SECONDS
status=0
"$VENV/bin/python" -m pytest "$@" || status=$?

# The whole run (no arguments) also runs the integration tests with the fast statement path
# switched off, so SQLAlchemy's own execution is held to the same answers: on PostgreSQL, the
# production store, and the tests that need no database (their SQLite runs are left out to keep
# the suite under 15 minutes; tests/integration/test_fast_sql.py compares both paths on both).
if [ "$#" -eq 0 ]; then
    log "running the integration tests again on PostgreSQL with FLOWDESK_FAST_SQL=0"
    FLOWDESK_FAST_SQL=0 "$VENV/bin/python" -m pytest -q tests/integration -k "not sqlite" \
        || status=$?
fi
elapsed=$((SECONDS - started))
log "test suite took $((elapsed / 60))m$((elapsed % 60))s (pytest exit status $status)"
exit "$status"
