#!/usr/bin/env sh
# The test command. Sets up .venv (Python 3.9+) with the project and its test extras, then runs
# ruff (py39 target: component code runs inside IRIS's embedded Python 3.9+) and pytest.
# When a Python 3.9 interpreter is also around (python3.9 on PATH, or one pyenv installed), the suite runs
# a second time on it, in .venv39, because that is the oldest Python IRIS embeds;
# LITE_TERMINAL_SKIP_PY39=1 skips that run.
# Extra arguments go to pytest, e.g. `sh tests/run.sh -k protocol`.
set -eu
cd "$(dirname "$0")/.."
. ./tests/venv.sh
"$VENV_PY" -m ruff check .
echo "== pytest on $("$VENV_PY" -c 'import sys; print(sys.version.split()[0])')"
"$VENV_PY" -m pytest "$@"

find_python39() {
    for cand in python3.9 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9; do
        if "$cand" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 9) else 1)' >/dev/null 2>&1; then
            echo "$cand"
            return 0
        fi
    done
    return 1
}

if [ -z "${LITE_TERMINAL_SKIP_PY39:-}" ] && py39=$(find_python39); then
    case "$("$VENV_PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
        3.9) exit 0 ;;  # the run above was already on 3.9
    esac
    VENV_DIR=.venv39 PYTHON=$py39
    . ./tests/venv.sh
    echo "== pytest on $("$VENV_PY" -c 'import sys; print(sys.version.split()[0])') (the oldest Python IRIS embeds)"
    "$VENV_PY" -m pytest -q "$@"
fi
