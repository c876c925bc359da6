#!/usr/bin/env bash
# Judge a soup of zoo v3 stage means (stages that continued the same weights in parallel
# on their own fields) as scripts/judge_mean.sh judges one stage's mean: average the
# means of all four networks (scripts/average_copies.py --soup), evaluate the soup
# (scripts/evaluate_zoo_v3.py; rewrites docs/zoo.md's tables and docs/data/zoo-v3-eval.json,
# also saved as runs/zoo-v3-eval-<name>.json) and run the told-depth sweep of its U-Net
# and sum networks. --init N counts the weights the stages started from N times; --start
# DIR names them (a folder with one *-<method> run per network, e.g. the zoo folder of a
# `git worktree` of the commit that bundled them) once they are no longer bundled.
# Nothing is paused: run it when no stage is training, or accept a slower judgement.
# Usage: nohup scripts/judge_soup.sh v3ops --init 1 --start /tmp/zoo-l/src/napari_defocus_deblur/zoo \
#            runs/v3o-steps/init3-1500-2000-2500 runs/v3p-steps/init3-1500-2000-2500 \
#            > runs/judge-soup-v3ops.log 2>&1 &
# Ship only if the printed ship rule says so; otherwise `git checkout docs/`.
set -u
NAME=${1:?usage: judge_soup.sh NAME [--init N] [--start DIR] MEAN_DIR MEAN_DIR [...]}
shift
INIT=()
if [ "${1:-}" = "--init" ]; then INIT=(--init-weight "${2:?--init needs a count}"); shift 2; fi
START=()
if [ "${1:-}" = "--start" ]; then START=(--start "${2:?--start needs a folder}"); shift 2; fi
[ $# -ge 2 ] || { echo "give at least two stage means to average"; exit 2; }
cd "$(dirname "$0")/.." || exit 1
[ -x .venv/bin/python ] && PATH="$PWD/.venv/bin:$PATH"
# shellcheck source=scripts/judge_common.sh
. scripts/judge_common.sh
OUT="runs/$NAME-steps/soup"
if [ ! -f "$OUT/$NAME-avg-nah/model.safetensors" ]; then
  rm -rf "$OUT"
  python scripts/average_copies.py --soup "$@" "${INIT[@]}" "${START[@]}" --prefix "$NAME-" \
      --out "$OUT" || exit 1
fi
judge_runs "$OUT" "$NAME-" "$NAME-soup"
echo "== done $(date +%T); verdict: $(grep -o '"ship_v3": [a-z]*' docs/data/zoo-v3-eval.json)"
