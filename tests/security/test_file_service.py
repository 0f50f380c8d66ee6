"""CommandFileService runs only text scripts that really are files in its configured folder.

Decision (docs/security.md §7): a symbolic link dropped into FilePath is *refused*, wherever it points:
it is reported in the Event Log, never run, and archived like any other file (the link is moved, the file it
points to is left alone). So whoever may write into the folder can run scripts, but cannot make the service
read, run and echo into the trace a file from elsewhere. A file that is too large, binary, not valid in the
adapter's Charset, or whose lines the client and the policy could read differently (a form feed, U+2028) is
reported and archived too: never run, never retried.

The file is opened once, relative to the folder and without following links, checked through the open
descriptor and read from it (productions/command_files.py); the race tests swap the file for a link at the
two moments that matter through RACE_HOOK, so they do not depend on luck.
"""

from __future__ import annotations

import os

import pytest
from security_helpers import FILES, WAIT, executed

from productions import command_files
from productions.command_files import ScriptFile, read_command_file


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
        ("formfeed.cos", b"write 1\x0chalt\n", "U+000C"),  # str.splitlines() breaks here; CR/LF-only does not
        ("vt.cos", b"write 1\x0bhalt\n", "U+000B"),
        ("ls.cos", "write 1\u2028halt\n".encode(), "U+2028 LINE SEPARATOR"),
        ("nel.cos", "write 1\x85halt\n".encode(), "U+0085"),
    ],
)
def test_a_binary_undecodable_or_ambiguous_file_is_reported_and_not_run(rt, sim, start, name, data, why):
    inbox, done = start(sim)
    (inbox / name).write_bytes(data)
    settle(rt, inbox, name, done)
    assert why in errors_about(rt, name)[0]
    assert executed(sim) == [] and no_file_requests(rt)


def test_an_unreadable_file_is_reported_and_archived_once(rt, sim, start, tmp_path, monkeypatch):
    inbox = tmp_path / "in"  # the start fixture's FilePath; the file is locked before the first poll
    inbox.mkdir(exist_ok=True)
    path = inbox / "locked.cos"
    path.write_text("write 1\n")
    os.chmod(path, 0)
    real_open = os.open

    def refusing_open(name, flags, *args, **kwargs):
        # root ignores mode 000: refuse the open where the OS would for anyone else
        if os.path.basename(str(name)) == "locked.cos" and os.geteuid() == 0:
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    try:
        _, done = start(sim)
        settle(rt, inbox, "locked.cos", done)
        assert "cannot read it: Permission denied" in errors_about(rt, "locked.cos")[0]
        assert executed(sim) == []
    finally:
        for candidate in (path, tmp_path / "done" / "locked.cos"):
            if os.path.exists(candidate):
                os.chmod(candidate, 0o600)


def test_a_file_reached_through_a_linked_subfolder_is_refused(tmp_path, open_way):
    inbox, outside = tmp_path / "in", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    (outside / "x.cos").write_text("write 1\n")
    os.symlink(outside, inbox / "sub")  # e.g. with SubdirectoryLevels > 0
    (inbox / "plain.cos").write_text("write 1\n")
    refused = read_command_file(str(inbox / "sub" / "x.cos"), str(inbox), "", 100)
    assert refused.script == "" and "symbolic link to a folder" in refused.refusal
    assert read_command_file(str(inbox / "plain.cos"), str(inbox), "", 100) == ScriptFile("write 1\n")
    outside_name = read_command_file(str(outside / "x.cos"), str(inbox), "", 100)
    assert "outside FilePath" in outside_name.refusal


def test_a_real_subfolder_is_read_through_without_following_anything(tmp_path, open_way):
    inbox = tmp_path / "in"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "sub" / "x.cos").write_text("write 2\n")
    assert read_command_file(str(inbox / "sub" / "x.cos"), str(inbox), "", 100).script == "write 2\n"


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


# ---------------------------------------------------------------------------------------------------------
# The file checked is the file read: no gap between check and read


@pytest.fixture(params=["open-at", "lstat-then-compare"])
def open_way(request, monkeypatch):
    """Both ways the service opens a file: relative to the folder with O_NOFOLLOW (POSIX), and the
    portable one (Windows): lstat the name, open, and compare the open file with what lstat saw."""
    monkeypatch.setattr(command_files, "AT_OPEN", request.param == "open-at")
    if request.param == "lstat-then-compare":  # as on Windows: no O_NOFOLLOW either
        monkeypatch.setattr(command_files, "_FILE_FLAGS", command_files._FILE_FLAGS & ~os.O_NOFOLLOW)
    return request.param


