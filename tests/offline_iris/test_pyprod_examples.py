"""pyprod's public examples, in our own words (toy/tour.py), run offline with the statuses and
Event Log levels that their Visual Traces taken on real IRIS show (docs/offline-runtime.md §13, §14;
pyprod's quickstart page and README HelloWorld)."""

import pytest
from runtime_helpers import HERE, TOUR_ITEMS, production_xml

from offline_iris import OfflineIRIS
from offline_iris.status import is_ok

TOUR = production_xml("Tour.Production", TOUR_ITEMS)


def _run_tour(tmp_path, **options):
    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False, **options) as rt:
        rt.load(["toy.tour"], source_root=HERE)
        import toy.tour as tour

        del tour.SEEN[:]
        rt.start_production(xml=TOUR)
        rt.wait_for(
            lambda: [e for e in rt.event_log() if e["ConfigName"] == "Counter" and e["Type"] in (2, 3)][1:]
        )
        rt.stop_production()
        return rt.messages(), rt.event_log(), list(tour.SEEN)


def test_quickstart_walk_through_has_the_statuses_and_levels_of_the_iris_picture(tmp_path):
    messages, log, seen = _run_tour(tmp_path)
    # [1]..[7]: service -> process -> operation and back, every message completed, none in error
    path = [(m["SourceConfigName"], m["TargetConfigName"], m["TypeName"]) for m in messages]
    assert path == [
        ("Counter", "Chooser", "Request"),
        ("Chooser", "Packer", "Request"),
        ("Packer", "Chooser", "Response"),
        ("Chooser", "Counter", "Response"),
    ]
    assert [m["MessageBodyClassName"] for m in messages] == [
        "Tour.Parcel",
        "Tour.Crate",
        "Tour.Parcel",
        "Tour.Parcel",
    ]
    assert not any(m["IsError"] for m in messages)
    assert all(m["StatusName"] == "Completed" for m in messages if m["TypeName"] == "Request")
    # the service's send returned a (status, response) tuple ...
    assert seen[0][0] == "send_request_sync" and isinstance(seen[0][1], tuple)
    # [8]..[11]: Info (white), Error (red), the status of that tuple: Info (white), Warning (orange)
    counter = [(e["TypeName"], e["Text"]) for e in log if e["ConfigName"] == "Counter"]
    assert counter == [
        ("Info", "start_count is a int"),
        ("Error", "an Error entry, on purpose"),
        ("Info", "OK"),
        ("Warning", "start_count is now 46"),
    ]
    # [3]..[5]: the operation's own Info entries
    assert [e["TypeName"] for e in log if e["ConfigName"] == "Packer"] == ["Info"]


def test_without_numeric_initials_the_property_is_a_string_and_the_increment_fails(tmp_path):
    """The switch that the QuickStart picture decides (Options.numeric_initials): off, += 1 on '45' raises,
    which on IRIS would have been a red entry where the picture shows an orange one."""
    messages, log, _ = _run_tour(tmp_path, numeric_initials=False)
    counter = [(e["TypeName"], e["Text"]) for e in log if e["ConfigName"] == "Counter"]
    assert counter[0] == ("Info", "start_count is a str")
    assert counter[3][0] == "Error" and "TypeError" in counter[3][1]
    assert not any(kind == "Warning" for kind, _ in counter)


def test_a_status_only_adapter_method_gives_a_tuple_that_iris_reads_as_ok(tmp_path):
    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False) as rt:
        rt.load(["toy.tour"], source_root=HERE)
        import toy.tour as tour

        del tour.SEEN[:]
        rt.start_production(xml=TOUR)
        status, response = rt.send_sync("Packer", tour.Parcel("letter", 2))
        assert [s for s in tour.SEEN if s[0] == "note"] == [("note", (1, None))]
        assert is_ok(status) and response.label == "noted letter"
        assert not any(m["IsError"] for m in rt.messages() if m["SourceConfigName"] == "Packer")


@pytest.mark.parametrize("numeric", [True, False])
def test_numeric_initials_only_touch_canonical_numbers(tmp_path, numeric):
    from offline_iris.objects import canonical_number

    assert [canonical_number(v) for v in ("45", "-3", ".5", "0")] == [45, -3, 0.5, 0]
    assert [canonical_number(v) for v in ("045", "+1", "1.50", "-0", "1e3", "", "4 5")] == [
        "045",
        "+1",
        "1.50",
        "-0",
        "1e3",
        "",
        "4 5",
    ]
    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False, numeric_initials=numeric) as rt:
        rt.load(["toy.tour"], source_root=HERE)
        counter = rt.ns.new("Tour.Counter")
        assert counter.StartCount == (45 if numeric else "45")
        counter.StartCount = "45"  # a value set from Python keeps its Python type
        assert counter.StartCount == "45"
