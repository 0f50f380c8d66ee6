"""adapters/schedule.py: strict TimesOfDay / CallInterval reading and the once-per-day due check."""

import datetime as dt

import pytest

from adapters.schedule import ScheduleError, due_times, parse_times, read_schedule_settings, split_commands
from adapters.settings import SettingsError


def test_times_of_day_are_hh_mm_separated_by_commas_sorted_and_distinct():
    assert parse_times("14:30, 02:00,00:00,23:59,02:00") == [dt.time(0, 0), dt.time(2, 0), dt.time(14, 30),
                                                              dt.time(23, 59)]
    assert parse_times("") == []


@pytest.mark.parametrize("bad, says", [
    ("9:00am", "'9:00am', which is not a time from 00:00 to 23:59 written HH:MM"),
    ("9:00", "'9:00', which is not a time"),
    ("25:00", "'25:00', which is not a time"),
    ("24:00", "'24:00', which is not a time"),
    ("12:60", "'12:60', which is not a time"),
    ("02:00:30", "'02:00:30', which is not a time"),
    ("02:00;14:30", "'02:00;14:30', not one time: separate times with commas only"),
    ("02:00 14:30", "'02:00 14:30', not one time: separate times with commas only"),
    ("02:00,,14:30", "an empty entry"),
    ("02:00,", "an empty entry"),
    ("   ", "is blank"),
])
def test_a_bad_times_of_day_is_refused_with_what_to_write(bad, says):
    with pytest.raises(ScheduleError) as caught:
        parse_times(bad)
    assert says in str(caught.value)
    assert "write 24-hour times as HH:MM separated by commas, from 00:00 to 23:59" in str(caught.value)


def test_schedule_settings_name_the_item_and_every_bad_setting():
    with pytest.raises(SettingsError) as caught:
        read_schedule_settings("Nightly", {"Commands": "write 1", "TimesOfDay": "25:00", "CallInterval": "0"})
    text = str(caught.value)
    assert text.startswith("Item 'Nightly' was not started: setting TimesOfDay='25:00' has '25:00'")
    assert "setting CallInterval='0' is out of range; set CallInterval to the seconds between polls" in text


def test_schedule_settings_keep_commands_and_times():
    sched = read_schedule_settings("S", {"Commands": "write 1\r\n# c\rwrite 2", "TimesOfDay": "02:00",
                                         "CallInterval": 5})
    assert sched.commands == ("write 1", "write 2") and sched.times == (dt.time(2, 0),)
    assert sched.call_interval == 5.0


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


def test_split_commands_breaks_only_at_cr_and_lf():
    """A U+2028 or form feed stays inside its command (the policy then refuses it), never two commands."""
    assert split_commands("write 1\u2028halt\fwrite 3") == ["write 1\u2028halt\fwrite 3"]


def test_the_schedule_says_what_it_will_do_when_the_item_starts():
    def describe(**values):
        base = {"Commands": "write 1", "TimesOfDay": "", "CallInterval": 300}
        return read_schedule_settings("S", dict(base, **values)).describe()

    assert describe() == "runs 1 command every CallInterval=300 s (TimesOfDay is empty)"
    assert describe(Commands="w 1\nw 2", TimesOfDay="14:30,02:00", CallInterval="0.5") == (
        "runs 2 commands at 02:00,14:30 each day (checked every CallInterval=0.5 s)")
    assert describe(Commands="# nothing") == (
        "Commands is empty: this item runs nothing until commands are added")