@pytest.fixture
def swap_at(monkeypatch):
    """swap_at(stage, path, target): at ``stage`` of read_command_file, replace ``path`` by a link."""

    def arm(stage, path, target):
        def hook(reached):
            if reached == stage:
                os.replace(path, str(path) + ".orig")
                os.symlink(target, path)

        monkeypatch.setattr(command_files, "RACE_HOOK", hook)

    return arm


@pytest.fixture
def job_and_secret(tmp_path):
    """A folder holding job.cos ("write 1"), and a script outside it."""
    inbox, secret = tmp_path / "in", tmp_path / "secret.cos"
    inbox.mkdir()
    secret.write_text('write "outside"\n')
    (inbox / "job.cos").write_text("write 1\n")
    return inbox, secret


def test_a_symlink_is_refused_whichever_way_the_file_is_opened(job_and_secret, open_way):
    inbox, secret = job_and_secret
    os.symlink(secret, inbox / "link.cos")
    found = read_command_file(str(inbox / "link.cos"), str(inbox), "", 100)
    assert found.script == "" and "symbolic link" in found.refusal


def test_a_link_swapped_in_just_before_the_open_is_refused(job_and_secret, swap_at, open_way):
    inbox, secret = job_and_secret
    swap_at("before-open", inbox / "job.cos", secret)
    found = read_command_file(str(inbox / "job.cos"), str(inbox), "", 100)
    assert found.script == ""
    if open_way == "open-at":
        assert "symbolic link" in found.refusal  # O_NOFOLLOW: the kernel refused to follow it
    else:
        assert "replaced between the check and the open" in found.refusal  # not the file lstat saw


def test_a_link_swapped_in_after_the_open_changes_nothing(job_and_secret, swap_at, open_way):
    """The file checked is the one read."""
    inbox, secret = job_and_secret
    swap_at("after-open", inbox / "job.cos", secret)
    assert read_command_file(str(inbox / "job.cos"), str(inbox), "", 100) == ScriptFile("write 1\n")


def test_the_swap_race_through_the_production_never_runs_the_outside_file(rt, sim, start, tmp_path, swap_at):
    """The attack from the issue (won 3 of 3 races before): check the name, swap in a link, read."""
    inbox, done = start(sim, {(FILES, "Adapter", "CallInterval"): "0.1"})
    secret = tmp_path / "secret.cos"
    secret.write_text('write "outside the folder"\n')
    swap_at("before-open", inbox / "race.cos", secret)
    (inbox / "race.cos").write_text("write 1\n")
    settle(rt, inbox, "race.cos", done)
    assert "symbolic link" in errors_about(rt, "race.cos")[0]
    assert executed(sim) == [] and "outside the folder" not in rt.trace_text()


# ---------------------------------------------------------------------------------------------------------
# WorkPath: the adapter moves the file there first; it is read there, and only there


def test_with_workpath_a_good_script_runs_from_the_work_folder(rt, sim, start, tmp_path):
    work = tmp_path / "work"
    work.mkdir()  # the service checks its folders when it starts
    inbox, done = start(sim, {(FILES, "Adapter", "WorkPath"): str(work)})
    (inbox / "ok.cos").write_text("write 6*7\n")
    rt.wait_for(lambda: "write 6*7" in "".join(executed(sim)), timeout=WAIT)
    rt.wait_for(lambda: (done / "ok.cos").exists(), timeout=WAIT)


def test_with_workpath_a_symlink_moved_there_is_still_refused(rt, sim, start, tmp_path):
    """Before: the check looked at the old path in FilePath (gone after the move) and let the link through."""
    work = tmp_path / "work"
    work.mkdir()  # the service checks its folders when it starts
    inbox, done = start(sim, {(FILES, "Adapter", "WorkPath"): str(work)})
    secret = tmp_path / "secret.cos"
    secret.write_text('write "outside the folder"\n')
    os.symlink(secret, inbox / "link.cos")
    settle(rt, inbox, "link.cos", done)
    assert "symbolic link" in errors_about(rt, "link.cos")[0]
    assert executed(sim) == [] and "outside the folder" not in rt.trace_text()


