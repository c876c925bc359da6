"""Helpers of the fault-injection suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def predict_args(inputs, out, checkpoint, *extra) -> list[str]:
    """``predict`` arguments on the CPU with a given checkpoint."""
    ins = [str(p) for p in (inputs if isinstance(inputs, list | tuple) else [inputs])]
    return ["predict", *ins, "-o", str(out), "--model", str(checkpoint), "--device", "cpu", *extra]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes)."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def train_data() -> Any:
    """Five tiny blurred/sharp pairs (one for validation)."""
    from napari_defocus_deblur.training import TrainingData
    from tests.training.helpers import blob_pairs

    oof, sharp = blob_pairs(5, (48, 48), seed=1)
    return TrainingData.from_arrays(oof, sharp, val_fraction=0.2, depth_um=10.0)


def train_config(out: str | Path, **kw: Any) -> Any:
    """An 8-step run of a tiny network that checkpoints after every step."""
    from napari_defocus_deblur.training import TrainConfig

    base = {"crop": 32, "batch": 2, "warmup": 2, "epoch_steps": 4, "lr": 2e-3, "steps": 8}
    base.update(checkpoint_every=1, scales=2, base_channels=4, levels=2, amp=False)
    return TrainConfig(out, **{**base, "early_stopping_patience": None, **kw})
