#!/bin/sh
# Build the designer's modeler bundle web/static/vendor/flowdesk-modeler/ from the npm registry:
# bpmn-js, bpmn-js-properties-panel and @bpmn-io/properties-panel at the versions pinned in
# web/frontend/package-lock.json, plus Flowdesk's own panel groups (web/frontend/src/).
#
#   scripts/build_modeler.sh
#
# Needs node/npm (build time only). The built files are committed, so neither running nor
# testing Flowdesk needs node; re-run after changing web/frontend/src or upgrading a package.
# bpmn-js is under the bpmn.io licence: keep its watermark visible (see web/static/vendor/README.md).
set -eu
FRONTEND="$(cd "$(dirname "$0")/../web/frontend" && pwd)"
cd "$FRONTEND"
npm ci --no-audit --no-fund --ignore-scripts
node build.mjs
