"""The Visual Trace picture (docs/offline-runtime.md §23), checked in a real headless browser.

Chromium renders the page twice: once to dump the DOM after its script ran, once to a PNG. The DOM must hold
exactly the trace's messages and Event Log entries, in order, with their source, target and body class; the
PNG must not be blank, and at every drawn arrow and diamond the pixels must have the colour of that row's
kind (request, response, error) or level. Chromium comes from Debian's ``chromium`` package, which .ci/run
installs; without it this module is skipped, unless LITE_TERMINAL_REQUIRE_CHROMIUM=1 (as in CI) makes that
a failure.
"""

import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from runtime_helpers import HERE, TOUR_ITEMS, production_xml

from offline_iris import OfflineIRIS
from offline_iris.visual_trace import ERROR_COLOUR, LEVEL_FILL, REQUEST_COLOUR, RESPONSE_COLOUR

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
if CHROMIUM is None:
    if os.environ.get("LITE_TERMINAL_REQUIRE_CHROMIUM"):
        raise RuntimeError("chromium is required (LITE_TERMINAL_REQUIRE_CHROMIUM=1) but not installed")
    pytest.skip("chromium not installed (.ci/run installs Debian's chromium)", allow_module_level=True)

WINDOW = (1400, 2600)

TOUR = production_xml(
    "Tour.Production",
    TOUR_ITEMS
    + """
  <Item Name="Sender" ClassName="Fid.Sender" PoolSize="1" Enabled="true">
    <Setting Target="Host" Name="Target">Grumpy</Setting>
  </Item>
  <Item Name="Grumpy" ClassName="Fid.Grumpy" PoolSize="1" Enabled="true">
    <Setting Target="Host" Name="AlertOnError">1</Setting>
  </Item>
  <Item Name="Ens.Alert" ClassName="Fid.AlertSink" PoolSize="1" Enabled="true"/>
""",
)


def _hex(colour):
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


