"""What every Rasa process of this project runs with, whoever starts it.

- **Nothing is sent home.** Rasa reports usage telemetry to its analytics service and crashes
  to Sentry unless told not to, and its first command writes ``metrics: enabled: true`` into
  the user's ``~/.config/rasa/global.yml``. Here ``RASA_TELEMETRY_ENABLED`` is always
  ``false`` (Rasa's telemetry and its Sentry set-up both check it first), and the stored
  setting is turned off instead of on, so no other program reading it sends anything either.
- **Rasa's training cache lives outside the project.** Rasa keeps it in ``.rasa/cache`` of the
  directory it runs in, and ``rasa test`` reads every JSON file it finds under its story path
  as possible training data: a cached ``*.priority.json`` holds a bare number and crashes it.
- **``rasa test`` looks for test stories in ``tests/``.** Rasa 3.6 searches the whole working
  directory by default, which here includes the virtualenv (Rasa's own ``rasa init`` test
  stories), ``node_modules`` and the cache.
- **Rasa checks a YAML text against its schema once, not in every process.** Rasa validates
  every data file, the domain and every story file against its schema (pykwalify, after
  parsing the text a second time) each time it reads one: ``rasa test`` reads the data twice,
  and every model load checks the domain again. A text that passed is remembered by a hash of
  the text, the schema's files and Rasa's version (an empty file named by it, in
  ``valid-yaml`` beside the training caches); a text that fails is never remembered, so it
  fails every time with Rasa's own error.
- **TensorFlow does not import JAX.** TensorFlow Lite's utilities import JAX, if it is
  installed (TensorFlow 2.12 requires it), for one converter, from JAX functions to TFLite,
  that nothing here calls: half a second of CPU at every start of a process that imports
  Rasa's policies (every Rasa server, ``rasa`` command and test worker; docs/performance.md,
  "Twentieth step"). That one module is executed as if JAX were not installed; for the
  converter, ``TFLiteConverter.experimental_from_jax`` then says it cannot import JAX. An
  ``import jax`` anywhere else works as before (JAX is hidden only while that module runs:
  another thread importing JAX for the first time at that very moment would be refused).
- **A ``rasa`` command run from the project root has the stack's local defaults**
  (``stack/defaults.env``), as ``make run`` does: ``endpoints.yml`` and ``credentials.yml``
  name environment variables, and Rasa refuses to start while one is unset. The real
  environment always wins.
- **A ``rasa`` command runs the model as the Rasa server does, and ``rasa test`` loads it
  once** (``guardrails/rasa_commands.py``): the graph node after node instead of through Dask,
  and the NLU evaluation on the agent the dialogue's test loaded.

The stack's servers get this from :mod:`guardrails.launch`. A designer's bare ``rasa train``,
``rasa test`` or ``rasa shell`` gets it from the virtualenv: ``scripts/bootstrap.sh`` runs
``python -m guardrails.rasa_defaults install``, which copies this file into site-packages with
a ``.pth`` file that applies it when the interpreter starts. So it imports only the standard
library, and imports nothing from Rasa until Rasa itself is imported.
"""

from __future__ import annotations

import os
import sys
import zlib

# Only what the interpreter has loaded anyway at start: typing and pathlib would cost every
# Python process of the virtualenv tens of milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping
    from pathlib import Path
    from types import ModuleType
    from typing import Any

TELEMETRY_ENV = "RASA_TELEMETRY_ENABLED"
CACHE_ENV = "RASA_CACHE_DIRECTORY"
TEST_STORIES_PATH = "tests"
PROJECT_DEFAULTS = os.path.join("stack", "defaults.env")
SECRET_SUFFIXES = ("_KEY", "_SECRET", "_TOKEN", "_PASSWORD")
INSTALLED_MODULE = "aftercare_rasa_defaults"
PTH_FILE = "aftercare-rasa-defaults.pth"
VALID_YAML_DIR = "valid-yaml"
KEY_FORMAT = "aftercare-valid-yaml/1"
# TensorFlow Lite's utilities, which import JAX for their JAX converter only (module doc)
TFLITE_UTIL = "tensorflow.lite.python.util"


