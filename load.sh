#!/usr/bin/env bash
# Load the LiteTerminal production components into IRIS with intersystems_pyprod, or run them offline.
#
#   ./load.sh [MODULE...]      load ours, then your MODULEs (e.g. mypkg.myhosts mypkg.myproduction), into IRIS
#                              (needs IRISINSTALLDIR IRISUSERNAME IRISPASSWORD IRISNAMESPACE; docs/pyprod-runtime.md §1.2)
#   ./load.sh --offline DIR [--iris-path PATH] [MODULE...]
#                              write every generated class (productions included) to DIR as <full name>.cls, no IRIS
#                              needed, all or nothing; the classes load the Python code from PATH on the IRIS host
#                              (POSIX or Windows, default /opt/iris-lite-terminal); docs/install.md §3
#   ./load.sh --simulator      the demo: run TerminalProduction on the offline runtime + Lite Terminal simulator
#
# Loading is in module mode from the repository root, messages, then adapters, then productions
# (docs/pyprod-runtime.md §7.1, §7.2): only module mode keeps `import adapters...` working inside IRIS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"

# Modules with pyprod classes, in load order. adapters/sessions.py, adapters/terminal_core.py,
# adapters/schedule.py, adapters/http_signing.py, productions/policy.py, productions/fleet_logic.py and
# productions/http_gate.py are plain Python: nothing to generate.
MODULES=(messages.terminal messages.fleet adapters.terminal_outbound adapters.inbound productions.fleet
         productions.http_service productions.terminal)
CLASSES=(
    LiteTerminal.TerminalCommandRequest LiteTerminal.TerminalCommandResponse
    LiteTerminal.FleetCommandRequest LiteTerminal.FleetCommandResponse LiteTerminal.TerminalFleetProcess
    LiteTerminal.TerminalOutboundAdapter LiteTerminal.ScheduledCommandAdapter
    LiteTerminal.TerminalCommandOperation LiteTerminal.TerminalCommandProcess
    LiteTerminal.TerminalCommandService LiteTerminal.ScheduledCommandService LiteTerminal.CommandFileService
    LiteTerminal.TerminalHTTPService LiteTerminal.TerminalProduction
)

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

#: Where --offline classes expect this checkout on the IRIS host unless --iris-path says otherwise.
DEFAULT_IRIS_PATH=/opt/iris-lite-terminal

# Your own modules, loaded after ours (set from the command line).
USER_MODULES=()

check_module_names() {
    local m
    for m in "$@"; do
        [[ $m =~ ^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$ ]] ||
            die "not a Python module name: '$m' (give dotted module names such as mypkg.myhosts, loaded from $ROOT)"
        case " ${MODULES[*]} " in
            *" $m "*) die "$m is one of ours and is always loaded; name only your own modules" ;;
        esac
    done
}

die() {
    echo "load.sh: $*" >&2
    exit 1
}

run_offline() {
    # All or nothing, portable, no IRIS involved: delivery/offline.py (docs/install.md §3).
    local out=$1 iris_path=$2
    shift 2
    . ./tests/venv.sh
    "$VENV_PY" -m delivery.offline --iris-path="$iris_path" --root="$ROOT" -- "$out" "$@"
}

run_simulator() {
    . ./tests/venv.sh
    exec "$VENV_PY" -m simulator.demo "$@"
}

check_env() {
    # What IRIS's `iris` module needs for a callin from an ordinary python3 (docs/pyprod-runtime.md §1.2).
    local missing=() var
    for var in IRISINSTALLDIR IRISUSERNAME IRISPASSWORD IRISNAMESPACE; do
        [ -n "${!var:-}" ] || missing+=("$var")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "load.sh: missing environment variables: ${missing[*]}" >&2
        echo "  e.g. IRISINSTALLDIR=/usr/irissys IRISUSERNAME=_SYSTEM IRISPASSWORD=... IRISNAMESPACE=USER" >&2
        echo "  (an interoperability-enabled namespace; %Service_CallIn must be enabled)" >&2
        exit 2
    fi
    [ -d "$IRISINSTALLDIR" ] || die "IRISINSTALLDIR=$IRISINSTALLDIR is not a directory"
    # Derived ones: set them when absent, say so.
    if [ -z "${COMLIB:-}" ]; then export COMLIB="$IRISINSTALLDIR/bin"; echo "COMLIB=$COMLIB"; fi
    case ":${PYTHONPATH:-}:" in
        *":$IRISINSTALLDIR/lib/python:"*) ;;
        *) export PYTHONPATH="$IRISINSTALLDIR/lib/python${PYTHONPATH:+:$PYTHONPATH}"
           echo "PYTHONPATH=$PYTHONPATH" ;;
    esac
    case ":${LD_LIBRARY_PATH:-}:" in
        *":$IRISINSTALLDIR/bin:"*) ;;
        *) export LD_LIBRARY_PATH="$IRISINSTALLDIR/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
           echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" ;;
    esac
    if [ "$(uname -s)" = Darwin ] && [ -z "${DYLD_LIBRARY_PATH:-}" ]; then
        export DYLD_LIBRARY_PATH="$IRISINSTALLDIR/bin"; echo "DYLD_LIBRARY_PATH=$DYLD_LIBRARY_PATH"
    fi
}

