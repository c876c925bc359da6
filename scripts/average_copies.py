"""Average the weights of kept copies of a zoo v3 stage (checkpoint averaging).

The schedule keeps all four networks at every 500 steps (``runs/v3<stage>-steps/<step>``).
Late in a cosine schedule the copies sit in one basin, and their mean is often better
than any one of them (Izmailov et al. 2018, "Averaging weights leads to wider optima";
no normalisation layers here, so no statistics need recomputing). This writes, per
network, the element-wise mean of the copies' float32 weights as a run folder named
``<prefix>avg-<method>`` whose config and training state are the last copy's (the
evaluation caches scores by run name and step, so the mean never mixes with a copy).

``--init-weight N`` adds the stage's starting weights (the bundled zoo the stage
continued, its configs' ``init``) N times to the mean: a stage's copy pulled back
towards the zoo it started from (Wortsman et al. 2022, "Robust fine-tuning of zero-shot
models": interpolating a fine-tuned network with its start keeps what the start did
well). Run it before the stage's result is bundled, while the zoo still holds the start,
or name the start's float32 runs with ``--start`` (a folder holding one
``*-<method>`` run per network, e.g. the averaged copies that were bundled, or the
zoo folder of a checkout of the commit that bundled them: ``git worktree add --detach
/tmp/zoo-l a11fb5a``, then ``--start /tmp/zoo-l/src/napari_defocus_deblur/zoo``).

``--soup`` averages the means of stages that continued the same weights in parallel
on different fresh fields (a model soup, Wortsman et al. 2022): each positional folder
holds one ``*-<method>`` run per network (a stage's mean written by this script), and
``--init-weight``/``--start`` count the weights they all started from as above.
``scripts/bundle_zoo.py`` lists a soup's stages, then the soup.

Usage::

    python scripts/average_copies.py runs/v3d-steps/1500 runs/v3d-steps/2000 \\
        runs/v3d-steps/2500 --prefix v3d- --out runs/v3d-steps/avg-1500-2500
    python scripts/average_copies.py runs/v3l-steps/1000 --init-weight 2 --prefix v3l- \\
        --out runs/v3l-steps/init2-1000
    python scripts/average_copies.py runs/v3l-steps/2000 --init-weight 2 \\
        --start runs/v3k-steps/avg-1500-2000 --prefix v3l- --out runs/v3l-steps/init2-2000
    python scripts/average_copies.py --soup runs/v3o-steps/init3-1500-2000-2500 \\
        runs/v3p-steps/init3-1500-2000-2500 --init-weight 1 \\
        --start /tmp/zoo-l/src/napari_defocus_deblur/zoo --prefix v3ops- \\
        --out runs/v3ops-steps/soup-init1
    python scripts/evaluate_zoo_v3.py --runs runs/v3d-steps/avg-1500-2500 \\
        --run-prefix v3d-avg- --auto sum
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import torch

from napari_defocus_deblur.model.checkpoint import load_checkpoint, save_checkpoint
from napari_defocus_deblur.zoo.names import METHODS


def average_run(runs: list[Path], out: Path, from_start: int = 0) -> int:
    """Write the mean of the checkpoints in ``runs`` to ``out``; returns the last step.
    The first ``from_start`` of ``runs`` are the stage's starting weights (recorded as
    ``averaged_start`` in the provenance, so the card tells them from the copies)."""
    models = [load_checkpoint(run) for run in runs]
    configs = {json.dumps(m.config.to_dict(), sort_keys=True) for m, _ in models}
    if len(configs) != 1:
        raise SystemExit(f"{out.name}: the copies are different networks")
    states = [m.state_dict() for m, _ in models]
    mean = {k: sum(s[k].double() for s in states) / len(states) for k in states[0]}
    model, info = models[-1]
    model.load_state_dict({k: v.to(torch.float32) for k, v in mean.items()})
    info = {k: v for k, v in info.items() if k not in ("format", "model")}
    info["name"] = out.name
    info["provenance"] = {
        **info.get("provenance", {}),
        "averaged": [str(r) for r in runs],
        "averaged_sha256": [weights_digest(r) for r in runs],
    }
    if from_start:
        info["provenance"]["averaged_start"] = from_start
        info["provenance"]["averaged_start_version"] = (
            models[0][1].get("provenance", {}).get("version")
        )
    save_checkpoint(model, out, info=info)
    state = json.loads((runs[-1] / "training_state.json").read_text())
    state["averaged_from"] = [str(r) for r in runs]
    (out / "training_state.json").write_text(json.dumps(state, indent=1) + "\n")
    return int(state["step"])


def weights_digest(run: Path) -> str:
    """The first 16 hex digits of the SHA-256 of a run's weights file: names a copy for
    good, where its path (a zoo folder, a ``runs/`` folder) may later hold other weights."""
    digest = hashlib.sha256((run / "model.safetensors").read_bytes()).hexdigest()
    return digest[:16]


def stage_start(run: Path) -> Path:
    """The bundled model a stage's run continued (its config's ``init``)."""
    from napari_defocus_deblur.inference.catalogue import resolve_model_path

    info = json.loads((run / "config.json").read_text())
    init = (info.get("provenance") or {}).get("init")
    if not init or init == "scratch":
        raise SystemExit(f"{run} was trained from scratch: it has no starting weights")
    start = Path(os.path.relpath(resolve_model_path(init)))
    bundled = json.loads((start / "config.json").read_text())
    stages = (bundled.get("training") or {}).get("stages") or [{}]
    if stages[-1].get("run") == info.get("name"):  # the stage itself was shipped since
        raise SystemExit(
            f"{init} already holds {info.get('name')}: the weights {run} started from are "
            "no longer bundled (check out the commit before that stage shipped)"
        )
    return start


def start_in(folder: Path, method: str) -> Path:
    """The run of ``method`` in a folder of starting weights (``--start``)."""
    found = [r for r in folder.glob(f"*-{method}") if (r / "model.safetensors").is_file()]
    if len(found) != 1:
        raise SystemExit(f"{folder} holds {len(found)} runs named *-{method}; it needs one")
    return found[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("copies", nargs="+", type=Path, help="kept copies (runs/v3d-steps/<step>)")
    ap.add_argument(
        "--soup", action="store_true", help="the folders are stage means run in parallel"
    )
    ap.add_argument("--prefix", default="v3d-", help="run prefix inside each copy (v3d-)")
    ap.add_argument("--out", type=Path, required=True, help="folder for the averaged runs")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument(
        "--init-weight", type=int, default=0, help="count the stage's starting weights N times"
    )
    ap.add_argument(
        "--start",
        type=Path,
        default=None,
        help="folder of the starting weights' runs (default: the bundled zoo the stage continued)",
    )
    args = ap.parse_args()
    if args.start and not args.init_weight:  # else the start would be silently unused
        raise SystemExit("--start names the starting weights: give --init-weight N too")
    if args.init_weight < 0 or len(args.copies) + args.init_weight < 2:
        raise SystemExit("give at least two copies to average (or --init-weight 1 or more)")
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; choose another --out")
    if args.soup:  # one stage mean per folder, whatever its stage's prefix
        runs = {m: [start_in(folder, m) for folder in args.copies] for m in args.methods}
    else:
        runs = {m: [copy / f"{args.prefix}{m}" for copy in args.copies] for m in args.methods}
    lost = [str(r) for rs in runs.values() for r in rs if not (r / "model.safetensors").is_file()]
    if lost:  # checked before anything is written
        raise SystemExit(f"no checkpoint in {', '.join(lost)}")
    if args.init_weight:
        for method, method_runs in runs.items():
            start = start_in(args.start, method) if args.start else stage_start(method_runs[-1])
            runs[method] = [start] * args.init_weight + method_runs
            print(f"{method}: counting {start} {args.init_weight} time(s) as the start")
    for method, method_runs in runs.items():
        out = args.out / f"{args.prefix}avg-{method}"
        step = average_run(method_runs, out, from_start=args.init_weight)
        print(f"{out}: mean of {len(method_runs)} copies (last at step {step})")


if __name__ == "__main__":
    main()
