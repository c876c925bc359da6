"""The network source shipped in model packages: ``model/network.py``, copied.

The bioimage.io ``pytorch_state_dict`` format ships the architecture as Python source.
Our networks live in one self-contained file that imports only ``torch``
(``napari_defocus_deblur/model/network.py``); :func:`standalone_source` copies it
unchanged, then the torch-only averaging of mirror views and pixel phases of
``model/phases.py``, and appends
a small configuration class (fields, defaults and derived
properties of :class:`~napari_defocus_deblur.model.ModelConfig`) and the
:data:`CALLABLE` factory, so consumers rebuild exactly our networks from the ``kwargs``
stored in ``rdf.yaml`` (the config plus ``mirror_views`` and ``pixel_phases``, the
averaging the package was exported with). :func:`load_standalone` imports the result for checks.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import sys
import textwrap
import types
from dataclasses import fields
from pathlib import Path

from napari_defocus_deblur.model.config import ModelConfig

#: Name of the factory in the generated module: ``CALLABLE(**config_dict) -> nn.Module``.
CALLABLE = "build_network"
#: Module file name inside the package.
FILE_NAME = "defocus_deblur_architecture.py"
#: Imports the network file may use: the copy must run with torch alone.
ALLOWED_IMPORTS = {"__future__", "torch", "torch.nn.functional"}

_FOOTER = '''\
# --- added by napari-defocus-deblur {version} export: configuration and factory -------

_DEFAULTS = {defaults}


class ModelConfig:
    """Network hyper-parameters (attribute access, defaults as in napari-defocus-deblur)."""

    def __init__(self, **kwargs) -> None:
        unknown = sorted(set(kwargs) - set(_DEFAULTS))
        if unknown:
            raise TypeError(f"unknown model config keys: {{', '.join(unknown)}}")
        for key, value in {{**_DEFAULTS, **kwargs}}.items():
            setattr(self, key, value)

{properties}

def {callable}(pixel_phases: int = 1, mirror_views: int = 1, **kwargs) -> nn.Module:
    """The network described by ``kwargs`` (fresh weights; load the state dict next);
    its forward averages ``mirror_views`` (1 or 4) mirror views of ``pixel_phases``
    (1, 2 or 4) pixel phases each (4 of either: no period-2 lattice)."""
    cfg = ModelConfig(**kwargs)
    if cfg.architecture == "nah":
        net = NahNet(cfg)
    elif cfg.architecture == "head_to_tail":
        net = HeadToTailNet(cfg)
    else:
        raise ValueError(f"unknown architecture {{cfg.architecture!r}}")
    return set_passes(net, mirror_views, pixel_phases)
'''


def _properties_source() -> str:
    """Every property of :class:`ModelConfig` (``size_multiple``, ``conditioned``, ...)."""
    parts = []
    for value in vars(ModelConfig).values():
        if isinstance(value, property) and value.fget is not None:
            body = textwrap.dedent(inspect.getsource(value.fget))
            parts.append(textwrap.indent(body, "    "))  # includes the @property line
    return "\n".join(parts)


def _literal(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _checked_source(module: types.ModuleType) -> str:
    """Text of ``module``'s file, checked to import nothing but ``torch``."""
    source = Path(inspect.getfile(module)).read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            bad = [n for n in names if n not in ALLOWED_IMPORTS]
            if bad:
                raise RuntimeError(
                    f"{Path(inspect.getfile(module)).name} imports {bad[0]!r}; the standalone "
                    "architecture may use only torch"
                )
    return source


def network_source() -> str:
    """Text of ``model/network.py`` followed by ``model/phases.py`` after its imports,
    both checked to import nothing but ``torch``.

    Raises
    ------
    RuntimeError
        A file gained an import the standalone copy cannot provide.
    """
    from napari_defocus_deblur.model import network, phases

    text = _checked_source(phases)
    imports = [n for n in ast.parse(text).body if isinstance(n, ast.Import | ast.ImportFrom)]
    body = "\n".join(text.splitlines()[imports[-1].end_lineno :]).strip("\n")
    return _checked_source(network).rstrip("\n") + "\n\n\n" + body + "\n"


def standalone_source() -> str:
    """Python source of the standalone architecture module (imports only ``torch``)."""
    from napari_defocus_deblur import __version__

    items = "".join(
        f"    {_literal(f.name)}: {_literal(f.default)},\n" for f in fields(ModelConfig)
    )
    footer = _FOOTER.format(
        version=__version__,
        defaults="{\n" + items + "}",
        properties=_properties_source(),
        callable=CALLABLE,
    )
    source = network_source().rstrip("\n") + "\n\n\n" + footer
    ast.parse(source)  # fail here, not in a consumer, if the assembly went wrong
    return source


def write_standalone(path: str | Path) -> Path:
    """Write :func:`standalone_source` to ``path``."""
    path = Path(path)
    path.write_text(standalone_source(), encoding="utf-8")
    return path


def load_standalone(path: str | Path) -> types.ModuleType:
    """Import a standalone architecture file as a fresh module (for checks and tests)."""
    path = Path(path)
    name = f"_defocus_deblur_standalone_{abs(hash(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module
