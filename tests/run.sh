#!/usr/bin/env sh
# The test command. Sets up .venv (Python 3.9+) with the project and its test extras, then runs
# ruff (py39 target: component code runs inside IRIS's embedded Python 3.9+) and pytest.
# Extra arguments go to pytest, e.g. `sh tests/run.sh -k protocol`.
set -eu
cd "$(dirname "$0")/.."
. ./tests/venv.sh
"$VENV_PY" -m ruff check .
exec "$VENV_PY" -m pytest "$@"
