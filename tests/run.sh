#!/usr/bin/env sh
# The test command. Sets up .venv (Python 3.9+) with the project and its test extras, then runs
# ruff (py39 target: component code runs inside IRIS's embedded Python 3.9+) and pytest.
# When a Python 3.9 interpreter is also around (python3.9 on PATH, or one pyenv installed), the suite runs
# a second time on it, in .venv39, because that is the oldest Python IRIS embeds; the two runs go at the
# same time (most of the suite waits on sockets and timeouts, not on the CPU), the 3.9 run's report is
# printed after the first one's. LITE_TERMINAL_SKIP_PY39=1 skips that run, LITE_TERMINAL_PY39_AFTER=1 runs
# it after the first one instead.
# pytest-xdist spreads each run over LITE_TERMINAL_TEST_WORKERS processes (default 4 per run: most of the suite
# waits on sockets, timers and subprocesses, not on the CPU; 0 runs in one process).
# Extra arguments go to pytest, e.g. `sh tests/run.sh -k protocol`.
set -eu
cd "$(dirname "$0")/.."
. ./tests/venv.sh
"$VENV_PY" -m ruff check .

# Compiled modules are cached in .venv/pycache, outside the source tree, even where PYTHONDONTWRITEBYTECODE
# is set: every xdist worker and every subprocess a test starts (the CLI, load.sh, the simulator) imports the
# same modules, and compiling them again each time cost ~2.5 s CPU per worker's collection alone
# (tests/benchmarks/cpu_profile.py).
PYTHONPYCACHEPREFIX=${PYTHONPYCACHEPREFIX:-$(pwd)/.venv/pycache}
export PYTHONPYCACHEPREFIX
unset PYTHONDONTWRITEBYTECODE

workers=${LITE_TERMINAL_TEST_WORKERS:-4}
parallel=""
if [ "$workers" != 0 ]; then
    # one file to one worker: a module fixture (the demo run, headless chromium, load.sh --offline, the load
    # tests' simulator) runs once per run, not once per worker (xdist_group marks were ignored under pytest 9).
    # Files go out in collection order, where tests/conftest.py puts the longest first (xdist's own order,
    # most tests first, left 30-second files of a few slow tests to start last and run alone at the end)
    parallel="-n $workers --dist loadfile --no-loadscope-reorder"
fi

find_python39() {
    for cand in python3.9 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9; do
        if "$cand" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 9) else 1)' >/dev/null 2>&1; then
            echo "$cand"
            return 0
        fi
    done
    return 1
}

main_py=$VENV_PY
py39_py=""
if [ -z "${LITE_TERMINAL_SKIP_PY39:-}" ] && py39=$(find_python39) &&
    [ "$("$main_py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != 3.9 ]; then
    VENV_DIR=.venv39 PYTHON=$py39
    . ./tests/venv.sh  # installs before either run starts, so the runs never share a pip
    py39_py=$VENV_PY
fi

run_py39() {
    echo "== pytest on $("$py39_py" -c 'import sys; print(sys.version.split()[0])') (the oldest Python IRIS embeds)"
    # shellcheck disable=SC2086
    "$py39_py" -m pytest -q $parallel "$@"
}

py39_pid=""
py39_log=""
if [ -n "$py39_py" ] && [ -z "${LITE_TERMINAL_PY39_AFTER:-}" ]; then
    py39_log=$(mktemp "${TMPDIR:-/tmp}/lite-terminal-py39.XXXXXX")
    run_py39 "$@" >"$py39_log" 2>&1 &
    py39_pid=$!
    trap 'if [ -n "$py39_pid" ]; then kill "$py39_pid" 2>/dev/null || true; fi; rm -f "$py39_log"' EXIT
    trap 'exit 130' INT TERM
fi

echo "== pytest on $("$main_py" -c 'import sys; print(sys.version.split()[0])')"
main_rc=0
# shellcheck disable=SC2086
"$main_py" -m pytest $parallel "$@" || main_rc=$?

py39_rc=0
if [ -n "$py39_pid" ]; then
    wait "$py39_pid" || py39_rc=$?
    py39_pid=""
    cat "$py39_log"
elif [ -n "$py39_py" ]; then
    run_py39 "$@" || py39_rc=$?
fi
[ "$main_rc" = 0 ] && [ "$py39_rc" = 0 ] && exit 0
[ "$main_rc" != 0 ] && exit "$main_rc"
exit "$py39_rc"
