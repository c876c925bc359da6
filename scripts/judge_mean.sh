#!/usr/bin/env bash
# Judge the mean of two or more kept copies of a zoo v3 stage (checkpoint averaging) as
# scripts/judge_stage.sh judges one copy: average all four networks
# (scripts/average_copies.py), pause the schedule (it checkpoints), evaluate the mean
# (scripts/evaluate_zoo_v3.py; rewrites docs/zoo.md's tables and
# docs/data/zoo-v3-eval.json, also saved as runs/zoo-v3-eval-v3<stage>-avg-<steps>.json),
# run the told-depth sweep of its U-Net and sum networks, and resume the schedule.
# With --init N the bundled weights the stage started from count N times in the mean
# (scripts/average_copies.py --init-weight N); --start DIR names those weights' float32
# runs once they are no longer bundled (average_copies.py --start).
# Usage: nohup scripts/judge_mean.sh l 1500 2000 > runs/judge-l-avg-1500-2000.log 2>&1 &
#        nohup scripts/judge_mean.sh l --init 2 1000 > runs/judge-l-init2-1000.log 2>&1 &
#        nohup scripts/judge_mean.sh l --init 1 --start runs/v3k-steps/avg-1500-2000 1500 2000 \
#            > runs/judge-l-init1-1500-2000.log 2>&1 &
# Ship only if the printed ship rule says so; otherwise `git checkout docs/`.
set -u
STAGE=${1:?usage: judge_mean.sh STAGE [--init N] STEP [STEP ...]}
shift
INIT=0
if [ "${1:-}" = "--init" ]; then INIT=${2:?--init needs a count}; shift 2; fi
START=()
if [ "${1:-}" = "--start" ]; then START=(--start "${2:?--start needs a folder}"); shift 2; fi
[ $(($# + INIT)) -ge 2 ] && [ $# -ge 1 ] || { echo "give at least two parts to average"; exit 2; }
P="v3$STAGE"
TAG="avg-$(IFS=-; echo "$*")"
[ "$INIT" -gt 0 ] && TAG="init$INIT-$(IFS=-; echo "$*")"
OUT="runs/$P-steps/$TAG"
cd "$(dirname "$0")/.." || exit 1
[ -x .venv/bin/python ] && PATH="$PWD/.venv/bin:$PATH"
# shellcheck source=scripts/judge_common.sh
. scripts/judge_common.sh
for step in "$@"; do
  until grep -q "kept all four at step $step" "runs/$P.log" 2>/dev/null; do sleep 20; done
done
if [ ! -f "$OUT/$P-avg-nah/model.safetensors" ]; then  # a U-Net-only pilot mean is redone
  rm -rf "$OUT"
  copies=(); for step in "$@"; do copies+=("runs/$P-steps/$step"); done
  python scripts/average_copies.py "${copies[@]}" --init-weight "$INIT" "${START[@]}" --prefix "$P-" \
      --out "$OUT" || exit 1
fi
pkill -TERM -f train_zoo_v3.py
while pgrep -f train_zoo_v3.py >/dev/null; do sleep 5; done
judge_runs "$OUT" "$P-" "$P-$TAG"
OMP_NUM_THREADS=2 nohup nice -n 5 python scripts/train_zoo_v3.py --stage "$STAGE" >> "runs/$P.log" 2>&1 &
echo "== schedule resumed $(date +%T); verdict: $(grep -o '"ship_v3": [a-z]*' docs/data/zoo-v3-eval.json)"
