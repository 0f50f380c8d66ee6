# Sourced by tests/run.sh and load.sh: create or reuse .venv and install the project with its extras.
# Picks the first Python >= 3.9 found (override with PYTHON=/path/to/python).
find_python() {
    for cand in ${PYTHON:-} python3 python3.13 python3.12 python3.11 python3.10 python3.9 python; do
        if command -v "$cand" >/dev/null 2>&1 &&
            "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
            echo "$cand"
            return 0
        fi
    done
    echo "no Python 3.9+ found; set PYTHON=/path/to/python3" >&2
    return 1
}
VENV_DIR=${VENV_DIR:-.venv}
if [ ! -x "$VENV_DIR/bin/python" ]; then
    py=$(find_python)
    echo "creating $VENV_DIR with $py" >&2
    "$py" -m venv "$VENV_DIR"
fi
VENV_PY="$VENV_DIR/bin/python"
stamp="$VENV_DIR/.installed-$(cksum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
    echo "installing the project and its extras into $VENV_DIR (log: $VENV_DIR/pip.log)" >&2
    if ! { "$VENV_PY" -m pip install --upgrade pip &&
           "$VENV_PY" -m pip install -e ".[simulator,test]"; } >"$VENV_DIR/pip.log" 2>&1; then
        tail -n 30 "$VENV_DIR/pip.log" >&2
        echo "pip install failed; see $VENV_DIR/pip.log" >&2
        exit 1
    fi
    rm -f "$VENV_DIR"/.installed-*
    touch "$stamp"
fi
export VENV_PY
