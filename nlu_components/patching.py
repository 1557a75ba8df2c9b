"""Changes this project makes to Rasa's own code in a process, each made at most once.

Each change is an install function (``install_incremental_states``, ``install_ted_on_demand``,
...) that replaces something of Rasa's: a method of one of its classes, or a name in one of its
modules. Installing twice would wrap the replacement in itself, so each installer is decorated
with :func:`installs`, which runs it only while its target does not carry its mark, and marks
the target once the installer has run.

The mark is kept on the target as it is after the install (the replacement function, or the
module changed), never in the installer. So whether a change is in place is read from Rasa's
code itself: a test that puts Rasa's original back gets the change again from the next call.
"""

from __future__ import annotations

import functools
import importlib
import operator
from collections.abc import Callable
from types import ModuleType
from typing import Any, Generic, ParamSpec

P = ParamSpec("P")


class Installer(Generic[P]):
    """An install function that runs only while its target lacks its mark (see the module)."""

    def __init__(self, install: Callable[P, None], target: str | None) -> None:
        functools.update_wrapper(self, install)
        self._install = install
        self._target = target
        self._module: ModuleType | None = None  # the target's module, once imported
        module, _, path = (target or "").partition(":")
        self._module_name = module
        self._in_module: Callable[[ModuleType], Any] = (
            operator.attrgetter(path) if path else lambda found: found
        )
        self.mark = f"aftercare_{install.__name__}"

    def target(self, *args: Any) -> Any:
        """What the install changes: the named object as it is now, or the module handed in.

        The module is imported once; the attribute is read at every call (``installed()`` is
        asked at every tracker load, where a full name lookup would cost 15 µs).
        """
        if self._target is None:
            return args[0]
        if self._module is None:
            self._module = importlib.import_module(self._module_name)
        return self._in_module(self._module)

    def installed(self, *args: Any) -> bool:
        """Whether the change is in place (for a module's installer: in that module)."""
        return bool(getattr(self.target(*args), self.mark, False))

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        if self.installed(*args):
            return
        self._install(*args, **kwargs)
        setattr(self.target(*args), self.mark, True)


def installs(target: str | None = None) -> Callable[[Callable[P, None]], Installer[P]]:
    """Make an installer run at most once per target.

    ``target`` names what it replaces as ``"module:Class.attribute"`` (the attribute read
    afresh at each call), or a module as ``"module"``; without it, the target is the module the
    installer is handed (the ``rasa`` command's patches, installed as each module is imported).
    """

    def decorate(install: Callable[P, None]) -> Installer[P]:
        return Installer(install, target)

    return decorate
