"""CommandFileService runs only text scripts that really are files in its configured folder.

Decision (README "Security model"): a symbolic link dropped into FilePath is *refused*, wherever it points:
it is reported in the Event Log, never run, and archived like any other file (the link is moved, the file it
points to is left alone). So whoever may write into the folder can run scripts, but cannot make the service
read, run and echo into the trace a file from elsewhere. A file that is too large, binary or not valid in the
adapter's Charset is reported and archived too: never run, never retried.
"""

from __future__ import annotations

import os

import pytest
from security_helpers import FILES, WAIT, executed


def errors_about(rt, name):
    return [e["Text"] for e in rt.event_log("Error") if name in e["Text"] and e["ConfigName"] == FILES]


def settle(rt, inbox, name, done):
    """Wait until the file service has dealt with ``name``: reported once and moved out of the inbox."""
    rt.wait_for(lambda: errors_about(rt, name), timeout=WAIT)
    rt.wait_for(lambda: not os.path.lexists(inbox / name), timeout=WAIT)
    rt.run_for(0.3)  # several more polls: still reported once, so not retried
    assert len(errors_about(rt, name)) == 1, errors_about(rt, name)
    assert os.path.lexists(done / name)


def no_file_requests(rt):
    return not any(h["SourceConfigName"] == FILES for h in rt.messages())


def test_a_good_script_still_runs(rt, sim, start):
    inbox, done = start(sim)
    (inbox / "ok.cos").write_text("write 40+2\n")
    rt.wait_for(lambda: "write 40+2" in "".join(executed(sim)), timeout=WAIT)
    rt.wait_for(lambda: (done / "ok.cos").exists(), timeout=WAIT)


def test_a_too_large_file_is_reported_archived_and_not_run(rt, sim, start):
    inbox, done = start(sim, {(FILES, "Host", "MaxFileChars"): "10"})
    (inbox / "big.cos").write_text('write "longer than ten characters"\n')
    settle(rt, inbox, "big.cos", done)
    assert "MaxFileChars=10" in errors_about(rt, "big.cos")[0]
    assert executed(sim) == [] and no_file_requests(rt)


def test_a_symlink_to_a_file_outside_the_folder_is_refused_not_followed(rt, sim, start, tmp_path):
    inbox, done = start(sim)
    secret = tmp_path / "elsewhere" / "secret.cos"
    secret.parent.mkdir()
    secret.write_text('write "outside the folder"\n')
    os.symlink(secret, inbox / "link.cos")
    settle(rt, inbox, "link.cos", done)
    assert "symbolic link" in errors_about(rt, "link.cos")[0]
    assert executed(sim) == [] and no_file_requests(rt)
    assert "outside the folder" not in rt.trace_text()
    assert os.path.islink(done / "link.cos") and secret.read_text() == 'write "outside the folder"\n'


def test_a_symlink_to_a_file_inside_the_folder_is_refused_too(rt, sim, start, tmp_path):
    inbox, done = start(sim, {(FILES, "Adapter", "FileSpec"): "*.cos"})
    (inbox / "real.txt").write_text("write 1\n")  # not matched by FileSpec, so only the link is picked up
    os.symlink(inbox / "real.txt", inbox / "alias.cos")
    settle(rt, inbox, "alias.cos", done)
    assert executed(sim) == []


@pytest.mark.parametrize(
    "name, data, why",
    [
        ("nul.cos", b"write 1\x00\nwrite 2\n", "binary"),
        ("png.cos", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.cos", b'write "caf\xe9"\n', "Charset"),
    ],
)
def test_a_binary_or_undecodable_file_is_reported_archived_and_not_run(rt, sim, start, name, data, why):
    inbox, done = start(sim)
    (inbox / name).write_bytes(data)
    settle(rt, inbox, name, done)
    assert why in errors_about(rt, name)[0]
    assert executed(sim) == [] and no_file_requests(rt)


def _readable_despite_mode_000(path) -> bool:
    try:
        with open(path, "rb"):
            return True
    except PermissionError:
        return False


def test_an_unreadable_file_is_reported_and_archived_once(rt, sim, start, tmp_path, monkeypatch):
    inbox = tmp_path / "in"  # the start fixture's FilePath; the file is locked before the first poll
    inbox.mkdir(exist_ok=True)
    path = inbox / "locked.cos"
    path.write_text("write 1\n")
    os.chmod(path, 0)
    try:
        if _readable_despite_mode_000(path):
            # root ignores mode 000: refuse the read where the OS would, in the file adapter's open()
            import builtins

            import simulator.runtime.file_adapter as file_adapter

            def refusing_open(name, *args, **kwargs):
                if os.path.basename(str(name)) == "locked.cos":
                    raise PermissionError(13, "Permission denied", str(name))
                return builtins.open(name, *args, **kwargs)

            monkeypatch.setattr(file_adapter, "open", refusing_open, raising=False)
        _, done = start(sim)
        settle(rt, inbox, "locked.cos", done)
        assert "cannot read it" in errors_about(rt, "locked.cos")[0]
        assert executed(sim) == []
    finally:
        for candidate in (path, tmp_path / "done" / "locked.cos"):
            if os.path.exists(candidate):
                os.chmod(candidate, 0o600)


def test_a_file_reached_through_a_linked_subfolder_resolves_outside_and_is_refused(tmp_path):
    from productions.terminal import file_refusal

    inbox, outside = tmp_path / "in", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    (outside / "x.cos").write_text("write 1\n")
    os.symlink(outside, inbox / "sub")  # e.g. with SubdirectoryLevels > 0
    (inbox / "plain.cos").write_text("write 1\n")
    assert "outside FilePath" in file_refusal(str(inbox / "sub" / "x.cos"), str(inbox))
    assert file_refusal(str(inbox / "plain.cos"), str(inbox)) == ""
    assert "symbolic link" in file_refusal(str(inbox / "sub"), str(inbox))


class _BrokenStream:
    """A file stream whose Read fails, as for a file that vanished or became unreadable mid-read."""

    Filename = "/nowhere/broken.cos"
    Size = 10
    AtEnd = 0

    def Read(self, n):  # noqa: N802 - IRIS name
        raise OSError("Permission denied")


def test_a_read_failure_inside_the_service_is_reported_and_returns_ok(rt, monkeypatch):
    """Returning OK is what makes EnsLib.File archive the file instead of picking it up again."""
    from intersystems_pyprod import IRISLog, Status

    from productions.terminal import CommandFileService

    logged = []
    monkeypatch.setattr(IRISLog, "Error", staticmethod(logged.append))
    service = CommandFileService.__new__(CommandFileService)  # no IRIS host object: no adapter settings
    status = service.on_process_input(_BrokenStream())
    assert status == Status.OK()
    assert len(logged) == 1 and "broken.cos" in logged[0] and "cannot read it" in logged[0]
