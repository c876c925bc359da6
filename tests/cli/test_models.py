"""``defocus-deblur models``."""

from __future__ import annotations

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.inference import save_model
from napari_defocus_deblur.model import count_parameters
from tests.inference.helpers import make_zoo, tiny_model


def test_no_bundled_models(empty_zoo, capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "no bundled models are installed" in out and "--dir" in out


def test_lists_user_checkpoints(empty_zoo, tmp_path, capsys):
    net = tiny_model()
    save_model(net, tmp_path / "mine" / "deep-22", depth_um=22)
    (tmp_path / "mine" / "broken").mkdir()
    (tmp_path / "mine" / "broken" / "config.json").write_text("{oops")
    assert main(["models", "--dir", str(tmp_path / "mine")]) == 0
    captured = capsys.readouterr()
    line = next(r for r in captured.out.splitlines() if r.startswith("deep-22"))
    assert "22" in line and "sum" in line and "user" in line
    assert f"{count_parameters(net):,}" in line
    assert "broken" in captured.err and "not valid JSON" in captured.err


def test_lists_bundled_models(tmp_path, use_zoo, capsys):
    use_zoo(make_zoo(tmp_path / "zoo"), "sum")
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "no bundled models" not in out
    rows = [r.split()[:5] for r in out.splitlines()[1:]]
    assert rows[1][:3] == ["tiny-28um-concat", "28", "concat"]
    assert all(r[4] == "bundled" for r in rows)
