#!/usr/bin/env bash
# Run the whole Flowdesk test suite (or a subset: extra args go to pytest).
#
#   scripts/test.sh                      # everything
#   scripts/test.sh tests/unit -x        # a subset, stop at first failure
#   scripts/test.sh -k complaint         # by name
#
# Installs .venv, PostgreSQL and chromium if missing, starts a throwaway PostgreSQL on
# 127.0.0.1 (stopped and deleted on exit), and exits with pytest's status. Without arguments
# it runs everything, then the fast-statement paths' tests again on PostgreSQL with
# FLOWDESK_FAST_SQL=0.
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
# The whole run lists its slowest tests, to see where the 15 minutes go.
slowest=()
[ "$#" -eq 0 ] && slowest=(--durations=15)
"$VENV/bin/python" -m pytest "${slowest[@]}" "$@" || status=$?

# The whole run (no arguments) also runs the tests of the paths that use the fast statements
# (start, task list, complete, credentials, audit; store/fast_sql.py) again with it switched off,
# on PostgreSQL, the production store, so SQLAlchemy's own execution is held to the same answers.
# Only those files, to keep the suite under 15 minutes; tests/integration/test_fast_sql.py compares
# both paths statement by statement on both databases in the first run.
FAST_SQL_TESTS=(tests/integration/test_fast_sql.py tests/integration/test_hot_paths_api.py
                tests/integration/test_statement_budget.py tests/integration/test_instances_api.py
                tests/integration/test_tasks_api.py tests/integration/test_inbox_actions_api.py
                tests/integration/test_complaint_api.py tests/integration/test_external_tasks_api.py
                tests/integration/test_revocation.py tests/integration/test_session_api.py)
if [ "$#" -eq 0 ]; then
    # The shipped processes' scenario tests (processes/*/tests/*.yaml), with their coverage.
    log "running flowdesk test processes/"
    "$VENV/bin/flowdesk" test processes/ --coverage || status=$?
    log "running the fast-statement paths' tests again on PostgreSQL with FLOWDESK_FAST_SQL=0"
    FLOWDESK_FAST_SQL=0 "$VENV/bin/python" -m pytest -q "${FAST_SQL_TESTS[@]}" -k "not sqlite" \
        || status=$?
fi
elapsed=$((SECONDS - started))
log "test suite took $((elapsed / 60))m$((elapsed % 60))s (pytest exit status $status)"
exit "$status"
