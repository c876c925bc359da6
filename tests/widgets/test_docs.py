"""The napari docs and the README's set-up section say what works, in the right order."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_napari_docs_install_from_source_not_a_missing_pypi_extra():
    text = (ROOT / "docs" / "napari.md").read_text()
    assert "napari-defocus-deblur[all]" not in text  # not on PyPI: that line failed
    assert 'pip install -e ".[qt]"' in text
    assert text.index("whl/cpu") < text.index('pip install -e ".[qt]"')


def test_readme_gives_cpu_torch_advice_before_the_copy_paste_commands():
    text = (ROOT / "README.md").read_text()
    setup = text[text.index("## Set-up on a fresh machine") :]
    first_install = setup.index("pip install -e")
    assert setup.index("download.pytorch.org/whl/cpu") < first_install


def test_every_picture_the_docs_show_exists_and_is_made_by_the_script():
    script = (ROOT / "scripts" / "screenshots.py").read_text()
    pages = {
        ROOT / "docs" / "napari.md": ROOT / "docs",
        ROOT / "README.md": ROOT,
    }
    seen = set()
    for page, base in pages.items():
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", page.read_text()):
            assert (base / target).is_file(), target
            seen.add(Path(target).name)
    assert "screenshot-channel.png" in seen and "screenshot-deblur-after.png" in seen
    assert all(name in script for name in seen)
