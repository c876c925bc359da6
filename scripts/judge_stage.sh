#!/usr/bin/env bash
# Judge a kept copy of a zoo v3 stage (b to l) while its schedule runs in the background:
# wait for runs/v3<stage>-steps/N, pause the schedule (it checkpoints), evaluate the copy
# alone (scripts/evaluate_zoo_v3.py; rewrites docs/zoo.md's tables and
# docs/data/zoo-v3-eval.json), run the told-depth sweep of its U-Net (the default) and sum
# networks, and resume the schedule.
# Usage: nohup scripts/judge_stage.sh 500 c > runs/judge-c-500.log 2>&1 &
# Ship only if the printed ship rule says so; otherwise `git checkout docs/`.
set -u
N=${1:?usage: judge_stage.sh STEP [STAGE (default c)]}
STAGE=${2:-c}
P="v3$STAGE"
cd "$(dirname "$0")/.." || exit 1
# the project's virtual environment when there is one (nohup from a plain shell)
[ -x .venv/bin/python ] && PATH="$PWD/.venv/bin:$PATH"
python -c "import napari_defocus_deblur" || { echo "napari_defocus_deblur is not importable"; exit 1; }
until grep -q "kept all four at step $N" "runs/$P.log" 2>/dev/null; do sleep 20; done
pkill -TERM -f train_zoo_v3.py
while pgrep -f train_zoo_v3.py >/dev/null; do sleep 5; done
echo "== evaluation of $P step $N from $(date +%T)"
OMP_NUM_THREADS=2 python scripts/evaluate_zoo_v3.py --runs "runs/$P-steps/$N" \
    --run-prefix "$P-" --auto sum > "runs/eval-$P-$N.log" 2>&1
echo "== sweep from $(date +%T)"
OMP_NUM_THREADS=2 python scripts/told_depth_sweep.py "runs/$P-steps/$N/$P-unet" \
    "runs/$P-steps/$N/$P-sum" --simulate 6 --offsets -3 0 3 6 10 > "runs/told-sweep-$P-$N.log" 2>&1
OMP_NUM_THREADS=2 nohup nice -n 5 python scripts/train_zoo_v3.py --stage "$STAGE" >> "runs/$P.log" 2>&1 &
echo "== schedule resumed $(date +%T); verdict: $(grep -o '"ship_v3": [a-z]*' docs/data/zoo-v3-eval.json)"
