"""No world-writable script folder (issue 16 item 10): Command Files does not start when the folder it runs
scripts from (FilePath, WorkPath) could hold another local user's script: writable by every user, owned by
another user, or inside a folder another user owns or may write to (without the sticky bit). The Event Log
error names the setting and the one-line fix. The default production documents a private folder."""

from __future__ import annotations

import os

import pytest

from offline_iris import OfflineIRIS
from offline_iris.testing import LITE_TERMINAL_MODULES
from productions.command_files import folder_trust_problem

PRODUCTION = "LiteTerminal.TerminalProduction"
FILES = "Command Files"
NOBODY = 65534
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")


@pytest.fixture
def folders(tmp_path):
    inbox, done = tmp_path / "in", tmp_path / "done"
    inbox.mkdir(mode=0o700)
    done.mkdir(mode=0o700)
    return inbox, done


@pytest.fixture
def tester(production_tester, folders):
    production_tester.load(*LITE_TERMINAL_MODULES)
    production_tester.set_credentials("LiteTerminal", "_SYSTEM", "not-used")
    return production_tester


def _start(tester, inbox, done, **more):
    settings = {(FILES, "Adapter", "FilePath"): str(inbox), (FILES, "Adapter", "ArchivePath"): str(done)}
    settings.update({(FILES, "Adapter", k): v for k, v in more.items()})
    tester.start(PRODUCTION, settings=settings, disabled=["Terminal Operation 2"])
    return tester.items()[FILES]


def test_a_private_folder_starts(tester, folders):
    assert _start(tester, *folders).running


def test_a_folder_every_user_may_write_to_stops_the_item_with_the_fix(tester, folders):
    inbox, done = folders
    inbox.chmod(0o777)
    state = _start(tester, inbox, done)
    assert not state.running
    assert "setting FilePath=" in state.error and "is writable by every local user" in state.error
    assert f"run chmod o-w '{inbox}'" in state.error
    ours = [e for e in tester.event_log("Error") if "Error while importing the class" in e.text]
    assert len(ours) == 1 and "writable by every local user" in ours[0].text


def test_a_world_writable_work_path_is_refused_too(tester, folders, tmp_path):
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    work.chmod(0o757)
    state = _start(tester, *folders, WorkPath=str(work))
    assert not state.running and "setting WorkPath=" in state.error


@as_root
def test_a_folder_owned_by_another_user_stops_the_item(tester, folders):
    inbox, done = folders
    os.chown(inbox, NOBODY, -1)
    state = _start(tester, inbox, done)
    assert not state.running and "is owned by" in state.error and "mkdir -m 0700" in state.error


def test_a_parent_others_may_write_to_is_refused_unless_sticky(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    inbox = shared / "in"
    inbox.mkdir(mode=0o700)
    shared.chmod(0o777)
    reason, fix = folder_trust_problem(str(inbox))
    assert f"lies in {shared}" in reason and "chmod o-w" in fix
    shared.chmod(0o1777)  # like /tmp: nobody can replace another user's entry
    assert folder_trust_problem(str(inbox)) is None


def test_a_link_to_a_world_writable_folder_is_judged_by_where_it_leads(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    real.chmod(0o777)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert folder_trust_problem(str(link)) is not None


def test_the_default_production_names_a_private_folder():
    with OfflineIRIS():
        from productions.terminal import TerminalProduction

    assert "mkdir -m 0700" in TerminalProduction.description
