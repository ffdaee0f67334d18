#!/usr/bin/env bash
# The protocol gate, shared by .ci/run and the GitHub Actions example (.github/workflows/distcheck.yml), so
# that the example cannot rot: the tests, then what changed against the base revision's manifest.
# Usage: bash .ci/gate.sh BASE-REVISION   (after npm ci; redis-server and chromium installed)
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:-HEAD}"
npm test
# The committed reports/ against a fresh run of every configuration and figure (about a minute).
npm run test:reports
# The installed package again, with `report` of the whole shipped catalog (about 35 s more).
npm run test:package
mkdir -p reports/last-run
if git show "$base:reports/manifest.json" > reports/last-run/base-manifest.json 2>/dev/null; then
  # Exit 1 when a correct variant broke or a bug variant stopped being caught since the base.
  node bin/distcheck.mjs diff reports/last-run/base-manifest.json reports/manifest.json | tee reports/last-run/diff.md
else
  echo "no reports/manifest.json at $base: nothing to compare"
fi
node bin/distcheck.mjs report --out reports/last-run/report --junit reports/last-run/junit.xml > /dev/null
echo "JUnit: reports/last-run/junit.xml"
# Every counterexample as static pages (the workflow uploads them as an artifact).
node bin/distcheck.mjs html reports/last-run/html > /dev/null
echo "trace pages: reports/last-run/html/index.html"
