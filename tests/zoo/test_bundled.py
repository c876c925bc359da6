"""The bundled model zoo as shipped: loads, matches its cards, and deblurs.

These tests use the real weights in ``napari_defocus_deblur/zoo`` (never a stand-in):
a missing or damaged model fails them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from napari_defocus_deblur.constants import PAPER_DEPTHS_UM
from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.inference import available_models, deblur, load_model
from napari_defocus_deblur.inference.models import ZOO_DIR
from napari_defocus_deblur.model import count_parameters
from napari_defocus_deblur.simulate.field import simulate_prior_field
from napari_defocus_deblur.zoo.card import card_facts, facts_from_info
from napari_defocus_deblur.zoo.names import alias

EXPECTED = ("bbbc006-sum", "bbbc006-concat", "bbbc006-unet", "bbbc006-nah")
MAX_ZOO_MB = 40


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def bundled() -> dict:
    return {e.name: e for e in available_models() if e.bundled}


def test_every_expected_model_is_bundled_small_and_fp16():
    from safetensors import safe_open

    entries = bundled()
    assert set(EXPECTED) <= set(entries)
    total = 0
    for name in EXPECTED:
        folder = ZOO_DIR / name
        assert {"config.json", "model.safetensors", "MODEL_CARD.md"} <= {
            p.name for p in folder.iterdir()
        }
        with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
            dtypes = {f.get_tensor(k).dtype for k in f.keys()}  # noqa: SIM118
        assert {str(d) for d in dtypes} == {"torch.float16"}
        total += sum(p.stat().st_size for p in folder.iterdir())
    assert total / 1e6 < MAX_ZOO_MB


@pytest.mark.parametrize("name", EXPECTED)
def test_model_loads_and_matches_its_card(name):
    info = json.loads((ZOO_DIR / name / "config.json").read_text())
    facts = card_facts((ZOO_DIR / name / "MODEL_CARD.md").read_text())
    assert facts == facts_from_info(info)
    net = load_model(name)
    assert count_parameters(net) == facts["parameters"]
    assert facts["depths_um"] == [float(d) for d in PAPER_DEPTHS_UM]
    assert facts["method"] == name.removeprefix("bbbc006-")
    assert facts["training_steps"] > 0 and facts["weights"] == "float16 safetensors"
    for depth in PAPER_DEPTHS_UM:  # per-distance names load the same weights (a copy each)
        other = load_model(alias(depth, facts["method"]))
        assert other is not net
        for a, b in zip(other.state_dict().values(), net.state_dict().values()):
            assert torch.equal(a, b)


def test_the_four_networks_record_equal_v3_steps():
    """Issue 20: all four networks at equal zoo v3 steps, at least 4,000 each, as their
    records (and so their cards) say; every stage of the chain is recorded."""
    v3_steps = {}
    for name in EXPECTED:
        stages = json.loads((ZOO_DIR / name / "config.json").read_text())["training"]["stages"]
        assert stages[0]["init"] == "scratch"  # the whole chain, from the first run
        v3_steps[name] = sum(s["steps"] for s in stages if s["run"].startswith("v3"))
    assert len(set(v3_steps.values())) == 1 and min(v3_steps.values()) >= 4000, v3_steps


@pytest.mark.parametrize("depth", PAPER_DEPTHS_UM)
def test_summation_model_improves_fresh_simulated_fields(depth):
    """Nominal (calibrated BBBC006) optics, below focus, seeds no training run used: more
    than 1 dB on average over three fields (single fields vary by +-1.5 dB), none worse."""
    gains = []
    for seed in (20261202 + depth, 1000 + depth, 2000 + depth):
        images, _ = simulate_prior_field(
            [-float(depth)], prior="nominal", seed=seed, shape=(256, 320)
        )
        sharp, blurred = images[0.0], images[-float(depth)]
        restored = deblur(blurred, depth_um=depth, fusion="sum")
        assert restored.shape == blurred.shape and restored.dtype == np.float32
        gains.append(psnr(restored, sharp) - psnr(blurred, sharp))
    assert np.mean(gains) > 1.0 and min(gains) > 0.0, f"{depth} um: PSNR gains {gains}"


@pytest.mark.parametrize(("method", "least_gain"), [("concat", 1.0), ("unet", 1.0), ("nah", 0.0)])
def test_other_bundled_models_improve_a_fresh_simulated_field(method, least_gain):
    """The robustness set's nominal sparse-smooth 34 µm cell with a fresh seed (Nah is
    bundled at 50 fine-tuning steps: it must not make the image worse)."""
    from dataclasses import replace

    from napari_defocus_deblur.simulate.robustness import cells, simulate_cell

    cell = next(
        c
        for c in cells()
        if (c.setting, c.content, c.depth_um) == ("nominal", "sparse-smooth", 34.0)
    )
    blurred, sharp = simulate_cell(replace(cell, seed=777))
    restored = deblur(blurred, model=alias(34, method), depth_um=34)
    assert psnr(restored, sharp) > psnr(blurred, sharp) + least_gain


def test_bundled_summation_model_exports_a_valid_bioimageio_package(tmp_path):
    pytest.importorskip("bioimageio.core")
    import zipfile

    import yaml

    from napari_defocus_deblur.export import check_package, export_bioimageio

    # one pass: the bundled weights and their description are what this test is for; the
    # four-phase graph passes the same check in tests/export (tiny networks), and with it
    # this test took 3.5 min of a 2-core AVX2 CPU
    result = export_bioimageio("bbbc006-34um-sum", tmp_path / "sum.zip", test_size=128, phases=1)
    summary = check_package(result.path)
    assert summary.status == "passed", [d.name for d in summary.details if d.status == "failed"]
    with zipfile.ZipFile(result.path) as zf:
        rdf = yaml.safe_load(zf.read("rdf.yaml"))
    assert "0-44 um from focus" in rdf["description"]  # trained on 0-44 µm, not 5 planes
    assert any("2201.02876" in str(c) for c in rdf["cite"])


#: The same figure on every CPU: bf16 inference (OpenVINO on CPUs with bf16 units) changes
#: the near-Nyquist noise (U-Net read 16.4 on the bf16 path, 5.0 in fp32, 3,500 steps).
FP32 = {"precision": "fp32", "backend": "torch"}


@pytest.fixture(scope="module")
def fields_34um() -> list[np.ndarray]:
    """Three full BBBC006-sized nominal fields 34 µm below focus (seeds 9801-9803): on
    quarter fields the networks' ~200 px reach makes the border dominate the spectrum."""
    return [
        simulate_prior_field([-34.0], prior="nominal", seed=seed, shape=(520, 696))[0][-34.0]
        for seed in (9801, 9802, 9803)
    ]


