"""The layers' import rules, read from the source with ``ast``: a forbidden edge fails here.

channels → Rasa → actions → service clients → backends, with ``merchants`` (tenants, policy,
identity) below all of them. The agent desk and the reference backend are separate services
that share only ``webkit``; a merchant replaces the backend without touching the desk.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# package → project packages it must never import
FORBIDDEN: dict[str, set[str]] = {
    "desk": {"commerce", "actions", "channels", "stack"},
    "commerce": {"desk", "actions", "channels", "stack", "nlu_components", "stores"},
    "webkit": {
        "actions",
        "benchmarks",
        "channels",
        "commerce",
        "desk",
        "guardrails",
        "nlu_components",
        "recommender",
        "stack",
        "stores",
    },
    "recommender": {"actions", "channels", "commerce", "desk", "stack"},
    # a merchant's configuration sits below every layer that reads it, Rasa included
    "merchants": {"actions", "channels", "commerce", "desk", "stack", "rasa", "rasa_sdk"},
    # the Rasa server's side never reaches into the action server's dialogue code
    "channels": {"actions", "commerce", "desk"},
    "stack": {"actions"},
    "guardrails": {"actions", "channels", "commerce", "desk"},
    "stores": {"actions", "channels", "commerce", "desk"},
    # the stream's consumers read events, never the servers that wrote them
    "analytics": {"actions", "channels", "commerce", "desk", "stack"},
    "proactive": {"actions", "commerce", "desk"},
}


def _imported_packages(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, lazily inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_of_a_package_imports_a_forbidden_layer(package: str) -> None:
    edges = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(_imported_packages(path) & FORBIDDEN[package])
    ]
    assert not edges, "\n".join(edges)


def test_the_walker_sees_lazy_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from commerce.db import Database\n    import desk.app\n")
    assert _imported_packages(module) == {"commerce", "desk"}


# What every flow may lean on; everything else in actions/ is a flow.
SHARED_DIALOGUE = {
    "changes",
    "confirmed",
    "items",
    "knowledge",
    "options",
    "postal",
    "reask",
    "scores",
    "services",
    "support",
    "swaps",
    "verification",
}


def test_no_flow_module_imports_another_flow() -> None:
    flows = {
        path.stem
        for path in (ROOT / "actions").glob("*.py")
        if path.stem not in SHARED_DIALOGUE | {"__init__"}
    }
    edges = []
    for path in sorted((ROOT / "actions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("actions."):
                target = (node.module or "").split(".")[1]
                if target in flows and target != path.stem:
                    edges.append(f"actions/{path.name} imports actions.{target}")
    assert not edges, "\n".join(edges)


def test_shared_dialogue_modules_import_no_flow() -> None:
    """Shared modules sit below the flows: an import upwards would make a cycle sooner or later."""
    for name in SHARED_DIALOGUE - {"services"}:
        imported = {
            (node.module or "").split(".")[1]
            for node in ast.walk(ast.parse((ROOT / "actions" / f"{name}.py").read_text()))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("actions.")
        }
        assert (
            imported <= SHARED_DIALOGUE
        ), f"actions/{name}.py imports {imported - SHARED_DIALOGUE}"
