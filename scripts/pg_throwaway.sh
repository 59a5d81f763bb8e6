#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the test suite.
#
# Sourced (by scripts/test.sh): defines pg_throwaway_start, which installs the
# server binaries if missing, starts a fresh cluster in a temp dir on a free
# port, creates the database flowdesk_test, exports PG_PORT and
# FLOWDESK_TEST_POSTGRES_URL, and sets an EXIT trap that stops the server and
# deletes the temp dir.
#
# Executed: runs a command against such a server, then throws it away, e.g.
#   scripts/pg_throwaway.sh psql -c 'select 1'
# (PGHOST/PGPORT/PGUSER/PGDATABASE are set for the command.)

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

PG_DB=flowdesk_test
PG_BIN=""
PG_DIR=""
PG_PORT=""

# Find the PostgreSQL server binaries; install Debian's postgresql if missing.
_pg_find_bin() {
    local initdb
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$initdb" ] && { dirname "$initdb"; return 0; }
    initdb="$(command -v initdb 2>/dev/null || true)"
    [ -n "$initdb" ] && { dirname "$(readlink -f "$initdb")"; return 0; }
    return 1
}

_pg_ensure_binaries() {
    if PG_BIN="$(_pg_find_bin)"; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "PostgreSQL server binaries (initdb) not found and apt-get is not available; install PostgreSQL"
    log "installing PostgreSQL server (apt-get install postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql </dev/null; then
        log "apt-get install failed; running apt-get update and retrying"
        as_root apt-get -o DPkg::Lock::Timeout=600 update -q </dev/null
        as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql </dev/null
    fi
    PG_BIN="$(_pg_find_bin)" || die "PostgreSQL installed but initdb not found"
}

# PostgreSQL refuses to run as root: as root, run server commands as `postgres`.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

_pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stop the server and delete its directory. Safe to call more than once.
pg_throwaway_stop() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then  # pg_ctl failed: kill the postmaster
        local pid
        pid="$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)"
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=""
}

_pg_on_exit() {
    pg_throwaway_stop
}

pg_throwaway_start() {
    _pg_ensure_binaries

    local base="${TMPDIR:-/tmp}"
    if [ "$(id -u)" -eq 0 ]; then
        if ! id -u postgres >/dev/null 2>&1; then
            log "creating system user postgres"
            useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
        fi
        # The postgres user must be able to reach the dir (e.g. not under /root).
        runuser -u postgres -- test -x "$base" 2>/dev/null || base=/tmp
    fi

    PG_DIR="$(mktemp -d "$base/flowdesk-pg.XXXXXX")"
    trap _pg_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_DIR"
    fi

    _pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF

# flowdesk throwaway test server
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

    # The free port can be taken by someone else before the server binds it: retry.
    local attempt
    for attempt in 1 2 3 4 5; do
        PG_PORT="$(_pg_free_port)"
        if _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" \
            -o "-p $PG_PORT" -w -t 60 start >/dev/null; then
            break
        fi
        if [ "$attempt" -eq 5 ]; then
            tail -n 30 "$PG_DIR/postgres.log" >&2 || true
            die "could not start PostgreSQL"
        fi
        log "PostgreSQL did not start on port $PG_PORT; retrying"
    done

    local i
    for i in $(seq 1 60); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres && break
        [ "$i" -eq 60 ] && die "PostgreSQL on port $PG_PORT is not ready"
        sleep 0.5
    done
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"

    export PG_PORT
    export FLOWDESK_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/$PG_DB"
    log "throwaway PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (database $PG_DB, dir $PG_DIR)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    [ "$#" -gt 0 ] || die "usage: $0 COMMAND [ARGS...]   (runs COMMAND against a throwaway PostgreSQL)"
    pg_throwaway_start
    export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=postgres PGDATABASE="$PG_DB"
    export PATH="$PG_BIN:$PATH"
    status=0
    "$@" || status=$?
    exit "$status"
fi
