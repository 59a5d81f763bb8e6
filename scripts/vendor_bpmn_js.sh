#!/bin/sh
# Fetch the bpmn-js navigated viewer (UMD bundle, CSS and the bpmn-font) from the npm registry into
# web/static/vendor/bpmn-js/. The page loads these files from /ui/static/vendor/bpmn-js/:
# nothing comes from a CDN at run time.
#
#   scripts/vendor_bpmn_js.sh            # the pinned version below
#   BPMN_JS_VERSION=18.x.y scripts/vendor_bpmn_js.sh
#
# Needs node/npm. The files are committed; re-run only to upgrade (then update
# web/static/vendor/README.md). bpmn-js is under the bpmn.io licence: keep its watermark
# (the bpmn.io logo in the canvas corner) visible.
set -eu

VERSION="${BPMN_JS_VERSION:-18.31.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/web/static/vendor/bpmn-js"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "bpmn-js@$VERSION" >/dev/null
tar -xzf "bpmn-js-$VERSION.tgz"
PKG="$TMP/package"
test "$(node -p "require('$PKG/package.json').version")" = "$VERSION"

rm -rf "$DEST"
mkdir -p "$DEST/assets/bpmn-font/css" "$DEST/assets/bpmn-font/font"
cp "$PKG/dist/bpmn-navigated-viewer.production.min.js" "$DEST/"
cp "$PKG/dist/assets/diagram-js.css" "$PKG/dist/assets/bpmn-js.css" "$DEST/assets/"
cp "$PKG/dist/assets/bpmn-font/css/bpmn.css" "$DEST/assets/bpmn-font/css/"
cp "$PKG/dist/assets/bpmn-font/font/"bpmn.woff2 "$PKG/dist/assets/bpmn-font/font/"bpmn.woff \
   "$DEST/assets/bpmn-font/font/"
cp "$PKG/LICENSE" "$DEST/LICENSE"
echo "bpmn-js $VERSION" > "$DEST/VERSION"
echo "vendored bpmn-js $VERSION into $DEST:"
(cd "$DEST" && find . -type f | sort)
