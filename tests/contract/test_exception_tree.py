"""One exception tree (issue 15 item 4): every exception class the product defines sits under a named base
of adapters/lite_terminal/errors.py, and ``contract.classify`` is the one place a failure becomes a status.
The offline IRIS runtime keeps its own tree (offline_iris/errors.py)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import adapters
import offline_iris
from adapters.lite_terminal import errors
from adapters.lite_terminal.checks import ExpectError
from adapters.lite_terminal.contract import Status, classify
from adapters.lite_terminal.lines import UnsafeCommandText
from offline_iris import OfflineIRIS
from offline_iris.errors import OfflineIRISError

ROOTS = (errors.TerminalError, errors.Refused, errors.ConfigurationError, errors.InternalSignal,
         errors.UsageProblem)
#: The command line's own usage error stays where the CLI's maintainers put it (its module is theirs).
OUTSIDE_THE_PRODUCT = {"adapters.lite_terminal.__main__"}


def _modules(package, prefix):
    for info in pkgutil.walk_packages(package.__path__, prefix):
        if info.name not in OUTSIDE_THE_PRODUCT:
            yield importlib.import_module(info.name)


def _exceptions(modules):
    for module in modules:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                yield cls


@pytest.fixture(scope="module")
def product_exceptions():
    with OfflineIRIS():  # the production modules import the embedded iris module
        import messages
        import productions

        modules = [*_modules(adapters, "adapters."), *_modules(productions, "productions."),
                   *_modules(messages, "messages.")]
        return sorted(set(_exceptions(modules)), key=lambda c: c.__qualname__)


def test_every_exception_of_the_product_has_a_named_base_in_errors_py(product_exceptions):
    assert len(product_exceptions) >= 20
    stray = [f"{c.__module__}.{c.__qualname__}" for c in product_exceptions if not issubclass(c, ROOTS)]
    assert stray == []


def test_every_exception_of_the_offline_runtime_is_under_its_root():
    classes = [c for c in _exceptions(_modules(offline_iris, "offline_iris.")) if c is not OfflineIRISError]
    assert len(classes) >= 5
    assert [c.__qualname__ for c in classes if not issubclass(c, OfflineIRISError)] == []


@pytest.mark.parametrize("failure, status", [
    (ExpectError("([ is not a regular expression"), Status.INVALID),
    (UnsafeCommandText("a line break in the namespace"), Status.INVALID),
    (errors.Refused("denied", "HALT is not allowed"), Status.DENIED),
    (errors.Refused("invalid", "MaxErrors=abc"), Status.INVALID),
    (errors.NotSent("no credentials"), Status.UNREACHABLE),
])
def test_classify_is_the_one_translation_from_a_failure_to_a_status(failure, status):
    assert classify(failure).status is status


def test_a_fleet_refusal_is_classified_by_its_own_status():
    with OfflineIRIS():
        from productions.fleet_logic import FleetRefusal

    assert classify(FleetRefusal(Status.DENIED, "target not allowed", ["a"])).status is Status.DENIED
    assert classify(FleetRefusal(Status.INVALID, "no targets")).status is Status.INVALID