@pytest.mark.parametrize("name", EXPECTED)
def test_shipped_networks_paint_no_lattice(name, fields_34um):
    # zoo v3: resize-then-convolve upsampling and (deblur's default) the mean over four mirror
    # views (four pixel phases before session 41); v2 networks read 300-2,500 here. The ratio of
    # the three restorations' mean spectrum (set_lattice_ratio): one field's Nyquist bins peak by
    # chance (chi-square with one degree of freedom, evaluation.lattice): the in-focus truth of
    # seed 9803 reads 18.0 and the 10,000-step Nah 10.6 on seed 9801 (input 4.5 at the same
    # frequency), 2.7 and 1.9 on the other two; a painted grid stays in the mean.
    from napari_defocus_deblur.evaluation.lattice import set_lattice_ratio

    assert load_model(name).config.upsample == "resize"
    restored = [deblur(f, model=name, depth_um=34, **FP32) for f in fields_34um]
    assert set_lattice_ratio(restored) <= 10


def test_the_default_network_paints_no_lattice_on_one_field(fields_34um):
    from napari_defocus_deblur.evaluation.lattice import lattice_ratio
    from napari_defocus_deblur.zoo.names import DEFAULT_METHOD

    restored = deblur(fields_34um[0], model=f"bbbc006-{DEFAULT_METHOD}", depth_um=34, **FP32)
    assert lattice_ratio(restored) <= 10
