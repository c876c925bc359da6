"""``defocus-deblur train`` on a simulated BBBC006 set: trains, resumes, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.io.tiff import write_tiff
from napari_defocus_deblur.model.checkpoint import load_checkpoint
from tests.training.helpers import simulated_set, write_z_stacks

TINY_ARGS = [
    "--scales",
    "2",
    "--base-channels",
    "8",
    "--levels",
    "3",
    "--crop",
    "32",
    "--batch",
    "2",
    "--epoch-steps",
    "4",
    "--device",
    "cpu",
]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    return simulated_set(tmp_path_factory.mktemp("cli-train") / "bbbc", n_fields=5, shape=(48, 64))


def test_train_then_resume(sim, tmp_path, capsys):
    out = tmp_path / "model"
    rc = main(["train", str(sim), "--depth", "10", "--steps", "8", "-o", str(out), *TINY_ARGS])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "validation baseline (input, no processing): PSNR" in text
    assert "paired z_11 (10 µm below z_16) with z_16 for 5 fields, channel w1" in text
    assert text.count("\nepoch ") + text.startswith("epoch") >= 3  # epochs 0, 1, 2
    assert "finished after 8 steps" in text
    model, info = load_checkpoint(out)
    assert model.config.scales == 2 and info["depth_um"] == 10.0
    record = info["training"]
    best, base, kept = record["best_val_psnr"], record["input_val_psnr"], record["kept_epoch"]
    assert best == max(h["val_psnr"] for h in record["history"]) and kept == record["best_epoch"]
    assert (
        f"validation PSNR {best:.2f} dB (epoch {kept}'s weights, the best, "
        f"{best - base:+.2f} dB against the unprocessed input)" in text
    )
    assert info["training"]["data"]["n_train_fields"] == 3
    pairing = info["training"]["data"]["pairing"]
    assert pairing == [
        {
            "depth_um": 10.0,
            "blurred_plane": 11,
            "reference_plane": 16,
            "n_fields": 5,
            "channel": 1,
            "side": "below",
        }
    ]
    rc = main(
        [
            "train",
            str(sim),
            "--depth",
            "10",
            "--steps",
            "12",
            "-o",
            str(out),
            "--resume",
            *TINY_ARGS,
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0 and "finished after 12 steps" in text
    assert json.loads((out / "training_state.json").read_text())["step"] == 12


def test_cpu_default_is_a_time_budget(sim, tmp_path, capsys):
    args = [
        "train",
        str(sim),
        "--depth",
        "10",
        "-o",
        str(tmp_path / "m"),
        "--max-minutes",
        "0.001",
        *TINY_ARGS,
    ]
    assert main(args) == 0
    from napari_defocus_deblur.cli import build_parser
    from napari_defocus_deblur.cli.train import build_config

    cfg, notes = build_config(
        build_parser().parse_args(
            ["train", str(sim), "--depth", "10", "-o", str(tmp_path / "n"), "--device", "cpu"]
        )
    )
    assert cfg.max_minutes == 5.0 and (cfg.crop, cfg.batch) == (128, 2)
    assert "5 minutes" in notes[0]


def _error(capsys, argv):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("defocus-deblur train: error: ") and err.count("\n") == 1
    return err


def test_clear_errors(sim, tmp_path, capsys):
    out = ["-o", str(tmp_path / "m"), "--steps", "2", *TINY_ARGS]
    err = _error(capsys, ["train", str(sim), "--depth", "20", *out])
    assert "no images for 20 µm below z_16 (plane z_06)" in err
    err = _error(capsys, ["train", str(sim), "--depth", "34", *out])
    assert "34 µm below z_16 is outside BBBC006 (z_00 is 32 µm below z_16)" in err
    (tmp_path / "empty").mkdir()
    assert "is empty" in _error(capsys, ["train", str(tmp_path / "empty"), "--depth", "10", *out])
    single = simulated_set(tmp_path / "single", n_fields=1, shape=(32, 32))
    err = _error(capsys, ["train", str(single), "--depth", "10", *out])
    assert "found only 1 field pair" in err and "validation" in err
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    err = _error(
        capsys, ["train", str(sim), "--depth", "10", "-o", str(blocker / "m"), *TINY_ARGS]
    )
    assert "cannot write to output directory" in err
    bad = simulated_set(tmp_path / "bad", n_fields=3, shape=(32, 32))
    for victim in (bad / "BBBC006_v1_images_z_11").iterdir():
        write_tiff(victim, np.zeros((30, 32), dtype=np.uint16))
    err = _error(capsys, ["train", str(bad), "--depth", "10", *out])
    assert "differ in shape" in err


def test_explicit_reference_plane_and_side(tmp_path, capsys):
    root = simulated_set(tmp_path / "bbbc", n_fields=4, planes=(16, 21), shape=(48, 64))
    out = ["-o", str(tmp_path / "m"), "--steps", "2", *TINY_ARGS]
    err = _error(capsys, ["train", str(root), "--depth", "10", *out])  # default: below z_16
    assert "no images for 10 µm below z_16 (plane z_11)" in err
    argv = ["train", str(root), "--depth", "10", "--reference-plane", "16", "--side", "above"]
    assert main([*argv, *out]) == 0
    assert "paired z_21 (10 µm above z_16) with z_16 for 4 fields" in capsys.readouterr().out
    argv = ["train", str(root), "--depth", "34", "--reference-plane", "16", *out]
    argv[argv.index("-o") + 1] = str(tmp_path / "m2")
    assert "use --reference-plane 17 for the paper's 34 µm (z_00 vs z_17)" in _error(capsys, argv)


def test_several_depths_train_one_pooled_model(tmp_path, capsys):
    root = simulated_set(tmp_path / "bbbc", n_fields=5, planes=(8, 11, 16), shape=(48, 64))
    out = tmp_path / "pooled"
    argv = ["train", str(root), "--depth", "10", "16", "--steps", "4", "-o", str(out)]
    assert main([*argv, *TINY_ARGS]) == 0
    text = capsys.readouterr().out
    assert "at 10, 16 um (pooled)" in text
    info = json.loads((out / "config.json").read_text())
    assert info["depth_um"] is None and info["depths_um"] == [10.0, 16.0]
    assert info["training"]["data"]["n_train_fields"] == 2 * 3


def test_depth_sampling_reaches_the_config(tmp_path):
    from napari_defocus_deblur.cli import build_parser
    from napari_defocus_deblur.cli.train import build_config

    base = ["train", "--prior", "wide", "-o", str(tmp_path / "m"), "--device", "cpu"]
    parse = build_parser().parse_args
    assert build_config(parse(base))[0].depth_sampling == "uniform"
    cfg, _ = build_config(parse([*base, "--depth-sampling", "stratified"]))
    assert cfg.depth_sampling == "stratified"


def test_depth_jitter_reaches_the_config(tmp_path):
    from napari_defocus_deblur.cli import build_parser
    from napari_defocus_deblur.cli.train import build_config

    base = ["train", "--prior", "wide", "-o", str(tmp_path / "m"), "--device", "cpu"]
    parse = build_parser().parse_args
    assert build_config(parse(base))[0].depth_jitter == 0.0
    assert build_config(parse([*base, "--depth-jitter", "0.1"]))[0].depth_jitter == 0.1


def test_nominal_optics_share_reaches_the_config(tmp_path):
    from napari_defocus_deblur.cli import build_parser
    from napari_defocus_deblur.cli.train import build_config

    base = ["train", "--prior", "wide", "-o", str(tmp_path / "m"), "--device", "cpu"]
    parse = build_parser().parse_args
    assert build_config(parse(base))[0].nominal_optics_share == 0.0
    share = build_config(parse([*base, "--nominal-optics-share", "0.4"]))[0]
    assert share.nominal_optics_share == 0.4


def test_bright_bodies_share_reaches_the_config(tmp_path, capsys):
    from napari_defocus_deblur.cli import build_parser, main
    from napari_defocus_deblur.cli.train import build_config

    base = ["train", "--prior", "wide", "-o", str(tmp_path / "m"), "--device", "cpu"]
    parse = build_parser().parse_args
    assert build_config(parse(base))[0].bright_bodies_share == 0.0
    share = build_config(parse([*base, "--bright-bodies-share", "0.3"]))[0]
    assert share.bright_bodies_share == 0.3
    assert main([*base, "--bright-bodies-share", "1.5"]) == 2
    assert "bright_bodies_share" in capsys.readouterr().err


def test_harm_above_focus_reaches_the_config(tmp_path):
    from napari_defocus_deblur.cli import build_parser
    from napari_defocus_deblur.cli.train import build_config

    base = ["train", "--prior", "wide", "-o", str(tmp_path / "m"), "--device", "cpu"]
    parse = build_parser().parse_args
    assert build_config(parse(base))[0].harm_above_focus == 1.0
    weighed = parse([*base, "--harm-weight", "24", "--harm-above-focus", "4"])
    assert build_config(weighed)[0].harm_above_focus == 4.0


def test_keep_reaches_the_config(tmp_path):
    from napari_defocus_deblur.cli import build_parser
    from napari_defocus_deblur.cli.train import build_config

    base = ["train", "--prior", "wide", "-o", str(tmp_path / "m"), "--device", "cpu"]
    parse = build_parser().parse_args
    assert build_config(parse(base))[0].keep == "best"
    assert build_config(parse([*base, "--keep", "last"]))[0].keep == "last"


def test_stacks_of_finer_pixels_train_on_the_grid_and_the_model_bins_alike(tmp_path, capsys):
    stacks = write_z_stacks(tmp_path / "stacks", 0.3225)
    model = tmp_path / "m"
    argv = ["train", str(stacks), "--depth", "2", "--in-focus-index", "1", "--steps", "2"]
    assert main([*argv, "-o", str(model), *TINY_ARGS]) == 0
    assert "the images' 0.3225 µm pixels binned 2 x 2 onto BBBC006's" in capsys.readouterr().out
    data = json.loads((model / "config.json").read_text())["training"]["data"]
    assert data["pixel_size_um"] == pytest.approx(0.3225) and data["on_bbbc006_grid"] is True
    image = tmp_path / "in" / "plain.tif"  # a plane of that microscope, recording nothing
    write_tiff(image, np.full((64, 72), 500, np.uint16) + np.eye(64, 72, dtype=np.uint16) * 300)
    out = tmp_path / "out"
    predict = ["predict", str(image.parent), "-o", str(out), "--model", str(model), "-v"]
    assert main([*predict, "--depth", "2", "--device", "cpu"]) == 0
    assert "0.3225 µm pixels of the network's training images" in capsys.readouterr().err
    from napari_defocus_deblur.io.tiff import read_image

    assert read_image(next(out.glob("*.tif")))[0].shape == (64, 72)
    twenty_x = tmp_path / "in20" / "bbbc006-like.tif"  # a file recording 0.645 µm pixels
    write_tiff(twenty_x, np.full((64, 72), 500, np.uint16), metadata={"pixel_size_um": 0.645})
    predict[1:4] = [str(twenty_x.parent), "-o", str(tmp_path / "out20")]
    assert main([*predict, "--depth", "2", "--device", "cpu"]) == 0
    assert "training images" not in capsys.readouterr().err  # read as it records
    own = tmp_path / "own"
    assert main([*argv, "--own-pixels", "-o", str(own), *TINY_ARGS]) == 0
    assert "training on the images' own 0.3225 µm pixels" in capsys.readouterr().out
    assert (
        json.loads((own / "config.json").read_text())["training"]["data"]["on_bbbc006_grid"]
        is False
    )


def test_a_pixel_size_with_a_prior_is_refused(tmp_path, capsys):
    argv = ["train", "--prior", "wide", "--pixel-size", "0.3", "-o", str(tmp_path / "m")]
    assert "a pixel size applies to data folders" in _error(capsys, [*argv, *TINY_ARGS])
