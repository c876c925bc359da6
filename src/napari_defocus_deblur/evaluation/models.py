"""Finding and running the learned models of an evaluation.

Method names map to checkpoint configurations: ``nah`` -> the Nah et al. baseline,
``unet`` -> head-to-tail with one scale (the plain U-Net), ``sum`` / ``concat`` ->
head-to-tail with K > 1 and that fusion. A model qualifies for a distance when its
``config.json`` records that ``depth_um``, or lists it in ``depths_um`` (a model trained
on pooled distances), and, when recorded, the channel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.inference import catalogue
from napari_defocus_deblur.inference.catalogue import ModelEntry
from napari_defocus_deblur.inference.device import Backend

#: Every method ``evaluate`` knows, in the paper's row order.
METHODS = ("input", "richardson-lucy", "nah", "unet", "sum", "concat")
LEARNED = ("nah", "unet", "sum", "concat")
#: Row labels of the table.
LABELS = {
    "input": "input (no processing)",
    "richardson-lucy": "Richardson-Lucy (simulator PSF)",
    "nah": "Nah et al. 2017",
    "unet": "U-Net (K = 1)",
    "sum": "head-to-tail, summation",
    "concat": "head-to-tail, concatenation",
}


#: An evaluation's candidate model is a catalogue entry.
ModelCandidate = ModelEntry


def parse_methods(text: str | list[str]) -> list[str]:
    """``"input,unet"`` -> ``["input", "unet"]``, checked against :data:`METHODS`."""
    items = text.split(",") if isinstance(text, str) else [m for t in text for m in t.split(",")]
    methods = [m.strip().lower() for m in items if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise UserInputError(
            f"unknown method(s) {', '.join(unknown) or '(none given)'}; choose from "
            f"{', '.join(METHODS)}"
        )
    return list(dict.fromkeys(methods))


def bundled_dir() -> Path:
    """Folder of the bundled model zoo (the catalogue's)."""
    return catalogue.ZOO_DIR


def scan_models(folder: str | Path | None) -> list[ModelEntry]:
    """Checkpoints in ``folder`` (itself or its sub-folders); bundled ones when None.

    Raises
    ------
    UserInputError
        ``folder`` does not exist, or a checkpoint in it cannot be read.
    """
    if folder is None:
        return [e for e in catalogue.available_models() if e.bundled]
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise UserInputError(f"models folder not found: {root}")
    entries, problems = catalogue.scan_models([root], bundled=False)
    if problems:
        raise CheckpointError(problems[0])
    return entries


def pick_model(
    candidates: list[ModelEntry], method: str, depth_um: float, channel: int
) -> ModelEntry | None:
    """The checkpoint for ``method`` trained at exactly ``depth_um`` and ``channel``, or
    None: the catalogue's choice (:func:`~.catalogue.choose_model` with ``exact=True``)."""
    return catalogue.choose_model(depth_um, method, channel, among=candidates, exact=True)


class LoadedModel:
    """A checkpoint loaded for evaluation, run through the user-facing inference path.

    Calls :func:`napari_defocus_deblur.inference.deblur` (the run plan: the checkpoint's
    percentile normalisation, tiling, CPU fast path, the run's backend and precision),
    told the distance being evaluated (and the side of focus of the planes), so the
    scores and seconds per image are what a user gets who gives that distance.
    """

    def __init__(
        self, candidate: ModelEntry, runtime: Backend, depth_um: float, side: str = "below"
    ) -> None:
        from napari_defocus_deblur.inference import load_model

        self.model = load_model(candidate.path, device=runtime.device)
        self.runtime = runtime
        self.depth_um = float(depth_um)
        self.side = side
        # every weight (load_model freezes them, so "trainable" would count none)
        self.parameters = sum(p.numel() for p in self.model.parameters())
        self.path = candidate.path

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Deblur a whole 2-D field (float32 out, input intensity units)."""
        from napari_defocus_deblur.inference import deblur

        return deblur(image, self.depth_um, model=self.model, backend=self.runtime, side=self.side)
