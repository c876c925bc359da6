"""Packaging: lazy imports, manifest validity, console entry point."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_import_does_not_import_torch():
    out = _run("import sys, napari_defocus_deblur as m; print('torch' in sys.modules)")
    assert out == "False"


def test_reader_and_sample_modules_do_not_import_torch():
    code = (
        "import sys; import napari_defocus_deblur.io.reader, "
        "napari_defocus_deblur.simulate.sample; print('torch' in sys.modules)"
    )
    assert _run(code) == "False"


def test_public_api_is_lazy_but_available():
    code = (
        "import sys, napari_defocus_deblur as pkg; "
        "before = [m for m in ('torch', 'napari_defocus_deblur.model', "
        "'napari_defocus_deblur.inference') if m in sys.modules]; "
        "listed = 'build_model' in dir(pkg) and 'deblur' in dir(pkg); "
        "ok = callable(pkg.build_model) and 'napari_defocus_deblur.model' in sys.modules; "
        "print(before, listed, ok)"
    )
    assert _run(code) == "[] True True"


def test_manifest_validates():
    from npe2 import PluginManifest

    manifest = PluginManifest.from_distribution("napari-defocus-deblur")
    assert manifest.name == "napari-defocus-deblur"
    widget_names = {w.display_name for w in manifest.contributions.widgets}
    assert {"Deblur", "Train deblur model"} <= widget_names
    result = subprocess.run(
        [sys.executable, "-m", "npe2", "validate", "napari-defocus-deblur"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in (result.stdout + result.stderr).lower()


def test_console_script_and_module_entry_points():
    out = subprocess.run(
        [sys.executable, "-m", "napari_defocus_deblur", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("simulate", "predict", "train", "evaluate", "demo"):
        assert command in out
    bad = subprocess.run(
        [sys.executable, "-m", "napari_defocus_deblur", "no-such-command"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "invalid choice" in bad.stderr
