"""``python deploy/docker/preflight.py COMMAND [ARGS...]``: every image's entry point.

It stops a container before its server starts when a secret was never filled in, then becomes
the server (``exec``), so the server is the container's main process and gets its signals.

- **A placeholder anywhere stops the start.** ``deploy/k8s/base/secrets.env`` holds
  ``REPLACE-ME`` where the operator must put a real value; a value still containing it would
  otherwise be accepted as a token that anyone reading this repository knows.
- **A public default stops a production start.** With ``AFTERCARE_ENV=production`` (the
  images' default) a secret (``*_KEY``, ``*_SECRET``, ``*_TOKEN``, ``*_PASSWORD``, and
  ``DESK_PASSWORD_ANA``-like names) still set to its value in ``stack/defaults.env`` is
  refused, as ``python -m stack check`` refuses it.
- **``${NAME}`` in ARGS is replaced by the variable's value**, so an image's command can take
  a secret on its command line (``rasa run --auth-token=${RASA_AUTH_TOKEN}``) without a shell;
  an unset or empty variable stops the start instead of leaving the HTTP API open. A value is
  best given in the flag's own word (``--flag=${NAME}``): a random token can begin with ``-``,
  which Rasa's parser would take for an option if it were a word of its own.

Messages name variables, never their values. It imports only the standard library and
:mod:`guardrails.rasa_defaults` (itself standard library only), so it costs milliseconds.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from guardrails.rasa_defaults import SECRET_SUFFIXES, read_env_file

PLACEHOLDER = "REPLACE-ME"
DEFAULTS_FILE = Path(__file__).resolve().parents[2] / "stack" / "defaults.env"
REFERENCE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")
# A secret's name ends like one (guardrails.rasa_defaults) or names one before a suffix of its
# own: DESK_PASSWORD_ANA, TWILIO_AUTH_TOKEN_DEMO, MESSENGER_APP_SECRET_OUTDOOR.
SECRET_WORD = re.compile(r"_(PASSWORD|SECRET|TOKEN)_")


class Refused(Exception):
    """The container must not start; the message says which variables to fix."""


def placeholders(environ: Mapping[str, str]) -> list[str]:
    """Names of variables whose value still holds the template's placeholder."""
    return sorted(name for name, value in environ.items() if PLACEHOLDER in value)


def is_secret(name: str) -> bool:
    return name.endswith(SECRET_SUFFIXES) or bool(SECRET_WORD.search(name))


def public_defaults(environ: Mapping[str, str], defaults: Mapping[str, str]) -> list[str]:
    """Names of secrets set to the value everyone can read in ``stack/defaults.env``."""
    return sorted(
        name
        for name, value in environ.items()
        if is_secret(name) and value and value == defaults.get(name)
    )


def expand(args: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """``args`` with each ``${NAME}`` replaced by its value.

    Raises:
        Refused: A named variable is unset or empty.
    """
    missing = sorted(
        {name for arg in args for name in REFERENCE.findall(arg) if not environ.get(name)}
    )
    if missing:
        raise Refused(f"not set: {', '.join(missing)}")
    return [REFERENCE.sub(lambda found: environ[found.group(1)], arg) for arg in args]


def check(
    args: Sequence[str], environ: Mapping[str, str], defaults: Mapping[str, str]
) -> list[str]:
    """The command to run, once the environment passes every check.

    Raises:
        Refused: No command, a placeholder, a public default in production, or a missing
            variable the command names.
    """
    if not args:
        raise Refused("usage: preflight.py COMMAND [ARGS...]")
    found = placeholders(environ)
    if found:
        raise Refused(f"still {PLACEHOLDER} (fill in the Secret): {', '.join(found)}")
    if environ.get("AFTERCARE_ENV") == "production":
        public = public_defaults(environ, defaults)
        if public:
            raise Refused(
                f"public local-only defaults from stack/defaults.env: {', '.join(public)}"
            )
    return expand(args, environ)


def main(argv: Sequence[str]) -> int:
    """Check, then replace this process with the command; 2 when the start is refused."""
    defaults = read_env_file(DEFAULTS_FILE) if DEFAULTS_FILE.is_file() else {}
    try:
        command = check(argv, os.environ, defaults)
    except Refused as refused:
        print(f"preflight: refusing to start: {refused}", file=sys.stderr, flush=True)
        return 2
    os.execvp(command[0], command)
    return 0  # not reached: execvp replaced the process or raised


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
