"""The interactive mode, tested as a person uses it: in a real pseudo-terminal (pexpect), with readline.

Each test starts ``python -m adapters.lite_terminal --host <simulator>`` with no command on a terminal, types
as a person would (arrow keys, Ctrl-C, Ctrl-D) and reads the screen.
"""

from __future__ import annotations

import os
import stat

import pexpect
import pytest
from cli_helpers import CLI, PASSWORD, ROOT, cli_env

PROMPT = "USER>"


@pytest.fixture
def history_file(tmp_path):
    return tmp_path / "history"


@pytest.fixture
def shell(sim, history_file):
    """The CLI in interactive mode on a pseudo-terminal; ended (and checked to end) after the test."""
    children = []

    def start(*extra: str, color: str = "never") -> pexpect.spawn:
        env = cli_env(IRIS_LITE_TERMINAL_HISTORY=str(history_file), TERM="xterm")
        child = pexpect.spawn(CLI[0], [*CLI[1:], "--host", f"{sim.host}:{sim.port}", "--connect-timeout", "3",
                                       f"--color={color}", *extra],
                              cwd=str(ROOT), env=env, encoding="utf-8", timeout=15, dimensions=(40, 200))
        children.append(child)
        child.expect_exact("Ctrl-D or halt ends the session.")
        child.expect_exact(PROMPT)
        return child

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def run(child: pexpect.spawn, line: str, prompt: str = PROMPT) -> str:
    """Type ``line`` and Enter; what the screen showed before the next prompt (the echo removed)."""
    child.sendline(line)
    child.expect_exact(prompt)
    shown = child.before.replace("\r\n", "\n")
    return shown.split("\n", 1)[1] if "\n" in shown else ""


def test_the_prompt_follows_the_namespace_and_locals_stay_set(shell):
    child = shell()
    assert run(child, "set x=41").strip() == ""
    assert run(child, "write x+1").strip() == "42"
    run(child, 'zn "%SYS"', prompt="%SYS>")
    assert run(child, "write $namespace", prompt="%SYS>").strip() == "%SYS"
    assert run(child, "write x", prompt="%SYS>").strip() == "41"  # the same session: its locals kept


def test_history_recall_with_the_up_arrow_and_a_private_history_file(shell, history_file):
    child = shell()
    assert run(child, "write 6*7").strip() == "42"
    assert run(child, "write 1+1").strip() == "2"
    child.send("\x1b[A\x1b[A")  # up twice: write 6*7
    child.sendline("")
    child.expect_exact(PROMPT)
    assert "42" in child.before
    child.sendeof()  # Ctrl-D
    child.expect(pexpect.EOF)
    child.wait()
    assert child.exitstatus == 0
    mode = stat.S_IMODE(os.stat(history_file).st_mode)
    assert mode == 0o600, oct(mode)
    assert "write 6*7" in history_file.read_text()


def test_ctrl_c_interrupts_a_hang_and_the_session_goes_on(shell, sim):
    child = shell()
    run(child, "set kept=7")
    child.sendline('write "started",! hang 60')
    child.expect_exact("started\r\n")  # the output, not the echo of the command line
    child.sendintr()  # Ctrl-C
    child.expect_exact("<INTERRUPT>", timeout=10)
    child.expect_exact(PROMPT, timeout=10)
    assert run(child, "write kept").strip() == "7"  # same session, locals kept
    assert len({c.session for c in sim.executed if "LT-SYNC" not in c.input}) == 1


def test_a_read_asks_the_person_and_is_not_kept_in_the_history(shell, history_file):
    child = shell()
    child.sendline('read "Name? ",n write !,"Hi ",n')
    child.expect_exact("Name? ")
    child.sendline("s3cret-answer")
    child.expect_exact("s3cret-answer\r\nHi s3cret-answer")  # the Enter was the new line: no blank one
    child.expect_exact(PROMPT)
    child.sendline("halt")
    child.expect(pexpect.EOF)
    child.wait()
    assert child.exitstatus == 0
    text = history_file.read_text()
    assert "read \"Name? \"" in text and "s3cret-answer" not in text


def test_ctrl_c_at_a_read_interrupts_the_command(shell):
    child = shell()
    child.sendline('read "Name? ",n write "never"')
    child.expect_exact("Name? ")
    child.sendintr()
    child.expect_exact("<INTERRUPT>")
    child.expect_exact(PROMPT)
    assert "never" not in child.before
    assert run(child, "write 3").strip() == "3"


