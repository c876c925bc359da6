"""The generated standalone architecture reproduces our networks without our package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from napari_defocus_deblur.export.standalone import (
    CALLABLE,
    load_standalone,
    network_source,
    standalone_source,
    write_standalone,
)
from napari_defocus_deblur.model import build_model

CONFIGS = [
    {"scales": 2, "base_channels": 8, "levels": 3},
    {
        "scales": 3,
        "fusion": "concat",
        "base_channels": 8,
        "levels": 3,
        "pairing": "shifted",
        "share_weights": False,
        "norm": "group",
        "activation": "gelu",
    },
    {"scales": 2, "architecture": "nah", "nah_channels": 8, "nah_resblocks": 2},
    {"scales": 1, "base_channels": 8, "levels": 2, "activation": "leaky_relu"},
]


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    path = write_standalone(tmp_path_factory.mktemp("arch") / "arch.py")
    return path, load_standalone(path)


def test_imports_only_torch():
    tree = ast.parse(standalone_source())
    modules = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            modules.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module)
    assert modules == {"__future__", "torch", "torch.nn.functional"}
    assert "napari_defocus_deblur." not in "".join(
        ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
    )


@pytest.mark.parametrize("options", CONFIGS, ids=["sum", "concat-shifted", "nah", "unet"])
def test_reproduces_our_outputs_exactly(standalone, options):
    _, module = standalone
    torch.manual_seed(0)
    ours = build_model(**options).eval()
    theirs = getattr(module, CALLABLE)(**ours.config.to_dict()).eval()
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.rand(2, 1, 37, 50)  # odd sizes: exercises the internal padding too
    with torch.no_grad():
        assert torch.equal(theirs(x), ours(x))
        assert all(
            torch.equal(a, b)
            for a, b in zip(theirs.forward_multiscale(x), ours.forward_multiscale(x))
        )


def test_rejects_unknown_config_keys(standalone):
    _, module = standalone
    with pytest.raises(TypeError, match="unknown model config keys: colour"):
        getattr(module, CALLABLE)(colour="red")


def test_runs_without_our_package(standalone, tmp_path):
    """A consumer without napari-defocus-deblur installed gets the same numbers."""
    path, _ = standalone
    torch.manual_seed(1)
    ours = build_model(**CONFIGS[0]).eval()
    torch.save(ours.state_dict(), tmp_path / "w.pt")
    x = torch.rand(1, 1, 40, 48)
    np.save(tmp_path / "x.npy", x.numpy())
    code = f"""
import importlib.util, sys
import numpy as np, torch
sys.modules["napari_defocus_deblur"] = None  # any import of our package now fails
spec = importlib.util.spec_from_file_location("arch", {str(path)!r})
mod = importlib.util.module_from_spec(spec); sys.modules["arch"] = mod
spec.loader.exec_module(mod)
net = mod.{CALLABLE}(**{ours.config.to_dict()!r}).eval()
net.load_state_dict(torch.load({str(tmp_path / "w.pt")!r}, weights_only=True))
with torch.no_grad():
    y = net(torch.from_numpy(np.load({str(tmp_path / "x.npy")!r})))
np.save({str(tmp_path / "y.npy")!r}, y.numpy())
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=120)
    with torch.no_grad():
        expected = ours(x).numpy()
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), expected)


def test_network_file_is_copied_unchanged():
    from napari_defocus_deblur.model import network, phases

    text = Path(network.__file__).read_text(encoding="utf-8")
    assert standalone_source().startswith(text.rstrip("\n"))
    assert network_source().startswith(text.rstrip("\n"))
    # then the phase averaging, without its docstring and imports (one module, torch only)
    tail = Path(phases.__file__).read_text(encoding="utf-8").split("from torch import nn\n", 1)[1]
    assert network_source().endswith(tail.lstrip("\n"))
    assert network_source().count("from __future__") == 1


def test_an_import_the_copy_cannot_provide_is_refused(monkeypatch):
    from napari_defocus_deblur.model import network

    original = Path(network.__file__).read_text(encoding="utf-8")
    monkeypatch.setattr(Path, "read_text", lambda self, **kw: original + "\nimport numpy as np\n")
    with pytest.raises(RuntimeError, match="imports 'numpy'"):
        network_source()
