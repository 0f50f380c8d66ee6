"""adapters/schedule.py: TimesOfDay parsing and the once-per-day due check."""

import datetime as dt

import pytest

from adapters.schedule import ScheduleError, due_times, parse_times, split_commands


def test_parse_times_accepts_commas_and_spaces_and_sorts():
    assert parse_times("14:30, 02:00 2:00:30") == [dt.time(2, 0), dt.time(2, 0, 30), dt.time(14, 30)]
    assert parse_times("") == []


@pytest.mark.parametrize("bad", ["24:00", "2pm", "12:60", "12"])
def test_parse_times_names_a_bad_entry(bad):
    with pytest.raises(ScheduleError, match=bad):
        parse_times(f"01:00,{bad}")


def test_a_time_is_due_once_when_passed():
    times = parse_times("02:00")
    day = dt.datetime(2026, 1, 5)
    assert due_times(times, day.replace(hour=1, minute=59), day.replace(hour=2)) == [day.replace(hour=2)]
    assert due_times(times, day.replace(hour=2), day.replace(hour=2, minute=1)) == []


def test_due_times_cross_midnight():
    times = parse_times("23:59,00:01")
    since = dt.datetime(2026, 1, 5, 23, 58)
    now = dt.datetime(2026, 1, 6, 0, 2)
    assert due_times(times, since, now) == [dt.datetime(2026, 1, 5, 23, 59), dt.datetime(2026, 1, 6, 0, 1)]


def test_split_commands_skips_blank_and_comment_lines():
    assert split_commands("write 1\n\n  # note\n write 2 \n") == ["write 1", "write 2"]