def test_a_block_over_three_lines_runs_as_one(shell, sim):
    child = shell()
    child.sendline("for i=1:1:3 {")
    child.expect_exact("... ")
    child.sendline(" write i")
    child.expect_exact("... ")
    child.sendline("}")
    child.expect_exact(PROMPT)
    assert "123" in child.before
    (block,) = [c for c in sim.executed if c.input.startswith("for")]
    assert block.input == "for i=1:1:3 {\r\n write i\r\n}"


def test_an_iris_error_is_shown_and_the_prompt_returns(shell):
    child = shell()
    assert "<UNDEFINED> *nope" in run(child, "write nope")
    assert run(child, "write 1").strip() == "1"


def test_color_always_keeps_iris_colours_and_never_removes_them(shell):
    child = shell(color="always")
    child.sendline("write nope")
    child.expect_exact("\x1b[31;1m<UNDEFINED>")
    child.expect_exact("USER>")
    child.sendeof()
    child.expect(pexpect.EOF)
    plain = shell(color="never")
    assert "\x1b" not in run(plain, "write nope")


def test_ctrl_c_while_typing_drops_the_line(shell, sim):
    child = shell()
    child.send("write 99")
    child.expect_exact("write 99")  # readline has it (and waits for the next key) before Ctrl-C comes
    child.sendintr()
    child.expect_exact(PROMPT)
    assert run(child, "write 5").strip() == "5"
    assert not any("99" in c.input for c in sim.executed)


def test_h_alone_ends_but_h_with_an_argument_is_hang(shell, sim):
    child = shell()
    run(child, "h 0")
    assert any(c.input == "h 0" for c in sim.executed)
    child.sendline("H")
    child.expect(pexpect.EOF)
    child.wait()
    assert child.exitstatus == 0


def test_the_password_prompt_comes_first_without_iris_password(sim, history_file):
    env = cli_env(None, IRIS_LITE_TERMINAL_HISTORY=str(history_file), TERM="xterm")
    child = pexpect.spawn(CLI[0], [*CLI[1:], "--host", f"{sim.host}:{sim.port}", "--color=never"],
                          cwd=str(ROOT), env=env, encoding="utf-8", timeout=15)
    try:
        child.expect_exact("IRIS password: ")
        child.sendline(PASSWORD)
        child.expect_exact(PROMPT)
        assert run(child, "write 2*4").strip() == "8"
    finally:
        child.terminate(force=True)


@pytest.mark.parametrize("extra, message", [
    (["--host", "127.0.0.1:1"], "the interactive mode works on one server, not 2"),
    (["--json"], "--json and --output-dir need a COMMAND"),
])
def test_the_interactive_mode_refuses_what_it_cannot_do(sim, history_file, extra, message):
    env = cli_env(IRIS_LITE_TERMINAL_HISTORY=str(history_file), TERM="xterm")
    child = pexpect.spawn(CLI[0], [*CLI[1:], "--host", f"{sim.host}:{sim.port}", *extra], cwd=str(ROOT),
                          env=env, encoding="utf-8", timeout=15)
    child.expect_exact(message)
    child.expect(pexpect.EOF)
    child.wait()
    assert child.exitstatus == 2 and sim.logins == 0


CTRL_C_ROUNDS = 40


def test_ctrl_c_while_typing_always_drops_the_line_whatever_the_timing(shell, sim):
    """The invariant behind the test above, over many rounds on one session: each Ctrl-C lands at another
    moment of readline's work (just after the echo, while it redraws), and each must bring a new prompt."""
    child = shell()
    for round_ in range(CTRL_C_ROUNDS):
        child.send(f"write {round_}99")
        child.expect_exact(f"write {round_}99")
        child.sendintr()
        child.expect_exact(PROMPT, timeout=10)
    assert run(child, "write 5").strip() == "5"
    assert not any("99" in c.input for c in sim.executed)


def test_ctrl_c_right_after_enter_or_between_prompts_never_ends_the_session(shell):
    """Ctrl-C at any moment around a short command (while it runs, while its result prints, before the next
    prompt is drawn) interrupts or drops what is under way; the session and its prompt always come back."""
    child = shell()
    run(child, "set kept=7")
    for _ in range(CTRL_C_ROUNDS // 2):
        child.sendline("write 1")
        child.sendintr()
        child.expect_exact(PROMPT, timeout=10)
    child.sendline('write "sync-"_"done"')  # one or two prompts per round: sync on output, not on a prompt
    child.expect_exact("sync-done")
    child.expect_exact(PROMPT)
    assert run(child, "write kept").strip() == "7"  # the same session all along
    assert child.isalive()