def read_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse ``KEY=value`` lines; blank lines and ``#`` comments are skipped."""
    values: dict[str, str] = {}
    with open(path, encoding="utf-8") as lines:
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ValueError(f"{path}: not KEY=value: {raw.rstrip()!r}")
            values[key.strip()] = value.strip()
    return values


def _user_cache(environ: MutableMapping[str, str]) -> str:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "aftercare")


def cache_directory(project: str, environ: MutableMapping[str, str] = os.environ) -> str:
    """Where Rasa's training cache for ``project`` goes: the user's cache folder, one per project.

    One per project, as Rasa's own ``.rasa/cache`` is, so two checkouts never share (and lock)
    one cache database.
    """
    resolved = os.path.realpath(project)
    digest = f"{zlib.crc32(resolved.encode('utf-8')):08x}"
    name = os.path.basename(resolved) or "root"
    return os.path.join(_user_cache(environ), "rasa", f"{name}-{digest}")


def apply(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set the environment and patch Rasa's modules as they are imported (see module doc)."""
    environ[TELEMETRY_ENV] = "false"
    if CACHE_ENV not in environ:
        try:
            project = os.getcwd()
        except OSError:  # the working directory is gone: Rasa will not get far either
            project = ""
        if project:
            environ[CACHE_ENV] = cache_directory(project, environ)
    _after_import("rasa.shared.constants", _test_stories_in_tests)
    _after_import("rasa.shared.utils.validation", _remember_valid_yaml)
    _after_import("rasa.telemetry", _keep_telemetry_off)
    _after_import("rasa.__main__", _project_environment)
    _import_without(TFLITE_UTIL, "jax")


def _project_environment(_: ModuleType) -> None:
    """The ``rasa`` command: the stack's local defaults for what the environment leaves unset,
    and the model run as the Rasa server runs it.

    Never in production (``AFTERCARE_ENV=production``): there a forgotten secret must stop the
    server, not be replaced by the public local value. Elsewhere the command says which
    secrets it took from the file, so a local default is never used without a word.
    """
    apply_local_defaults(PROJECT_DEFAULTS)
    try:
        from guardrails.rasa_commands import PATCHES
    except ImportError:  # a virtualenv without the project: the commands run as Rasa's
        return
    for name, patch in PATCHES.items():
        _after_import(name, patch)


def apply_local_defaults(path: str | os.PathLike[str]) -> list[str]:
    """Fill what the environment leaves unset from the env file at ``path``; the names taken.

    Never in production (``AFTERCARE_ENV=production``), where a forgotten secret must stop
    the process instead. Never silently either: the secrets taken (non-empty values of
    ``*_KEY``, ``*_SECRET``, ``*_TOKEN``, ``*_PASSWORD``) are named on stderr.
    """
    if os.environ.get("AFTERCARE_ENV") == "production" or not os.path.isfile(path):
        return []
    taken = []
    for key, value in read_env_file(path).items():
        if key not in os.environ:
            os.environ[key] = value
            taken.append(key)
    secrets = [k for k in taken if k.endswith(SECRET_SUFFIXES) and os.environ[k]]
    if secrets:
        names = ", ".join(secrets)
        print(f"note: local-only defaults from {path} in use: {names}", file=sys.stderr)
    return taken


def _test_stories_in_tests(constants: ModuleType) -> None:
    constants.DEFAULT_E2E_TESTS_PATH = TEST_STORIES_PATH  # type: ignore[attr-defined]


def _keep_telemetry_off(telemetry: ModuleType) -> None:
    """Make Rasa's start-up store "disabled" where it would store "enabled" (no config yet)."""
    original = telemetry.initialize_telemetry

    def initialize_telemetry() -> bool:
        try:
            from rasa.utils.common import read_global_config_value

            stored = read_global_config_value("metrics")
            if not isinstance(stored, dict) or stored.get("enabled") is not False:
                telemetry.toggle_telemetry_reporting(False)
        except Exception:  # the environment variable keeps telemetry off regardless
            pass
        return False

    initialize_telemetry.__wrapped__ = original  # type: ignore[attr-defined]
    telemetry.initialize_telemetry = initialize_telemetry  # type: ignore[attr-defined]


def valid_yaml_store(environ: MutableMapping[str, str] = os.environ) -> str:
    """Where the hashes of YAML texts that passed Rasa's schema check are kept (no text)."""
    return os.path.join(_user_cache(environ), VALID_YAML_DIR)


class ValidYamlMemo:
    """Rasa's ``validate_yaml_schema``, run once for each text, schema and Rasa version.

    The key is a SHA-256 over ``versions`` (Rasa's, the YAML parser's, the validator's and
    Python's: :func:`checking_versions`), the schema files' bytes and the text, so an upgrade of
    any of them or an edited schema checks every text again. Only a pass is remembered, and
    only against Rasa's own schemas (another package's is checked every time); the store holds
    nothing but hashes, and a store that cannot be written only means checking again.
    """

    # how a second application (the installed copy, then guardrails.launch) knows it is there
    remembers_valid_yaml = True

    def __init__(self, check: Callable[..., None], store: str, versions: str) -> None:
        self._check = check
        self._store = store
        self._versions = versions
        self._passed: set[str] = set()
        self._schemas: dict[str, bytes] = {}

    def __call__(
        self, yaml_file_content: str, schema_path: str, package_name: str = "rasa"
    ) -> None:
        try:
            # only Rasa's own schemas are read from a known place; another's is checked each time
            key = self._key(yaml_file_content, schema_path) if package_name == "rasa" else None
        except OSError:  # a schema Rasa lacks: Rasa's check says so
            key = None
        if key is None:
            self._check(yaml_file_content, schema_path, package_name)
            return
        marker = os.path.join(self._store, key)
        if key in self._passed or os.path.exists(marker):
            self._passed.add(key)
            return
        self._check(yaml_file_content, schema_path, package_name)
        self._passed.add(key)
        try:
            os.makedirs(self._store, exist_ok=True)
            with open(marker, "a"):
                pass
        except OSError:
            pass

    def _key(self, text: str, schema_path: str) -> str:
        import hashlib

        digest = hashlib.sha256(f"{KEY_FORMAT}\0{self._versions}\0".encode())
        digest.update(self._schema_bytes(schema_path))
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _schema_bytes(self, schema_path: str) -> bytes:
        """The schema file and the two files Rasa adds to every schema, with their names."""
        known = self._schemas.get(schema_path)
        if known is None:
            from rasa.shared.constants import RESPONSES_SCHEMA_FILE, SCHEMA_EXTENSIONS_FILE

            known = b"".join(
                f"{path}\0".encode() + rasa_file(path) + b"\0"
                for path in (schema_path, RESPONSES_SCHEMA_FILE, SCHEMA_EXTENSIONS_FILE)
            )
            self._schemas[schema_path] = known
        return known


def rasa_file(path: str) -> bytes:
    """A file of the installed Rasa package (where ``pkg_resources`` finds Rasa's schemas)."""
    import rasa

    with open(os.path.join(os.path.dirname(rasa.__file__), path), "rb") as file:
        return file.read()


def checking_versions() -> str:
    """The versions of what reads and checks a text: Rasa, pykwalify, ruamel.yaml, Python."""
    import pykwalify
    import ruamel.yaml
    from rasa.version import __version__

    parts = {
        "rasa": __version__,
        "pykwalify": pykwalify.__version__,
        "ruamel.yaml": ruamel.yaml.__version__,
        "python": ".".join(map(str, sys.version_info[:3])),
    }
    return " ".join(f"{name} {version}" for name, version in parts.items())


def _remember_valid_yaml(validation: ModuleType) -> None:
    check = validation.validate_yaml_schema
    if getattr(check, "remembers_valid_yaml", False):
        return  # applied already
    memo = ValidYamlMemo(check, valid_yaml_store(), checking_versions())
    memo.__wrapped__ = check  # type: ignore[attr-defined]
    validation.validate_yaml_schema = memo  # type: ignore[attr-defined]


class _PatchingLoader:
    """Runs a module's own loader, as if ``hidden`` modules were not installed, then ``patch``.

    A hidden module is hidden only while this module executes, and only if no one has imported
    it yet: Python's import raises ``ModuleNotFoundError`` for a name mapped to ``None`` in
    ``sys.modules``, and the mapping is removed as soon as the module has run.
    """

    def __init__(
        self,
        loader: Any,
        patch: Callable[[ModuleType], None] | None,
        hidden: tuple[str, ...] = (),
    ) -> None:
        self._loader = loader
        self._patch = patch
        self._hidden = hidden

    def create_module(self, spec: Any) -> ModuleType | None:
        module: ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        absent = [name for name in self._hidden if name not in sys.modules]
        for name in absent:
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            self._loader.exec_module(module)
        finally:
            for name in absent:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]
        if self._patch is not None:
            self._patch(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ... for tracebacks
        return getattr(self._loader, name)


class _AfterImportFinder:
    """A ``sys.meta_path`` finder that loads named modules its own way (:class:`_PatchingLoader`):
    patched right after they are executed, or executed without some modules they would import.
    """

    def __init__(self) -> None:
        self.patches: dict[str, Callable[[ModuleType], None]] = {}
        self.hidden: dict[str, tuple[str, ...]] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        patch = self.patches.get(fullname)
        hidden = self.hidden.get(fullname, ())
        if patch is None and not hidden:
            return None
        for finder in sys.meta_path:
            # another copy of this finder (this file's installed copy, an older one) would ask
            # this one back: skip them all, so a module is found once and wrapped once
            if _is_after_import_finder(finder) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, patch, hidden)  # type: ignore[assignment]
                return spec
        return None


