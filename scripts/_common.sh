# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it; don't run it.
#
# After sourcing: REPO (absolute repo root), VENV (REPO/.venv), and the
# functions log, die and ensure_venv.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
DEPS_HASH_FILE="$VENV/.flowdesk-deps-hash"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo if present.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# What the installed dependencies depend on: the package metadata, and which
# top-level packages exist (an editable install maps only the packages it saw).
_deps_hash() {
    (
        cd "$REPO"
        cat setup.cfg pyproject.toml 2>/dev/null
        printf '%s\n' */__init__.py
    ) | sha256sum | cut -d' ' -f1
}

# Make sure .venv exists and has `pip install -e '.[test]'` done for the
# current setup.cfg/pyproject.toml. Quick no-op when nothing changed.
ensure_venv() {
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "python3 must be Python 3.11 or newer (found: $(python3 --version 2>&1))"

    # Serialise concurrent run.sh/test.sh invocations while they install.
    mkdir -p "$REPO/.flowdesk"
    local lock_fd
    exec {lock_fd}>"$REPO/.flowdesk/.install.lock"
    if command -v flock >/dev/null 2>&1; then
        flock "$lock_fd"
    fi

    if ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
        log "creating virtualenv at $VENV"
        python3 -m venv --clear "$VENV"
    fi

    local want have=""
    want="$(_deps_hash)"
    [ -f "$DEPS_HASH_FILE" ] && have="$(cat "$DEPS_HASH_FILE")"
    if [ "$want" != "$have" ] || [ ! -x "$VENV/bin/flowdesk" ]; then
        log "installing Flowdesk and its dependencies into .venv (pip install -e '.[test]')"
        rm -f "$DEPS_HASH_FILE"
        (cd "$REPO" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[test]') \
            || die "pip install failed"
        printf '%s\n' "$want" >"$DEPS_HASH_FILE"
    fi

    exec {lock_fd}>&-
    export PATH="$VENV/bin:$PATH"
}