run_iris() {
    check_env
    . ./tests/venv.sh
    local bindir target pins
    bindir=$(dirname "$VENV_PY")
    target="$IRISINSTALLDIR/mgr/python"
    # The generated classes import these inside IRIS: same versions as the venv (docs/pyprod-runtime.md §1.2).
    pins=$("$VENV_PY" - <<'PY'
from importlib.metadata import version
print(" ".join(f"{d}=={version(d)}" for d in ("intersystems-pyprod", "websocket-client", "requests", "urllib3")))
PY
)
    # Install with IRIS's own Python when it has one, so compiled wheels (charset-normalizer, a requests
    # dependency) match the embedded interpreter's version rather than the venv's.
    local pip=("$VENV_PY" -m pip)
    if [ -x "$IRISINSTALLDIR/bin/irispip" ]; then
        pip=("$IRISINSTALLDIR/bin/irispip")
    elif [ -x "$IRISINSTALLDIR/bin/irispython" ]; then
        pip=("$IRISINSTALLDIR/bin/irispython" -m pip)
    else
        echo "warning: no irispip/irispython in $IRISINSTALLDIR/bin; installing with the venv's pip" >&2
    fi
    echo "installing into $target with ${pip[*]}: $pins"
    # shellcheck disable=SC2086
    "${pip[@]}" install --quiet --upgrade --target "$target" $pins || die "pip install --target $target failed"

    "$VENV_PY" -c 'import iris; iris.system' 2>/dev/null ||
        die "the venv python cannot import IRIS's embedded iris module (check PYTHONPATH, LD_LIBRARY_PATH, and that intersystems-irispython is not installed in the venv: docs/pyprod-runtime.md §1.2)"

    local module log
    for module in "${MODULES[@]}" "${USER_MODULES[@]}"; do
        echo "loading $module"
        log=$(mktemp)
        if ! "$bindir/intersystems_pyprod" -m "$module" 2>&1 | tee "$log"; then
            rm -f "$log"; die "intersystems_pyprod failed on $module"
        fi
        if grep -q "Failed to load" "$log"; then
            rm -f "$log"; die "loading $module into IRIS failed (see above)"
        fi
        rm -f "$log"
    done

    # pyprod's loader exits 0 even when a class does not compile (docs/pyprod-runtime.md §1.1): check for ourselves,
    # ours by name and every pyprod class your modules define.
    "$VENV_PY" - "${#CLASSES[@]}" "${CLASSES[@]}" "${USER_MODULES[@]}" <<'PY' || die "some classes did not compile (listed above)"
import importlib
import inspect
import sys
import iris
from intersystems_pyprod import Production
count = int(sys.argv[1])
names = list(sys.argv[2:2 + count])
for module in sys.argv[2 + count:]:
    mod = importlib.import_module(module)
    package = getattr(mod, "iris_package_name", None) or module.rsplit(".", 1)[-1]
    for short, cls in inspect.getmembers(mod, inspect.isclass):
        if cls.__module__ != mod.__name__:
            continue
        if getattr(cls, "_fullname", None):
            names.append(cls._fullname)
        elif issubclass(cls, Production) and cls is not Production:
            names.append(f"{package}.{short}")
missing = [c for c in names if not iris._Dictionary.CompiledClass._ExistsId(c)]
for c in missing:
    print(f"not compiled: {c}")
print("all classes compiled" if not missing else "")
sys.exit(1 if missing else 0)
PY

    # Inside IRIS, the stubs append this checkout to sys.path *after* mgr/python (pyprod 0.1.1+, docs/pyprod-runtime.md §6):
    # an installed package named adapters/messages/productions would win. Check what IRIS's Python imports.
    local irispython="$IRISINSTALLDIR/bin/irispython"
    [ -x "$irispython" ] || die "no $irispython: cannot check what IRIS's Python imports"
    "$irispython" - "$ROOT" <<'PY' || die "IRIS's Python does not import this checkout's packages (see above)"
import os
import sys
import intersystems_pyprod
root = os.path.realpath(sys.argv[1])
intersystems_pyprod._add_to_sys_path(root)    # exactly what each generated OnInit does
bad = 0
for name in ("adapters", "messages", "productions"):
    mod = __import__(name)
    where = os.path.realpath(os.path.dirname(mod.__file__))
    ok = where == os.path.join(root, name)
    print(f"{name}: {where} {'ok' if ok else 'WRONG: not from ' + root}")
    bad += not ok
sys.exit(1 if bad else 0)
PY
    echo "loaded: ${CLASSES[*]}${USER_MODULES[*]:+ and the classes of ${USER_MODULES[*]}}"
    echo "next: create the credentials ID LiteTerminal, then start LiteTerminal.TerminalProduction"
}

case "${1:-}" in
    --offline)
        shift
        [ $# -ge 1 ] && [ "${1#-}" = "$1" ] || die "--offline needs a directory: ./load.sh --offline DIR [--iris-path PATH] [MODULE...]"
        dir=$1
        shift
        iris_path=$DEFAULT_IRIS_PATH
        if [ "${1:-}" = "--iris-path" ]; then
            [ $# -ge 2 ] || die "--iris-path needs the folder that will hold this checkout on the IRIS host"
            iris_path=$2
            shift 2
        fi
        check_module_names "$@"
        run_offline "$dir" "$iris_path" "$@" ;;
    --simulator)
        shift
        run_simulator "$@" ;;
    -h | --help)
        usage ;;
    -*)
        usage >&2
        exit 2 ;;
    *)
        check_module_names "$@"
        USER_MODULES=("$@")
        run_iris ;;
esac
