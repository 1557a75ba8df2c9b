"""A Python file outside any package (a script, the Docker image's preflight) as a module.

The tests call what such a file defines (the NLU gate's ``macro_f1``, the preflight's
``check``) instead of copying it; each file is loaded once per process.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType


@functools.cache
def module_from_file(path: Path) -> ModuleType:
    """The module that executing ``path`` defines, named after the file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
