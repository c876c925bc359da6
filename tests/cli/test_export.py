"""``defocus-deblur export``."""

from __future__ import annotations

import sys
import zipfile

import pytest
import yaml

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.inference import save_model
from tests.inference.helpers import make_zoo, tiny_model


def _one_line_error(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("defocus-deblur export: error: "), err
    for fragment in fragments:
        assert fragment in err, err


def test_missing_model_folder(tmp_path, capsys):
    code = main(["export", str(tmp_path / "nope"), "--bioimageio", str(tmp_path / "m.zip")])
    assert code == 2
    _one_line_error(capsys, "nope", "neither a checkpoint folder nor a bundled model")
    assert not (tmp_path / "m.zip").exists()


def test_unwritable_output(tmp_path, capsys):
    save_model(tiny_model(), tmp_path / "ckpt", depth_um=22)
    (tmp_path / "file.txt").write_text("not a folder")
    out = tmp_path / "file.txt" / "m.zip"
    assert main(["export", str(tmp_path / "ckpt"), "--bioimageio", str(out)]) == 2
    _one_line_error(capsys, "cannot write", "is not a folder")
    assert main(["export", str(tmp_path / "ckpt"), "--bioimageio", str(tmp_path / "m.txt")]) == 2
    _one_line_error(capsys, "must be a .zip file")


def test_missing_extra_is_one_clear_line(tmp_path, capsys, monkeypatch):
    save_model(tiny_model(), tmp_path / "ckpt", depth_um=22)
    monkeypatch.setitem(sys.modules, "bioimageio.spec", None)  # as if not installed
    assert main(["export", str(tmp_path / "ckpt"), "--bioimageio", str(tmp_path / "m.zip")]) == 2
    _one_line_error(
        capsys, "needs bioimageio.spec", "pip install 'napari-defocus-deblur[bioimageio]'"
    )


def test_bioimageio_option_is_required(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", str(tmp_path)])
    assert exc.value.code == 2
    assert "--bioimageio" in capsys.readouterr().err


def test_round_trip_with_bioimageio_test(tmp_path, capsys):
    pytest.importorskip("bioimageio.core")
    save_model(tiny_model(), tmp_path / "ckpt", depth_um=22, name="my-22um")
    out = tmp_path / "my.zip"
    code = main(
        ["export", str(tmp_path / "ckpt"), "--bioimageio", str(out), "--test-size", "16",
         "--author", "A. Tester", "--name", "My deblur model", "--test"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.out.splitlines()
    assert lines[0] == f"wrote {out} ('My deblur model', test input 1x1x80x80)"
    assert lines[1].endswith("max |difference| = 0")
    assert lines[2] == "bioimageio test: passed"
    with zipfile.ZipFile(out) as zf:
        rdf = yaml.safe_load(zf.read("rdf.yaml"))
    assert rdf["name"] == "My deblur model" and rdf["authors"] == [{"name": "A. Tester"}]


def test_exports_a_bundled_model_by_name(tmp_path, use_zoo, capsys):
    pytest.importorskip("bioimageio.spec")
    use_zoo(make_zoo(tmp_path / "zoo"))
    out = tmp_path / "zoo.zip"
    assert main(["export", "tiny-28um-concat", "--bioimageio", str(out), "--test-size", "16"]) == 0
    assert "(head-to-tail K2 concat)" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        rdf = yaml.safe_load(zf.read("rdf.yaml"))
    assert rdf["config"]["napari_defocus_deblur"]["fusion"] == "concat"
    assert "28 um from focus" in rdf["description"]


def test_failed_bioimageio_test_exits_1(tmp_path, capsys, monkeypatch):
    pytest.importorskip("bioimageio.core")
    from napari_defocus_deblur.export import content

    save_model(tiny_model(), tmp_path / "ckpt", depth_um=22)
    run = content.run_network
    monkeypatch.setattr(content, "run_network", lambda m, x: run(m, x) - 0.5)  # wrong outputs
    out = tmp_path / "bad.zip"
    code = main(["export", str(tmp_path / "ckpt"), "--bioimageio", str(out), "--test-size", "16",
                 "--test"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "bioimageio test: valid-format" in captured.out
    assert "Reproduce test outputs" in captured.err