def _is_after_import_finder(finder: object) -> bool:
    """Whether ``finder`` is an :class:`_AfterImportFinder` of any copy of this file."""
    return type(finder).__name__ == _AfterImportFinder.__name__


def _finder() -> _AfterImportFinder:
    """The process's one finder: the first copy's, or, from a copy older than ``hidden``, a new
    one in its place that keeps its patches."""
    found = next((f for f in sys.meta_path if _is_after_import_finder(f)), None)
    if found is not None and hasattr(found, "hidden"):
        return found  # type: ignore[return-value]
    newer = _AfterImportFinder()
    if found is None:
        sys.meta_path.insert(0, newer)
    else:
        newer.patches.update(getattr(found, "patches", {}))
        sys.meta_path[sys.meta_path.index(found)] = newer
    return newer


def _after_import(name: str, patch: Callable[[ModuleType], None]) -> None:
    """Apply ``patch`` to module ``name`` now if it is loaded, else as soon as it is."""
    module = sys.modules.get(name)
    if module is not None:
        patch(module)
    _finder().patches[name] = patch


def _import_without(name: str, *hidden: str) -> None:
    """Execute module ``name``, when it is imported, as if ``hidden`` were not installed."""
    _finder().hidden[name] = hidden


def install(site_packages: Path) -> None:
    """Copy this file into ``site_packages`` with a ``.pth`` file that applies it at start."""
    from pathlib import Path

    source = Path(__file__).read_text(encoding="utf-8")
    (site_packages / f"{INSTALLED_MODULE}.py").write_text(source, encoding="utf-8")
    (site_packages / PTH_FILE).write_text(
        f"import {INSTALLED_MODULE}; {INSTALLED_MODULE}.apply()\n", encoding="utf-8"
    )


def main(argv: list[str]) -> None:
    """``python -m guardrails.rasa_defaults install [SITE_PACKAGES]``."""
    import sysconfig
    from pathlib import Path

    if not argv or argv[0] != "install" or len(argv) > 2:
        raise SystemExit("usage: python -m guardrails.rasa_defaults install [SITE_PACKAGES]")
    target = Path(argv[1]) if len(argv) == 2 else Path(sysconfig.get_paths()["purelib"])
    install(target)
    print(f"Rasa defaults (no telemetry, cache outside the project) installed in {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
