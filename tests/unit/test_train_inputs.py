"""`make train` retrains for every module training runs, and only for those.

The Makefile leaves out of the model's inputs the ``nlu_components`` modules that only the
Rasa server installs (``SERVED_ONLY``). That is right only while no component that
``config.yml`` names reaches one of them through its imports, and while each is one the
server installs: both are read here from the source.
"""

from __future__ import annotations

import ast
import re

import yaml

from tests.conftest import ROOT

PACKAGE = ROOT / "nlu_components"


def served_only() -> set[str]:
    """The modules the Makefile's ``SERVED_ONLY`` names."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^SERVED_ONLY := (.+)$", makefile, re.MULTILINE)
    assert found, "the Makefile names no SERVED_ONLY modules"
    return set(found.group(1).split())


def trained_modules() -> set[str]:
    """The ``nlu_components`` modules of the components config.yml names."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [step["name"] for step in [*config["pipeline"], *config["policies"]]]
    return {name.split(".")[1] for name in names if name.startswith("nlu_components.")}


def imported_modules(module: str) -> set[str]:
    """The ``nlu_components`` modules that ``module`` imports, anywhere in its source."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("nlu_components.")}
    return {m for m in found if (PACKAGE / f"{m}.py").is_file()}


def reached_from(modules: set[str]) -> set[str]:
    """``modules`` and every ``nlu_components`` module they import, directly or not."""
    reached, todo = set(modules), list(modules)
    while todo:
        for found in imported_modules(todo.pop()) - reached:
            reached.add(found)
            todo.append(found)
    return reached


def test_no_trained_component_reaches_a_module_left_out_of_the_models_inputs() -> None:
    trained = trained_modules()
    assert "ted_loading" in trained  # the config is read: TED is loaded by our subclass
    assert reached_from(trained) & served_only() == set()


def test_every_module_left_out_of_the_models_inputs_is_one_the_server_installs() -> None:
    launch = (ROOT / "guardrails" / "launch.py").read_text(encoding="utf-8")
    for module in served_only():
        assert (PACKAGE / f"{module}.py").is_file(), module
        assert f"from nlu_components.{module} import install_" in launch, module
