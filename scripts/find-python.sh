#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 needs >=3.8,<3.11; we pin 3.10).
# Looks on PATH first, then in pyenv's versions; says what to install when there is none.
set -euo pipefail
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
for candidate in "${PYTHON310:-}" python3.10 python3 python; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if is_310 "$path"; then echo "$path"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1 || [ -d "${PYENV_ROOT:-$HOME/.pyenv}" ]; then
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for path in $(ls -d "$root"/versions/3.10*/bin/python 2>/dev/null | sort -rV); do
    if is_310 "$path"; then echo "$path"; exit 0; fi
  done
fi
cat >&2 <<'MSG'
No Python 3.10 found. Aftercare runs on Rasa 3.6, which needs Python 3.8 to 3.10.
Install one, for example:  pyenv install 3.10.13   (or your OS package python3.10 + python3.10-venv)
or point PYTHON310 at an interpreter:  make run PYTHON310=/path/to/python3.10
MSG
exit 1
