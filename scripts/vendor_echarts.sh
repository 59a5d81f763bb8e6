#!/bin/sh
# Fetch Apache ECharts (the "common" UMD build: line, bar, pie, the canvas renderer, aria) from
# the npm registry into web/static/vendor/echarts/. The reports page loads it from
# /ui/static/vendor/echarts/: nothing comes from a CDN at run time. The common build is used
# because the full one carries a `new Function` (for geoJSON maps) that the page's CSP forbids.
#
#   scripts/vendor_echarts.sh            # the pinned version below
#   ECHARTS_VERSION=6.x.y scripts/vendor_echarts.sh
#
# Needs node/npm. The files are committed; re-run only to upgrade (then update
# web/static/vendor/README.md and run tests/e2e/test_reports.py).
set -eu

VERSION="${ECHARTS_VERSION:-6.1.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/web/static/vendor/echarts"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "echarts@$VERSION" >/dev/null
tar -xzf "echarts-$VERSION.tgz"
PKG="$TMP/package"
test "$(node -p "require('$PKG/package.json').version")" = "$VERSION"
if grep -q "new Function" "$PKG/dist/echarts.common.min.js"; then
    echo "echarts.common.min.js uses new Function: the CSP would block it" >&2
    exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$PKG/dist/echarts.common.min.js" "$DEST/"
cp "$PKG/LICENSE" "$PKG/NOTICE" "$DEST/"
echo "echarts $VERSION" > "$DEST/VERSION"
echo "vendored echarts $VERSION into $DEST:"
(cd "$DEST" && find . -type f | sort)
