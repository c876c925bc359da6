#!/usr/bin/env bash
# Zoo v2 (issue 12): the four depth-conditioned models, one after the other, each resumable.
# Usage: nohup bash scripts/train_zoo_v2.sh [CONTENT_DIR] > runs/v2.log 2>&1 &
# Re-running continues unfinished runs (--resume) and skips finished ones.
set -uo pipefail
content="${1:-../shared/data/bbbc006-real/in-focus}"
extra=()
[ -d "$content" ] && extra=(--content-dir "$content")
for m in ${METHODS:-sum concat unet nah}; do
  out="runs/v2-$m"
  if [ -f "$out/training_state.json" ] && grep -q '"state": "finished"' "$out/training_state.json"; then
    echo "== $m finished already"; continue
  fi
  resume=()
  [ -f "$out/training_state.json" ] && resume=(--resume)
  echo "== $m $(date -u +%H:%M:%S)"
  OMP_NUM_THREADS="${THREADS:-2}" defocus-deblur train --config "configs/cpu-v2-$m.json" \
    "${extra[@]}" -o "$out" "${resume[@]}"
done
echo "== all done $(date -u +%H:%M:%S)"
