"""Zoo v3 training schedule: sum, concat, U-Net and Nah, round-robin at equal steps.

Each network has one resumable run, ``runs/v3-<method>``, configured by
``configs/cpu-v3-<method>.json`` (recalibrated ``wide`` prior, lattice-free upsampling
warm-started from the v2 network, depth-conditioned; ``steps`` there is the horizon of
the cosine schedule). A turn trains the network with the fewest steps up to the next
multiple of ``--chunk`` (:mod:`napari_defocus_deblur.training.schedule`), so the four
networks never drift more than one chunk apart and finish every round at equal steps.
Run it again at any time, after a kill, a reboot or on another day: it continues from
the last checkpoints (written every 25 steps). bf16 autocast is used where the run-time
probe finds bf16 faster; precision, steps and wall time land in every run's record and
so in the model cards (``scripts/bundle_zoo.py``).

Usage::

    nohup python scripts/train_zoo_v3.py [--stage a|b|...|l] [--chunk 100] [--until N] \
        [--keep-every 500] >> runs/v3.log 2>&1 &

Stages: ``a`` (default) is the schedule above (``configs/cpu-v3-<method>.json``,
``runs/v3-<method>``, until 6,000 steps); ``b`` continues the shipped zoo on 960 fresh
fields with stratified distances (``configs/cpu-v3b-<method>.json``,
``runs/v3b-<method>``, until 4,000 steps, copies in ``runs/v3b-steps``); ``c`` continues
the shipped zoo (stage b at 1,500) on 960 other fresh fields, finishing stage b's cosine
(``configs/cpu-v3c-<method>.json``, ``runs/v3c-<method>``, until 2,500 steps); ``d``
continues the shipped zoo (stage c at 2,500) on 960 other fresh fields with a warm
restart at lr 5e-5 (``configs/cpu-v3d-<method>.json``, ``runs/v3d-<method>``, until
2,500 steps); ``e`` continues the shipped zoo on 960 other fresh fields, told each
crop's distance with a relative spread of 0.1 (``depth_jitter``), warm restart at lr 4e-5
(``configs/cpu-v3e-<method>.json``, ``runs/v3e-<method>``, until 2,500 steps); ``f``
continues the shipped zoo (stage e) on 960 other fresh fields with the same jitter and a
third of them imaged with the nominal (calibrated BBBC006) optics
(``nominal_optics_share``), warm restart at lr 3e-5 (``configs/cpu-v3f-<method>.json``,
``runs/v3f-<method>``, until 2,500 steps); ``g`` continues the shipped zoo (stage f at
1,000) on 960 other fresh fields, half stage f's nominal share (0.15), lr 2e-5
(``configs/cpu-v3g-<method>.json``, ``runs/v3g-<method>``, until 2,500 steps); ``h``
is stage f's recipe with a told-distance jitter of 0.25 and ``i`` without jitter (both
from the shipped stage f 1,000, ``configs/cpu-v3h-`` and ``cpu-v3i-<method>.json``); ``j``
is stage i's recipe with a quarter of the simulated fields given few, smooth nuclei
(``sparse_smooth_share``, ``configs/cpu-v3j-<method>.json``, from the shipped zoo); ``k``
is stage i's recipe on other fresh fields with the do-no-harm penalty (``harm_weight``,
``configs/cpu-v3k-<method>.json``, from the shipped stage i 500); ``l`` is stage k's
recipe on other fresh fields (split seed 18) from the shipped stage k (the mean of its
1,500 and 2,000 copies, ``configs/cpu-v3l-<method>.json``): judge its late copies and
their means (``scripts/average_copies.py``); ``m`` and ``n`` repeat stage l's recipe on
other fresh fields (m with a 1,500-step cosine; both set aside) and ``o`` repeats it with
the do-no-harm penalty doubled (``harm_weight`` 24, split seed 21; refused by 0.003 dB
on the one click); ``p`` repeats stage o on other fresh fields (split seed 22) and ``q``
on a third draw (split seed 23), for a soup of the stages' means; ``r``, ``s`` and ``t``
continue the soup of o and p that shipped, each on its own draw (split seeds 24, 25 and
26), to be souped in turn; ``u`` is stage t's recipe on other fresh fields (split
seed 27) with the do-no-harm penalty counted four times on crops of fields imaged above
focus (``harm_above_focus``); the soup of s and u shipped, and ``v`` continues it with
stage u's recipe (split seed 28); ``w`` is a second draw of it from the same start
(split seed 29), for a soup; their soup left a told field below the input, so ``x`` counts
the penalty on above-focus crops eight times (split seed 30) and ``x2`` is a second draw
of x's recipe (split seed 31); ``ul`` and ``ul2`` are stage u's recipe at half the
learning rate over 3,000 steps (split seeds 32 and 33; ul2 halves the sum network's
penalty); ``bb`` is stage u's recipe (the sum network's penalty halved) on 960 fresh
fields of which 30 % of the simulated ones carry 8-20 very bright compact bodies
(``bright_bodies_share``, split seed 34), a 1,000-step cosine; ``ah`` is stage bb's
fields with the penalty kept on above-focus crops (24, the sum network's 12) and nearly
lifted below focus (1.2, sum 0.6), a 1,500-step cosine; ``ai`` is ah's recipe on fresh
fields (split seed 35) from the zoo ah's early mean shipped. A stage whose run folders
are gone (a new machine) and whose name the bundled weights already hold is refused with
one line: start the next stage instead of training one twice.

``kill -TERM`` (or Ctrl-C) stops after the current step with a checkpoint. Every turn is
appended to ``runs/v3-schedule.jsonl``. Whenever all four stand at a multiple of
``--keep-every`` steps, their weights are copied to ``runs/v3-steps/<step>/v3-<method>``:
evaluate and ship such a copy (``scripts/evaluate_zoo_v3.py --runs runs/v3-steps/4000``)
while the schedule trains on.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from dataclasses import asdict
from pathlib import Path

from napari_defocus_deblur.training.schedule import (
    Schedule,
    iter_schedule,
    progress,
    repeated_stage,
)
from napari_defocus_deblur.zoo.names import METHODS

ROOT = Path(__file__).resolve().parents[1]
REAL_IN_FOCUS = ROOT.parent / "shared/data/bbbc006-real/in-focus"
#: Stage -> (config prefix, run prefix, default --until).
STAGES = {
    "a": ("cpu-v3-", "v3-", 6000),
    "b": ("cpu-v3b-", "v3b-", 4000),
    "c": ("cpu-v3c-", "v3c-", 2500),
    "d": ("cpu-v3d-", "v3d-", 2500),
    "e": ("cpu-v3e-", "v3e-", 2500),
    "f": ("cpu-v3f-", "v3f-", 2500),
    "g": ("cpu-v3g-", "v3g-", 2500),
    "h": ("cpu-v3h-", "v3h-", 2500),
    "i": ("cpu-v3i-", "v3i-", 2500),
    "j": ("cpu-v3j-", "v3j-", 2500),
    "k": ("cpu-v3k-", "v3k-", 2500),
    "l": ("cpu-v3l-", "v3l-", 2500),
    "m": ("cpu-v3m-", "v3m-", 1500),
    "n": ("cpu-v3n-", "v3n-", 2500),
    "o": ("cpu-v3o-", "v3o-", 2500),
    "p": ("cpu-v3p-", "v3p-", 2500),
    "q": ("cpu-v3q-", "v3q-", 2500),
    "r": ("cpu-v3r-", "v3r-", 2500),
    "s": ("cpu-v3s-", "v3s-", 2500),
    "t": ("cpu-v3t-", "v3t-", 2500),
    "u": ("cpu-v3u-", "v3u-", 2500),
    "v": ("cpu-v3v-", "v3v-", 2500),
    "w": ("cpu-v3w-", "v3w-", 2500),
    "x": ("cpu-v3x-", "v3x-", 2500),
    "x2": ("cpu-v3x2-", "v3x2-", 2500),
    "ul": ("cpu-v3ul-", "v3ul-", 3000),
    "ul2": ("cpu-v3ul2-", "v3ul2-", 3000),
    "bb": ("cpu-v3bb-", "v3bb-", 1000),
    "ah": ("cpu-v3ah-", "v3ah-", 1500),
    "ai": ("cpu-v3ai-", "v3ai-", 1500),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk", type=int, default=100, help="steps per turn")
    parser.add_argument("--stage", choices=STAGES, default="a", help="which stage (a)")
    horizons = ", ".join(f"{k}: {v[2]}" for k, v in STAGES.items())
    parser.add_argument(
        "--until", type=int, default=None, help=f"stop when all reach this ({horizons})"
    )
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--runs", type=Path, default=ROOT / "runs")
    parser.add_argument(
        "--keep-every", type=int, default=500, help="copy all four at equal multiples (0: no)"
    )
    args = parser.parse_args()
    overrides = (("content_dir", str(REAL_IN_FOCUS)),) if REAL_IN_FOCUS.is_dir() else ()
    config_prefix, run_prefix, until = STAGES[args.stage]
    schedule = Schedule(
        tuple(args.methods),
        ROOT / "configs",
        args.runs,
        config_prefix=config_prefix,
        run_prefix=run_prefix,
        chunk=args.chunk,
        until=args.until or until,
        overrides=overrides,
        keep_every=args.keep_every,
    )
    refusal = repeated_stage(schedule)
    if refusal:
        raise SystemExit(refusal)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    ledger = args.runs / f"{run_prefix}schedule.jsonl"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    print(f"== {time.strftime('%H:%M:%S')} steps so far: {progress(schedule)}", flush=True)
    for turn in iter_schedule(schedule, stop):
        entry = {**asdict(turn), "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        print(f"== {entry['utc']} {json.dumps(entry)}", flush=True)
        with ledger.open("a") as fh:
            fh.write(json.dumps(entry) + "\n")
        if turn.kept is not None:
            print(f"== kept all four at step {turn.step} in {turn.kept}", flush=True)
    print(f"== {time.strftime('%H:%M:%S')} stopped; steps: {progress(schedule)}", flush=True)


if __name__ == "__main__":
    main()
