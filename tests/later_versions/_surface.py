"""Helpers for the later-version surface tables: resolve a dotted name, render a signature, fresh runs."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import subprocess
import sys
from typing import Any


def resolve(path: str) -> Any:
    """``"pkg.mod:Name.attr"`` → the object (attributes resolved with ``getattr``)."""
    module, _, attrs = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in filter(None, attrs.split(".")):
        obj = getattr(obj, part)
    return obj


def signature(obj: Any) -> str:
    """The signature without annotations: parameter names, order, kinds and default reprs."""
    sig = inspect.signature(obj)
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def field_layout(cls: type) -> list[tuple[str, str, bool]]:
    """``(name, default repr or "<required>" or "<factory>", kw_only)`` for each dataclass field."""
    out = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default = repr(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            default = "<factory>"
        else:
            default = "<required>"
        out.append((f.name, default, bool(f.kw_only)))
    return out


def is_frozen(cls: type) -> bool:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    return bool(params.frozen)


def fresh(code: str) -> str:
    """Run ``code`` in a new interpreter with warnings as errors; return its stdout (raises on failure)."""
    env = {k: v for k, v in os.environ.items() if k != "AUTOPLAY_SDK_LOG"}
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
