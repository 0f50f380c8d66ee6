"""offline_iris.testing: the stable testing API's promises, each one checked."""

import pytest

from offline_iris.testing import (
    LITE_TERMINAL_MODULES,
    LoadError,
    ProductionError,
    ProductionTester,
)

PRODUCTION = "LiteTerminal.TerminalProduction"


@pytest.fixture
def loaded(production_tester):
    production_tester.load(*LITE_TERMINAL_MODULES)
    return production_tester


def test_load_needs_modules_and_reports_a_module_the_loader_cannot_import(production_tester):
    with pytest.raises(ValueError):
        production_tester.load()
    with pytest.raises(LoadError):
        production_tester.load("no_such_package.hosts")


def test_load_returns_the_generated_classes(production_tester):
    classes = production_tester.load(*LITE_TERMINAL_MODULES)
    assert {"LiteTerminal.TerminalCommandOperation", "LiteTerminal.TerminalProduction"} <= set(classes)


def test_start_refuses_unknown_productions_items_and_a_second_start(loaded, tmp_path):
    with pytest.raises(ProductionError, match="no production class 'Nope.Production'"):
        loaded.start("Nope.Production")
    with pytest.raises(ProductionError, match="not in LiteTerminal.TerminalProduction"):
        loaded.start(PRODUCTION, settings={("No Such Item", "Host", "X"): 1})
    with pytest.raises(ProductionError, match="cannot disable 'No Such Item'"):
        loaded.start(PRODUCTION, disabled=["No Such Item"])
    loaded.start(PRODUCTION, disabled=["Command Files", "Terminal Operation", "Terminal Operation 2"])
    with pytest.raises(ProductionError, match="already running"):
        loaded.start(PRODUCTION)


def test_items_show_disabled_running_and_refused_items(loaded):
    loaded.set_credentials("LiteTerminal", "_SYSTEM", "x")
    loaded.start(PRODUCTION, settings={("Terminal Operation", "Adapter", "Port"): 0},
                 disabled=["Command Files"])
    items = loaded.items()
    assert not items["Command Files"].enabled and not items["Command Files"].running
    assert items["Terminal Process"].running and items["Terminal Process"].error == ""
    assert not items["Terminal Operation"].running
    assert "setting Port='0' is out of range" in items["Terminal Operation"].error


def test_booleans_in_settings_are_written_as_1_and_0(loaded):
    loaded.set_credentials("LiteTerminal", "_SYSTEM", "x")
    loaded.start(PRODUCTION, settings={("Terminal Operation", "Adapter", "UseTLS"): True,
                                       ("Terminal Operation", "Adapter", "VerifyTLS"): False},
                 disabled=["Command Files"])
    assert loaded.items()["Terminal Operation"].running
    warnings = [e.text for e in loaded.event_log("Warning") if e.item == "Terminal Operation"]
    assert any("VerifyTLS=0" in w for w in warnings)


def test_statuses_are_read_as_objectscript_reads_them(loaded):
    loaded.start(PRODUCTION, disabled=["Command Files"])  # no credentials: the operation does not start
    status, response = loaded.send("Terminal Operation", None)
    assert not loaded.is_ok(status) and loaded.status_text(status)
    assert loaded.is_ok(1) and loaded.status_text(1) == ""


def test_event_log_entries_name_their_item(loaded):
    loaded.start(PRODUCTION, disabled=["Command Files"])
    errors = loaded.event_log("Error")
    assert errors and all(isinstance(e.text, str) for e in errors)
    assert any(e.item == "Terminal Operation" and e.source_method == "OnInit" for e in errors)
    with pytest.raises(ValueError):
        loaded.event_log("Loud")


def test_outside_pytest_it_is_a_context_manager(tmp_path):
    with ProductionTester(tmp_path / "iris") as tester:
        tester.load(*LITE_TERMINAL_MODULES)
        assert tester.workdir == str(tmp_path / "iris")
