"""Load a script of ``scripts/`` as a module (they import their siblings by name); tiny
run folders for the scripts that read them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture(scope="module")
def load_script():
    """``load_script("evaluate_zoo_v3")`` -> the module of ``scripts/evaluate_zoo_v3.py``."""

    def load(name: str):
        sys.path.insert(0, str(SCRIPTS))
        try:
            spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(SCRIPTS))
        return module

    return load


@pytest.fixture
def run_at():
    """``run_at(folder, step, seed)``: a tiny run folder (a checkpoint of a 4-channel
    U-Net drawn with ``seed`` and the training state of ``step``), as the schedule and
    ``scripts/average_copies.py`` write them."""
    import json

    from napari_defocus_deblur.model import build_model
    from napari_defocus_deblur.model.checkpoint import save_checkpoint

    def make(folder: Path, step: int, seed: int) -> Path:
        import torch

        torch.manual_seed(seed)
        save_checkpoint(build_model(1, base_channels=4), folder, info={"name": folder.name})
        (folder / "training_state.json").write_text(json.dumps({"step": step}))
        return folder

    return make
