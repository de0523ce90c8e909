"""Modules imported when first used, so a client's first request loads only what it sends.

A gateway that fetches SIMs should not pay, at start-up, for the generated modules and
models of the operations it has not called yet (each attrs model class costs ~1 ms to
create). `lazy_module()` returns the module object at once and runs it on first attribute
access (importlib's LazyLoader); type checkers see a plain import under TYPE_CHECKING.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module `name`, executed on its first attribute access."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