class _Rows(HTMLParser):
    """The drawn rows (``<g class="row ...">``) and pictures (``<svg class="trace">``) of a DOM dump."""

    def __init__(self):
        super().__init__()
        self.rows, self.svgs, self.external = [], [], []
        self._svg = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "trace" in (a.get("class") or ""):
            self._svg = a
            self.svgs.append(a)
        elif tag == "g" and (a.get("class") or "").startswith("row"):
            self.rows.append(dict(a, svg=self._svg))
        for name in ("src", "href"):
            if a.get(name) and not a[name].startswith("#"):
                self.external.append((tag, a[name]))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("visual-trace")
    with OfflineIRIS(workdir=tmp / "iris", warn_shared_modules=False) as rt:
        rt.load(["toy.msgs", "toy.fidelity", "toy.tour"], source_root=HERE)
        rt.start_production(xml=TOUR)
        rt.wait_for(lambda: [e for e in rt.event_log() if e["ConfigName"] == "Counter" and e["Type"] == 3])
        rt.send_sync("Sender", "sync fail")  # an error response and an alert (AlertOnError)
        rt.wait_for(lambda: [m for m in rt.messages() if m["TargetConfigName"] == "Ens.Alert"])
        rt.stop_production()
        page = rt.write_visual_trace(str(tmp / "trace.html"), title="Visual Trace test")
        sessions = sorted({m["SessionId"] for m in rt.messages()})
        expected = {}
        for session in sessions:
            items = [("message", m["Seq"], m) for m in rt.messages(session)]
            items += [("event", e["Seq"], e) for e in rt.event_log() if e["SessionId"] == session]
            expected[session] = [(kind, row) for kind, _, row in sorted(items, key=lambda t: t[1])]
    common = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ]
    dom = subprocess.run(
        common + ["--dump-dom", "file://" + page], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = tmp / "trace.png"
    run = subprocess.run(
        common + [f"--screenshot={shot}", "file://" + page], capture_output=True, timeout=120
    )
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    parser = _Rows()
    parser.feed(dom.stdout)
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    return {"parser": parser, "image": image, "expected": expected, "page": page}


def test_the_page_is_self_contained(rendered):
    assert rendered["parser"].external == []
    text = open(rendered["page"], encoding="utf-8").read()
    assert "default-src 'none'" in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")


def test_the_drawn_rows_are_the_trace_in_order(rendered):
    drawn = {}
    for row in rendered["parser"].rows:
        drawn.setdefault(int(row["svg"]["data-session"]), []).append(row)
    assert sorted(drawn) == sorted(rendered["expected"])
    for session, expected in rendered["expected"].items():
        rows = drawn[session]
        assert [int(r["data-index"]) for r in rows] == list(range(1, len(expected) + 1))
        for row, (kind, source) in zip(rows, expected):
            if kind == "message":
                assert row["data-kind"] == ("request" if source["Type"] == 1 else "response")
                assert (row["data-source"], row["data-target"]) == (
                    source["SourceConfigName"],
                    source["TargetConfigName"],
                )
                assert row["data-body-class"] == source["MessageBodyClassName"]
                assert int(row["data-header"]) == source["ID"]
                assert row["data-error"] == ("1" if source["IsError"] else "0")
            else:
                assert row["data-kind"] == "event"
                assert (row["data-source"], row["data-level"]) == (source["ConfigName"], source["TypeName"])
    levels = {r.get("data-level") for r in rendered["parser"].rows}
    assert {"Info", "Warning", "Error", "Alert"} <= levels  # the scenario shows every level


def test_the_screenshot_is_not_blank(rendered):
    image = rendered["image"]
    small = image.resize((image.width // 4, image.height // 4))
    colours = small.getcolors(maxcolors=1 << 20)
    background = max(colours)[1]
    drawn = sum(n for n, c in colours if sum(abs(a - b) for a, b in zip(c, background)) > 30)
    assert len(colours) > 50 and drawn > 0.05 * small.width * small.height


def _close(pixel, colour, tolerance=60):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def test_every_arrow_and_diamond_is_drawn_in_its_colour(rendered):
    image = rendered["image"]
    checked = 0
    for row in rendered["parser"].rows:
        svg = row["svg"]
        ox, oy = int(svg["data-page-x"]), int(svg["data-page-y"])
        if row["data-kind"] == "event":
            continue  # diamonds: below
        y = oy + float(row["data-y"])
        x = ox + (float(row["data-x1"]) + float(row["data-x2"])) / 2
        if y >= image.height:
            continue
        colour = (
            ERROR_COLOUR
            if row["data-error"] == "1"
            else (REQUEST_COLOUR if row["data-kind"] == "request" else RESPONSE_COLOUR)
        )
        assert _close(image.getpixel((int(x), int(y))), _hex(colour)), (row["data-index"], colour)
        checked += 1
    assert checked == len([r for r in rendered["parser"].rows if r["data-kind"] != "event"]) >= 7
    # a diamond's centre has its level's fill; an Info diamond (white) shows its dark outline
    lanes = {}
    for row in rendered["parser"].rows:
        if row["data-kind"] != "event":
            lanes[(row["svg"]["data-session"], row["data-source"])] = float(row["data-x1"])
            lanes[(row["svg"]["data-session"], row["data-target"])] = float(row["data-x2"])
    diamonds = 0
    for row in rendered["parser"].rows:
        if row["data-kind"] != "event" or (row["svg"]["data-session"], row["data-source"]) not in lanes:
            continue
        svg = row["svg"]
        index = int(row["data-index"])
        x = int(svg["data-page-x"]) + lanes[(svg["data-session"], row["data-source"])]
        y = int(svg["data-page-y"]) + 96 + (index - 1) * 62 + 31
        fill = LEVEL_FILL.get(row["data-level"])
        if fill is None or y >= image.height:
            continue
        assert _close(image.getpixel((int(x), int(y))), _hex(fill), 40), (index, row["data-level"])
        edge = image.getpixel((int(x - 5.5), int(y - 5.5)))
        assert sum(edge) < 600, (index, edge)  # the outline is drawn
        diamonds += 1
    assert diamonds >= 5
