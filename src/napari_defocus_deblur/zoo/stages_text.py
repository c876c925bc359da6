"""How a model card tells a network's training stages: one line per stage, what a
stage's weights are the mean of (copies, the weights it started from, or a soup of
stages run in parallel), and which weights the validation figure belongs to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def rounded(value: Any) -> Any:
    """A number to 3 decimals (anything else as it is), as cards print figures."""
    return round(float(value), 3) if isinstance(value, int | float) else value


def _listed(items: list[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _averaged_text(stage: Mapping[str, Any]) -> str:
    """``"; weights: the mean of its copies at 1500 and 2000 steps"``, or with the
    weights it started from in the mean (``averaged_start`` times) ``"; weights: the
    mean of the weights it started from (counted twice) and its copy at 1000 steps"``."""
    steps = [str(s) for s in stage.get("averaged_steps") or []]
    start = int(stage.get("averaged_start") or 0)
    if not steps and not start:
        return ""
    parts = []
    if start:
        times = {1: "", 2: " (counted twice)"}.get(start, f" (counted {start} times)")
        parts.append(f"the weights it started from{times}")
    if steps:
        copies = "its copy" if len(steps) == 1 else "its copies"
        parts.append(f"{copies} at {_listed(steps)} steps")
    return f"; weights: the mean of {' and '.join(parts)}"


def validation_note(training: Mapping[str, Any]) -> str:
    """Which weights the validation figure is of, when the shipped ones are a mean."""
    stages = training.get("stages") or []
    if not stages or not (_averaged_text(stages[-1]) or stages[-1].get("soup_of")):
        return ""
    return (
        " (the last stage's last copy on that stage's own validation fields; each stage "
        "draws other ones, so the figures of two stages do not compare, and the shipped "
        "mean is judged on the robustness set instead)"
    )


def _soup_text(stage: Mapping[str, Any]) -> str:
    """The line of a soup: the stage means it averaged, which continued one start in
    parallel (``scripts/bundle_zoo.py``), and how often that start counts."""
    listed = _listed([f"`{run}`" for run in stage["soup_of"]])
    start = int(stage.get("averaged_start") or 0)
    times = {0: "", 1: "the weights they started from and "}.get(
        start, f"the weights they started from (counted {start} times) and "
    )
    return (
        f"a soup, no training of its own: the mean of {times}the weights of stages "
        f"{listed}, which each continued the stage before them in parallel, on fields of "
        "their own."
    )


def stage_lines(training: Mapping[str, Any]) -> list[str]:
    """One bullet per training stage (a run continued from the previous one)."""
    stages = training.get("stages") or []
    if len(stages) < 2:
        return []
    souped = any(st.get("soup_of") for st in stages)
    but = "; the stages of a soup continue the same weights in parallel" if souped else ""
    out = [f"- Stages (each continues the previous one's weights, a new warm-up + cosine{but}):"]
    for i, st in enumerate(stages, start=1):
        if st.get("soup_of"):
            out.append(f"  {i}. {_soup_text(st)}")
            continue
        minutes = (st.get("wall_time_s") or 0) / 60
        mean = _averaged_text(st)
        out.append(
            f"  {i}. `configs/cpu-{st.get('run')}.json`: {st.get('steps')} steps, "
            f"{minutes:.1f} min on {st.get('device')}, learning rate from {st.get('lr')}, "
            f"seed {st.get('seed')}; validation PSNR after it "
            f"{rounded(st.get('final_val_psnr'))} dB{mean}."
        )
    return out
