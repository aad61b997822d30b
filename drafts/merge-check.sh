#!/usr/bin/env bash
# Trial merge: the committed corpus plus every draft page, checked by `landscape check`.
set -uo pipefail
cd "$(dirname "$0")/.."
t=$(mktemp -d)
cp -r corpus/. "$t"/
cp drafts/concepts/*.md "$t"/concepts/ 2>/dev/null
cp drafts/comparisons/*.md "$t"/comparisons/ 2>/dev/null
target/debug/landscape check --corpus "$t" --spec ../shared/spec "$@"
rc=$?
rm -rf "$t"
exit $rc
