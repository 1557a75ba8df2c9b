"""An installer changes Rasa's code once, and again only after the original is put back."""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest

from nlu_components.patching import installs


class Greeter:
    """Stands for a class of Rasa's whose method an installer replaces."""

    def greet(self) -> str:
        return "hello"


ORIGINAL = Greeter.greet
CALLS: list[str] = []


@installs(f"{__name__}:Greeter.greet")
def install_loud_greeting() -> None:
    """Wraps whatever ``greet`` is now, as the project's installers wrap Rasa's methods."""
    CALLS.append("install")
    wrapped = Greeter.greet

    def greet(self: Greeter) -> str:
        return wrapped(self).upper() + "!"

    Greeter.greet = greet  # type: ignore[method-assign]


@installs()
def install_module_flag(module: types.ModuleType) -> None:
    """Changes the module it is handed, as the ``rasa`` command's patches do."""
    module.count = getattr(module, "count", 0) + 1  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def original_greeter() -> Iterator[None]:
    CALLS.clear()
    yield
    Greeter.greet = ORIGINAL  # type: ignore[method-assign]


def test_a_second_install_does_not_wrap_the_replacement_again() -> None:
    install_loud_greeting()
    install_loud_greeting()

    assert Greeter().greet() == "HELLO!"
    assert CALLS == ["install"]
    assert install_loud_greeting.installed()


def test_an_original_put_back_is_replaced_by_the_next_install() -> None:
    install_loud_greeting()
    Greeter.greet = ORIGINAL  # type: ignore[method-assign]
    assert not install_loud_greeting.installed()

    install_loud_greeting()

    assert Greeter().greet() == "HELLO!"
    assert CALLS == ["install", "install"]


def test_a_module_installer_changes_each_module_it_is_handed_once() -> None:
    first, second = types.ModuleType("first"), types.ModuleType("second")

    for module in (first, second, first, second):
        install_module_flag(module)

    assert (first.count, second.count) == (1, 1)  # type: ignore[attr-defined]
    assert install_module_flag.installed(first)
    assert not install_module_flag.installed(types.ModuleType("third"))
