#!/usr/bin/env bash
# What `make demo` runs: build the sample corpus, then show what the graph holds.
set -uo pipefail
cd "$(dirname "$0")/.."
store=${1:-out/demo-kg}
kg=.venv/bin/kgbuild

$kg build data/sample --store "$store"
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
$kg stats --store "$store"
for q in mentions-by-modality people spoken-names objects-in-images scene-relations text-in-images relations events one-entity-all-evidence groundings; do
  echo
  echo "── $q: $(sed -n '1s/^# //p' docs/queries/$q.rq)"
  $kg query --store "$store" @docs/queries/$q.rq || exit $?
done
