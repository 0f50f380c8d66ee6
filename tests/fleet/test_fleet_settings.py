"""The fleet process declares the policy settings again (pyprod reads each class's settings from its own
source, docs/pyprod-runtime.md §1.4); they must stay exactly those of TerminalCommandProcess."""

from __future__ import annotations

import pytest

from offline_iris import OfflineIRIS


@pytest.fixture(scope="module")
def processes():
    with OfflineIRIS():  # the components import the embedded iris module
        from productions.fleet import TerminalFleetProcess
        from productions.terminal import TerminalCommandProcess

        yield TerminalCommandProcess, TerminalFleetProcess


@pytest.mark.parametrize("name", ["AllowPatterns", "DenyPatterns", "AllowedNamespaces", "AllowedTargets"])
def test_policy_settings_are_the_same_in_both_processes(processes, name):
    single, fleet = (vars(cls)[name] for cls in processes)
    def declared(prop):
        return prop.default, prop.datatype, prop.settings

    assert declared(fleet) == declared(single)
    if name != "AllowedTargets":  # "a request may name in its Target field" vs "... Targets field"
        assert fleet.description.replace("each operation's", "the operation's") == single.description
