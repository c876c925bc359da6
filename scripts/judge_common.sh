# Sourced by scripts/judge_mean.sh and scripts/judge_soup.sh: evaluate averaged runs and
# sweep the told distance of their U-Net and sum networks, with the logs under runs/.
# judge_runs OUT PREFIX TAG: OUT holds <PREFIX>avg-<method> runs; TAG names the logs.
judge_runs() {
  local out=$1 prefix=$2 tag=$3
  echo "== evaluation of $tag from $(date +%T)"
  OMP_NUM_THREADS=2 python scripts/evaluate_zoo_v3.py --runs "$out" --run-prefix "${prefix}avg-" \
      --auto sum > "runs/eval-$tag.log" 2>&1
  cp docs/data/zoo-v3-eval.json "runs/zoo-v3-eval-$tag.json"
  echo "== sweep from $(date +%T)"
  OMP_NUM_THREADS=2 python scripts/told_depth_sweep.py "$out/${prefix}avg-unet" \
      "$out/${prefix}avg-sum" --simulate 6 --offsets -3 0 3 6 10 \
      > "runs/told-sweep-$tag.log" 2>&1
}
