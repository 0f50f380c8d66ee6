"""The client scenarios against a real IRIS Lite Terminal (skipped without one: tests/iris/conftest.py)."""

import pytest

pytestmark = pytest.mark.timeout(120)


def test_a_command_runs_and_its_output_comes_back(real_iris):
    with real_iris.client() as term:
        result = term.execute("write $zversion")
    assert result.status == "ok"
    assert "IRIS" in result.output
    assert result.namespace.upper() == real_iris.namespace.upper()


def test_an_iris_error_is_an_error_result_and_the_session_stays_usable(real_iris):
    with real_iris.client() as term:
        failed = term.execute("write lite9terminal9undefined")
        after = term.execute('write "still here"')
    assert failed.status == "error" and "<UNDEFINED>" in failed.error
    assert after.status == "ok" and after.output.strip() == "still here"


def test_a_read_is_answered_from_input_lines(real_iris):
    with real_iris.client() as term:
        result = term.execute('read "Name? ",n write !,"Hi ",n', input_lines=["Ada"])
    assert result.status == "ok" and "Hi Ada" in result.output


def test_a_command_past_its_timeout_is_interrupted_and_the_next_one_is_not_mixed_up(real_iris):
    with real_iris.client(response_timeout=30) as term:
        slow = term.execute("hang 5", timeout=1)
        results = [term.execute(f'write "marker{i}"') for i in range(5)]
    assert slow.status == "timeout"
    assert [r.output.strip() for r in results] == [f"marker{i}" for i in range(5)]


def test_multi_line_output_and_non_ascii_text(real_iris):
    with real_iris.client() as term:
        result = term.execute('write "line 1",!,"line 2",!,"line 3",!,"caf",$char(233)')
    assert result.status == "ok"
    assert result.output.splitlines()[:3] == ["line 1", "line 2", "line 3"]
    assert result.output.rstrip().endswith("café")


def test_a_namespace_switch_is_reported(real_iris):
    with real_iris.client() as term:
        term.execute('zn "%SYS"')
        where = term.execute("write $namespace")
    assert where.status == "ok" and where.output.strip() == "%SYS" and where.namespace.upper() == "%SYS"


def test_a_wrong_password_is_refused(real_iris):
    from dataclasses import replace

    from adapters.lite_terminal import AuthError

    wrong = replace(real_iris, password=real_iris.password + "-wrong")
    with pytest.raises(AuthError):
        with wrong.client() as term:
            term.execute("write 1")
