"""A self-contained copy of the network source for model packages.

The bioimage.io ``pytorch_state_dict`` format ships the architecture as Python source.
:func:`standalone_source` assembles it from this package's own model modules (shape
helpers, blocks, head-to-tail network, Nah baseline), drops the imports between them
and adds a small configuration class and the :data:`CALLABLE` factory, so the result
imports nothing but ``torch`` and rebuilds exactly our networks from the ``kwargs``
stored in ``rdf.yaml`` (a :class:`~napari_defocus_deblur.model.ModelConfig` as a dict).

Generating rather than hand-copying keeps the exported architecture in step with the
model code; :func:`load_standalone` imports the result for checks.
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
#: Model modules copied, in dependency order.
_MODULES = ("ops", "blocks", "head_to_tail", "nah")
#: Top-level imports the copied modules may use (anything else is an error).
_ALLOWED_IMPORTS = {
    "import torch",
    "import torch.nn.functional as F",
    "from torch import nn",
}

_HEADER = '''\
"""Networks of napari-defocus-deblur, standalone: this module needs only torch.

The head-to-tail multi-scale U-Net of "Defocus Deblur Microscopy via head-to-tail
cross-scale fusion" (arXiv:2201.02876), its plain U-Net case (scales=1) and the Nah et
al. 2017 baseline (architecture="nah"). ``{callable}(**kwargs)`` builds a network from
the model configuration in rdf.yaml; inputs are (N, C, H, W) float tensors with H, W >= 16
in percentile-normalised units, outputs have the same shape. Generated from
napari-defocus-deblur {version}.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn'''

_FOOTER = '''\
# --- configuration and factory -------------------------------------------------------

{constants}
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

def {callable}(**kwargs) -> nn.Module:
    """The network described by ``kwargs`` (fresh weights; load the state dict next)."""
    cfg = ModelConfig(**kwargs)
    if cfg.architecture == "nah":
        return NahNet(cfg)
    if cfg.architecture != "head_to_tail":
        raise ValueError(f"unknown architecture {{cfg.architecture!r}}")
    return HeadToTailNet(cfg)
'''


def _module_path(name: str) -> Path:
    spec = importlib.util.find_spec(f"napari_defocus_deblur.model.{name}")
    if spec is None or spec.origin is None:
        raise RuntimeError(f"cannot locate napari_defocus_deblur.model.{name}")
    return Path(spec.origin)


def _strip(source: str, name: str) -> str:
    """``source`` without its docstring and imports (checked against the allowed set)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    drop: set[int] = set()
    for i, node in enumerate(tree.body):
        is_doc = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, ast.Import | ast.ImportFrom):
            text = ast.unparse(node)
            internal = isinstance(node, ast.ImportFrom) and (
                node.module == "__future__"
                or (node.module or "").startswith("napari_defocus_deblur")
            )
            if not internal and text not in _ALLOWED_IMPORTS:
                raise RuntimeError(
                    f"napari_defocus_deblur.model.{name} imports {text!r}, which the "
                    "standalone architecture does not provide; update export/standalone.py"
                )
        elif not is_doc:
            continue
        drop.update(range(node.lineno - 1, node.end_lineno or node.lineno))
    kept = [line for i, line in enumerate(lines) if i not in drop]
    return "\n".join(kept).strip("\n")


def _properties_source() -> str:
    """Every property of :class:`ModelConfig` (``size_multiple``, ``conditioned``, ...)."""
    parts = []
    for value in vars(ModelConfig).values():
        if isinstance(value, property) and value.fget is not None:
            body = textwrap.dedent(inspect.getsource(value.fget))
            parts.append(textwrap.indent(body, "    "))  # includes the @property line
    return "\n".join(parts)


def _constants_source() -> str:
    """Upper-case number constants of the config module (e.g. ``DEPTH_UNIT_UM``)."""
    from napari_defocus_deblur.model import config

    items = [
        f"{name} = {value!r}\n"
        for name, value in vars(config).items()
        if name.isupper() and isinstance(value, int | float) and not isinstance(value, bool)
    ]
    return "".join(items)


def _literal(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def standalone_source() -> str:
    """Python source of the standalone architecture module (imports only ``torch``)."""
    from napari_defocus_deblur import __version__

    parts = [_HEADER.format(version=__version__, callable=CALLABLE)]
    for name in _MODULES:
        body = _strip(_module_path(name).read_text(encoding="utf-8"), name)
        parts.append(f"# --- from napari_defocus_deblur/model/{name}.py ---\n\n\n{body}")
    items = "".join(
        f"    {_literal(f.name)}: {_literal(f.default)},\n" for f in fields(ModelConfig)
    )
    defaults = "{\n" + items + "}"
    parts.append(
        _FOOTER.format(
            constants=_constants_source(),
            defaults=defaults,
            properties=_properties_source(),
            callable=CALLABLE,
        )
    )
    source = "\n\n\n".join(parts)
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
