"""Every Python process of the virtualenv keeps Rasa's telemetry off and its cache outside."""

from __future__ import annotations

import functools
import importlib
import json
import os
import subprocess
import sys
import sysconfig
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from guardrails import rasa_defaults
from tests.conftest import ROOT

VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def clean_env(home: Path) -> dict[str, str]:
    """A fresh user: no Rasa config, nothing Rasa-related set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASA_")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    return env


def run_python(code: str, home: Path, cwd: Path = ROOT) -> str:
    out = subprocess.run(
        [str(VENV_PYTHON), "-c", code],
        cwd=cwd,
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return out.stdout


def test_when_the_virtualenv_starts_python_then_the_defaults_are_installed() -> None:
    site_packages = Path(sysconfig.get_paths()["purelib"])
    pth = site_packages / rasa_defaults.PTH_FILE
    assert pth.is_file(), "scripts/bootstrap.sh installs it: run `make install`"
    installed = site_packages / f"{rasa_defaults.INSTALLED_MODULE}.py"
    assert installed.read_text(encoding="utf-8") == Path(rasa_defaults.__file__).read_text(
        encoding="utf-8"
    ), "the installed copy is stale: run `make install`"


def test_when_rasa_starts_for_a_new_user_then_telemetry_stays_off(tmp_path: Path) -> None:
    # What `rasa <command>` does first, in a process of the virtualenv with a clean HOME.
    out = run_python(
        "import json, os, rasa.telemetry as t\n"
        "enabled_at_start = t.initialize_telemetry()\n"
        "t.initialize_error_reporting()\n"
        "import sentry_sdk\n"
        "print(json.dumps({'initialize': enabled_at_start, 'enabled': t.is_telemetry_enabled(),"
        " 'env': os.environ['RASA_TELEMETRY_ENABLED'],"
        " 'sentry': sentry_sdk.Hub.current.client is not None}))",
        tmp_path,
    )
    state = json.loads(out.splitlines()[-1])
    assert state == {"initialize": False, "enabled": False, "env": "false", "sentry": False}
    stored = yaml.safe_load((tmp_path / ".config" / "rasa" / "global.yml").read_text())
    assert stored["metrics"]["enabled"] is False


def test_when_the_user_had_enabled_telemetry_then_rasa_turns_it_off(tmp_path: Path) -> None:
    config = tmp_path / ".config" / "rasa" / "global.yml"
    config.parent.mkdir(parents=True)
    config.write_text("metrics:\n  enabled: true\n  rasa_user_id: abc\n", encoding="utf-8")
    run_python("import rasa.telemetry as t; t.initialize_telemetry()", tmp_path)
    stored = yaml.safe_load(config.read_text())
    assert stored["metrics"] == {"enabled": False, "rasa_user_id": "abc"}


def test_when_the_rasa_command_runs_then_no_enabled_setting_is_written(tmp_path: Path) -> None:
    # `rasa telemetry` goes through the same start-up as every command and prints the status.
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "telemetry"],
        cwd=ROOT,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Telemetry reporting is currently disabled" in out.stdout
    config = (tmp_path / ".config" / "rasa" / "global.yml").read_text(encoding="utf-8")
    assert "enabled: true" not in config


def test_when_rasa_runs_then_its_cache_and_test_stories_are_where_the_project_wants(
    tmp_path: Path,
) -> None:
    out = run_python(
        "import json, os, rasa.cli.test, rasa.engine.caching as c\n"
        "print(json.dumps({'cache': str(c.LocalTrainingCache._get_cache_location()),"
        " 'stories': rasa.cli.test.DEFAULT_E2E_TESTS_PATH}))",
        tmp_path,
    )
    state = json.loads(out.splitlines()[-1])
    cache = Path(state["cache"])
    assert cache == Path(rasa_defaults.cache_directory(str(ROOT), clean_env(tmp_path)))
    assert ROOT.resolve() not in cache.resolve().parents
    assert state["stories"] == "tests"


def test_when_two_projects_run_rasa_then_their_caches_differ(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    one = rasa_defaults.cache_directory(str(tmp_path / "a" / "shop"), env)
    other = rasa_defaults.cache_directory(str(tmp_path / "b" / "shop"), env)
    assert one != other
    assert Path(one).parent == Path(other).parent == tmp_path / "aftercare" / "rasa"


def test_when_the_rasa_command_starts_then_unset_variables_get_the_stack_defaults(
    tmp_path: Path,
) -> None:
    code = (
        "import os, rasa.__main__\n"
        "print(os.environ['ACTION_ENDPOINT_URL'], os.environ['TRACKER_STORE_URL'])"
    )
    env = clean_env(tmp_path)
    env.pop("ACTION_ENDPOINT_URL", None)
    env["TRACKER_STORE_URL"] = "sqlite:///elsewhere.db"
    out = run_venv(code, env).stdout
    assert out.split() == ["http://127.0.0.1:5055/webhook", "sqlite:///elsewhere.db"]


def run_venv(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``code`` in the virtualenv's Python from the project root, as the rasa command runs."""
    return subprocess.run(
        [str(VENV_PYTHON), "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def test_in_production_the_rasa_command_takes_no_local_default(tmp_path: Path) -> None:
    """A forgotten secret must stop a production server, not be replaced by a public one."""
    code = "import os, rasa.__main__\nprint(os.environ.get('AFTERCARE_TRACKER_KEY', 'unset'))"
    env = {**clean_env(tmp_path), "AFTERCARE_ENV": "production"}
    env.pop("AFTERCARE_TRACKER_KEY", None)
    assert run_venv(code, env).stdout.split() == ["unset"]


def test_a_local_default_secret_is_never_taken_silently(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    env.pop("AFTERCARE_TRACKER_KEY", None)
    stderr = run_venv("import rasa.__main__", env).stderr
    assert "local-only defaults" in stderr and "AFTERCARE_TRACKER_KEY" in stderr


def test_when_a_user_asks_for_telemetry_then_it_is_still_off() -> None:
    environ = {"RASA_TELEMETRY_ENABLED": "true", "RASA_CACHE_DIRECTORY": "/somewhere"}
    rasa_defaults.apply(environ)
    assert environ == {"RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": "/somewhere"}


def test_when_installed_then_the_pth_file_applies_the_copy(tmp_path: Path) -> None:
    rasa_defaults.install(tmp_path)
    pth = (tmp_path / rasa_defaults.PTH_FILE).read_text(encoding="utf-8")
    assert pth.startswith(f"import {rasa_defaults.INSTALLED_MODULE};")
    out = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            f"import os, site; site.addsitedir({str(tmp_path)!r}); "
            "print(os.environ['RASA_TELEMETRY_ENABLED'])",
        ],
        env={"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "false"


# --- Rasa's YAML schema check, once per text ------------------------------------------------


def rasa_check() -> Callable[..., None]:
    """Rasa's own ``validate_yaml_schema``, under the memo the virtualenv puts over it."""
    import rasa.shared.utils.validation as validation

    return getattr(validation.validate_yaml_schema, "__wrapped__", validation.validate_yaml_schema)


class CountingCheck:
    """Rasa's check, counting the texts it really checked."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str, schema: str, package: str = "rasa") -> None:
        self.calls += 1
        rasa_check()(text, schema, package)


DOMAIN_SCHEMA = "shared/utils/schemas/domain.yml"
NLU_SCHEMA = "shared/nlu/training_data/schemas/nlu.yml"
RESPONSES_SCHEMA_FILE = "shared/nlu/training_data/schemas/responses.yml"
SCHEMA_EXTENSIONS_FILE = "shared/utils/pykwalify_extensions.py"
DOMAIN = (ROOT / "domain.yml").read_text(encoding="utf-8")
# valid against the domain's schema and the NLU data's alike
MINIMAL = 'version: "3.1"\n'


def test_a_text_that_passed_is_not_checked_again_by_a_later_process(tmp_path: Path) -> None:
    """A second memo on the same store stands for a later process (the store is all they share)."""
    check = CountingCheck()
    first = rasa_defaults.ValidYamlMemo(check, str(tmp_path), "3.6.21")
    first(DOMAIN, DOMAIN_SCHEMA)
    first(DOMAIN, DOMAIN_SCHEMA)
    later = rasa_defaults.ValidYamlMemo(check, str(tmp_path), "3.6.21")
    later(DOMAIN, DOMAIN_SCHEMA)
    assert check.calls == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_a_text_that_fails_the_schema_fails_every_time_and_is_never_kept(tmp_path: Path) -> None:
    from rasa.shared.utils.validation import YamlValidationException

    broken = DOMAIN.replace("responses:", "responses:\n  utter_broken: 42", 1)
    memo = rasa_defaults.ValidYamlMemo(CountingCheck(), str(tmp_path), "3.6.21")
    for _ in range(2):
        with pytest.raises(YamlValidationException):
            memo(broken, DOMAIN_SCHEMA)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "text, schema, version",
    [
        (MINIMAL + "# edited\n", DOMAIN_SCHEMA, "3.6.21"),
        (MINIMAL, DOMAIN_SCHEMA, "3.6.22"),
        (MINIMAL, NLU_SCHEMA, "3.6.21"),
    ],
    ids=["another text", "another Rasa", "another schema"],
)
def test_another_text_schema_or_rasa_is_checked_again(
    tmp_path: Path, text: str, schema: str, version: str
) -> None:
    check = CountingCheck()
    rasa_defaults.ValidYamlMemo(check, str(tmp_path), "3.6.21")(MINIMAL, DOMAIN_SCHEMA)
    rasa_defaults.ValidYamlMemo(check, str(tmp_path), version)(text, schema)
    assert check.calls == 2


@pytest.mark.parametrize(
    "edited",
    ["shared/utils/schemas/domain.yml", RESPONSES_SCHEMA_FILE, SCHEMA_EXTENSIONS_FILE],
    ids=["the schema", "the responses schema", "pykwalify's extensions"],
)
def test_an_edited_schema_file_checks_the_text_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edited: str
) -> None:
    check = CountingCheck()
    rasa_defaults.ValidYamlMemo(check, str(tmp_path), "3.6.21")(MINIMAL, DOMAIN_SCHEMA)
    installed = rasa_defaults.rasa_file
    monkeypatch.setattr(
        rasa_defaults,
        "rasa_file",
        lambda path: installed(path) + (b"\n# edited\n" if path == edited else b""),
    )
    rasa_defaults.ValidYamlMemo(check, str(tmp_path), "3.6.21")(MINIMAL, DOMAIN_SCHEMA)
    assert check.calls == 2


@pytest.mark.parametrize(
    "schema, package",
    [("no/such/schema.yml", "rasa"), (DOMAIN_SCHEMA, "another_package")],
    ids=["a schema Rasa lacks", "another package's schema"],
)
def test_a_schema_that_is_not_one_of_rasas_is_checked_every_time(
    tmp_path: Path, schema: str, package: str
) -> None:
    calls = []
    memo = rasa_defaults.ValidYamlMemo(lambda *args: calls.append(args), str(tmp_path), "3.6.21")
    for _ in range(2):
        memo(MINIMAL, schema, package)
    assert calls == [(MINIMAL, schema, package)] * 2
    assert not any(tmp_path.iterdir())


def test_a_store_that_cannot_be_written_only_means_checking_again(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    check = CountingCheck()
    for _ in range(2):
        rasa_defaults.ValidYamlMemo(check, str(blocked / "valid-yaml"), "3.6.21")(
            DOMAIN, DOMAIN_SCHEMA
        )
    assert check.calls == 2


def test_applied_twice_the_check_is_remembered_once() -> None:
    validation = types.SimpleNamespace(validate_yaml_schema=rasa_check())
    rasa_defaults._remember_valid_yaml(validation)  # type: ignore[arg-type]
    memo = validation.validate_yaml_schema
    rasa_defaults._remember_valid_yaml(validation)  # type: ignore[arg-type]
    assert validation.validate_yaml_schema is memo
    assert memo.__wrapped__ is rasa_check()


def test_a_decorated_rasa_check_is_remembered_too() -> None:
    decorated = functools.wraps(rasa_check())(lambda *args: None)
    validation = types.SimpleNamespace(validate_yaml_schema=decorated)
    rasa_defaults._remember_valid_yaml(validation)  # type: ignore[arg-type]
    assert getattr(validation.validate_yaml_schema, "remembers_valid_yaml", False)
    assert validation.validate_yaml_schema.__wrapped__ is decorated


def test_every_process_of_the_virtualenv_remembers_what_passed(tmp_path: Path) -> None:
    code = (
        "import rasa.shared.utils.validation as v\n"
        f"v.validate_yaml_schema(open('domain.yml').read(), {DOMAIN_SCHEMA!r})\n"
        "print(type(v.validate_yaml_schema).__name__)"
    )
    assert run_python(code, tmp_path).split()[-1] == "ValidYamlMemo"
    store = Path(rasa_defaults.valid_yaml_store(clean_env(tmp_path)))
    assert store == tmp_path / ".cache" / "aftercare" / "valid-yaml"
    assert len(list(store.iterdir())) == 1


# --- TensorFlow without JAX -------------------------------------------------------------------


def test_a_rasa_process_imports_tensorflow_without_jax_and_can_still_import_jax(
    tmp_path: Path,
) -> None:
    code = (
        "import sys, rasa.core.policies.policy\n"
        "from tensorflow.lite.python import util\n"
        "print('jax' in sys.modules, util._xla_computation is None)\n"
        "import jax\n"
        "print(jax.__name__)"
    )
    assert run_python(code, tmp_path).split()[-3:] == ["False", "True", "jax"]


@pytest.fixture
def finder(monkeypatch: pytest.MonkeyPatch) -> rasa_defaults._AfterImportFinder:
    """This file's finder first on ``sys.meta_path`` (the installed copy's stays behind it)."""
    own = rasa_defaults._AfterImportFinder()
    monkeypatch.setattr(sys, "meta_path", [own, *sys.meta_path])
    return own


@pytest.fixture
def optional_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, finder: rasa_defaults._AfterImportFinder
) -> Iterator[str]:
    """Fresh modules: ``<name>_user`` imports ``<name>_extra`` if it can; ``<name>_broken``
    imports it, then fails."""
    name = f"optional_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}_extra.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / f"{name}_user.py").write_text(
        f"try:\n    import {name}_extra as extra\nexcept ImportError:\n    extra = None\n",
        encoding="utf-8",
    )
    (tmp_path / f"{name}_broken.py").write_text(
        f"import {name}_extra\nraise RuntimeError('broken')\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for suffix in ("user", "extra", "broken"):
        sys.modules.pop(f"{name}_{suffix}", None)


def test_a_module_imported_without_another_runs_as_if_it_were_not_installed(
    optional_import: str, finder: rasa_defaults._AfterImportFinder
) -> None:
    rasa_defaults._import_without(f"{optional_import}_user", f"{optional_import}_extra")
    assert rasa_defaults._finder() is finder
    user = importlib.import_module(f"{optional_import}_user")
    assert user.extra is None
    assert f"{optional_import}_extra" not in sys.modules
    assert importlib.import_module(f"{optional_import}_extra").VALUE == 1


def test_a_module_hidden_from_another_is_not_hidden_once_imported_already(
    optional_import: str,
) -> None:
    extra = importlib.import_module(f"{optional_import}_extra")
    rasa_defaults._import_without(f"{optional_import}_user", f"{optional_import}_extra")
    assert importlib.import_module(f"{optional_import}_user").extra is extra


def test_a_module_that_fails_while_another_is_hidden_leaves_it_importable(
    optional_import: str,
) -> None:
    rasa_defaults._import_without(f"{optional_import}_broken", f"{optional_import}_extra")
    with pytest.raises(ImportError):
        importlib.import_module(f"{optional_import}_broken")
    assert f"{optional_import}_broken" not in sys.modules
    assert importlib.import_module(f"{optional_import}_extra").VALUE == 1


def test_a_finder_of_an_older_copy_is_replaced_and_its_patches_kept(
    optional_import: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older installed copy's finder knows only patches and asks every other finder: the
    new one takes its place instead of standing beside it (two would ask each other forever).
    """

    def older_find_spec(self: Any, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.patches:
            return None
        for other in sys.meta_path:
            if other is not self and hasattr(other, "find_spec"):
                spec = other.find_spec(fullname, path, target)
                if spec is not None:
                    return spec
        return None

    older = type("_AfterImportFinder", (), {"find_spec": older_find_spec})()
    patched: list[str] = []
    older.patches = {f"{optional_import}_user": lambda module: patched.append(module.__name__)}
    others = [f for f in sys.meta_path if not rasa_defaults._is_after_import_finder(f)]
    monkeypatch.setattr(sys, "meta_path", [older, *others])
    rasa_defaults._import_without(f"{optional_import}_user", f"{optional_import}_extra")
    assert older not in sys.meta_path
    assert importlib.import_module(f"{optional_import}_user").extra is None
    assert patched == [f"{optional_import}_user"]