def test_with_workpath_a_new_file_of_the_same_name_in_filepath_is_not_what_is_read(tmp_path, open_way):
    inbox, work = tmp_path / "in", tmp_path / "work"
    inbox.mkdir()
    work.mkdir()
    (work / "job.cos").write_text("write 1\n")  # what the adapter moved
    (inbox / "job.cos").write_text('write "dropped later"\n')  # a newcomer with the same name
    assert read_command_file(str(inbox / "job.cos"), str(inbox), str(work), 100).script == "write 1\n"


# ---------------------------------------------------------------------------------------------------------
# What the open descriptor must be


def test_a_hard_link_to_a_file_elsewhere_is_refused(tmp_path, open_way):
    inbox, secret = tmp_path / "in", tmp_path / "secret.cos"
    inbox.mkdir()
    secret.write_text('write "outside"\n')
    os.link(secret, inbox / "hard.cos")
    found = read_command_file(str(inbox / "hard.cos"), str(inbox), "", 100)
    assert found.script == "" and "2 names (hard links)" in found.refusal


def test_a_fifo_is_refused_without_blocking(tmp_path, open_way):
    inbox = tmp_path / "in"
    inbox.mkdir()
    os.mkfifo(inbox / "pipe.cos")  # nobody writes: a blocking open would hang here
    found = read_command_file(str(inbox / "pipe.cos"), str(inbox), "", 100)
    assert "a FIFO, not a regular file" in found.refusal


def test_a_folder_is_refused(tmp_path, open_way):
    inbox = tmp_path / "in"
    (inbox / "dir.cos").mkdir(parents=True)
    found = read_command_file(str(inbox / "dir.cos"), str(inbox), "", 9)
    assert "a folder, not a regular file" in found.refusal


def test_size_is_checked_on_the_descriptor_before_reading_and_again_in_characters(tmp_path, open_way):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "big.cos").write_bytes(b"w 1\n" * 100)  # 400 bytes > 4 * 10
    big = read_command_file(str(inbox / "big.cos"), str(inbox), "", 10)
    assert "400 bytes is over MaxFileChars=10" in big.refusal
    (inbox / "wide.cos").write_text('w "' + "\u00e9" * 10 + '"\n')  # 15 characters in 25 bytes
    assert "15 characters is over MaxFileChars=12" in read_command_file(
        str(inbox / "wide.cos"), str(inbox), "", 12).refusal


@pytest.mark.parametrize("charset, data, expected", [
    ("Latin1", b'write "caf\xe9"\n', 'write "caf\u00e9"\n'),
    ("UTF-8", 'write "caf\u00e9"\n'.encode(), 'write "caf\u00e9"\n'),
    ("Default", 'write "caf\u00e9"\n'.encode(), 'write "caf\u00e9"\n'),
])
def test_the_adapters_charset_decides_the_decoding(tmp_path, charset, data, expected):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "c.cos").write_bytes(data)
    assert read_command_file(str(inbox / "c.cos"), str(inbox), "", 100, charset).script == expected


def test_an_unknown_charset_is_refused_by_name(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "c.cos").write_text("write 1\n")
    assert "Charset 'EBCDIC-9000'" in read_command_file(str(inbox / "c.cos"), str(inbox), "", 100,
                                                        "EBCDIC-9000").refusal


# ---------------------------------------------------------------------------------------------------------
# A file name cannot forge Event Log lines


def test_a_file_name_with_a_line_break_is_escaped_in_the_event_log_and_the_trace(rt, sim, start):
    inbox, done = start(sim)
    name = "evil\nERROR forged entry\r\x1b[2K.cos"
    (inbox / name).write_bytes(b"write 1\x00\n")  # refused as binary, so the name is logged
    escaped = "evil\\nERROR forged entry\\r\\x1b[2K.cos"
    rt.wait_for(lambda: errors_about(rt, escaped), timeout=WAIT)
    texts = [e["Text"] for e in rt.event_log()]
    assert not any("\n" in t or "\r" in t or "\x1b" in t for t in texts), texts
    (inbox / "run me\nfake.cos").write_text("write 5\n")
    rt.wait_for(lambda: "write 5" in "".join(executed(sim)), timeout=WAIT)
    descriptions = [str(h.get("Description", "")) for h in rt.messages()]
    assert "file " + str(inbox / "run me\\nfake.cos") in descriptions, descriptions
    assert not any("\n" in d for d in descriptions)
