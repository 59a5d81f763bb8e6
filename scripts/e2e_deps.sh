#!/usr/bin/env bash
# Install what the browser tests (tests/e2e) need: Debian's chromium and the playwright
# Python package in .venv. Idempotent: quick no-op when both are there.
#
# Playwright cannot download its own browsers here; the tests drive /usr/bin/chromium
# (override with FLOWDESK_CHROMIUM).
set -euo pipefail
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

PLAYWRIGHT_VERSION="${PLAYWRIGHT_VERSION:-1.65.2}"
CHROMIUM="${FLOWDESK_CHROMIUM:-/usr/bin/chromium}"

# apt-get waits up to 10 minutes for the package lock: another install may be running.
if [ -x "$CHROMIUM" ]; then
    log "chromium present: $CHROMIUM"
else
    log "installing Debian's chromium (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
        chromium fonts-noto-cjk >/dev/null || die "apt-get install chromium failed"
fi
# Chinese text needs a CJK font in the screenshots (chromium alone shows boxes).
# grep -c reads all of fc-list (grep -q would stop early, and pipefail would count fc-list's
# SIGPIPE as "missing"); no fc-list at all counts as missing too.
cjk_fonts="$(fc-list 2>/dev/null | grep -ci "Noto Sans CJK" || true)"
if [ "${cjk_fonts:-0}" -eq 0 ]; then
    log "installing fonts-noto-cjk"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
        fonts-noto-cjk >/dev/null || die "apt-get install fonts-noto-cjk failed"
fi

ensure_venv
if "$VENV/bin/python" -c "import importlib.metadata as m, sys; \
sys.exit(m.version('playwright') != '$PLAYWRIGHT_VERSION')" 2>/dev/null; then
    log "playwright $PLAYWRIGHT_VERSION present"
else
    log "installing playwright==$PLAYWRIGHT_VERSION into .venv"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
        "playwright==$PLAYWRIGHT_VERSION" || die "pip install playwright failed"
fi
log "ready: $(dpkg-query -W -f='chromium ${Version}' chromium 2>/dev/null || echo "$CHROMIUM"), playwright $PLAYWRIGHT_VERSION"
