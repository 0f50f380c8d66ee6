"""The Visual Trace page stays alive and shows hostile text as text (issue 21, item 5; docs/security.md §14).

``write "<!--<script>"`` put ``<!--<script>`` into the page's JSON data block, where the HTML parser reads it
as the start of a nested script, so the page's own script never ran. The page is built here from a
production run whose command text and output are hostile (comment and script openers, closing tags, an
``<img onerror>``, ``]]>``, U+2028/U+2029 in the output), then opened in headless Chromium: its script must
run (it marks the body) and, with a row selected through the page's ``#select=`` link, the panel must show
the text as text (no element made from it). Needs Debian's ``chromium``; skipped without it unless
LITE_TERMINAL_REQUIRE_CHROMIUM=1.
"""

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from security_helpers import call

from offline_iris.visual_trace import embed_json

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)

HOSTILE = ['<!--<script>', '</script><img src=x onerror="document.title=1">', "]]>", "<b>&amp;</b>"]
COMMANDS = ["write " + '"' + text.replace('"', '""') + '"' for text in HOSTILE]
COMMANDS.append('write "a",$c(8232),"b",$c(8233),"<!--"')


@pytest.mark.parametrize("value", HOSTILE + ["\u2028\u2029", "<\u2028/script>", "&lt;"])
def test_embedded_json_holds_no_markup_character_and_reads_back_the_same(value):
    text = embed_json({"Body": value, "list": [value]})
    assert not set(text) & set("<>&\u2028\u2029")
    assert json.loads(text) == {"Body": value, "list": [value]}


class _Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.body, self.panel_tags, self.panel_text = {}, [], []
        self._in_panel = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if self._in_panel:
            self.panel_tags.append(tag)
            self._in_panel += 1
        elif a.get("id") == "panel":
            self._in_panel = 1

    def handle_endtag(self, tag):
        if self._in_panel:
            self._in_panel -= 1

    def handle_data(self, data):
        if self._in_panel:
            self.panel_text.append(data)


def _dump(page, fragment, tmp):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp / 'profile'}",
               "--dump-dom", "file://" + page + fragment]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Dom()
    dom.feed(done.stdout)
    return dom, done.stdout


@pytest.fixture
def page(rt, sim, start, tmp_path):
    if CHROMIUM is None:
        if os.environ.get("LITE_TERMINAL_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required (LITE_TERMINAL_REQUIRE_CHROMIUM=1) but not installed")
        pytest.skip("chromium not installed (.ci/run installs Debian's chromium)")
    start(sim)
    outputs = [call(rt, command)[1].Output for command in COMMANDS]
    assert outputs[:len(HOSTILE)] == HOSTILE  # the hostile text really is in the trace
    return rt.write_visual_trace(str(tmp_path / "trace.html"), title="<!--<script> title"), rt


def _rows(rt, session):
    return len(rt.messages(session)) + sum(1 for e in rt.event_log() if e["SessionId"] == session)


def test_the_page_script_runs_and_shows_hostile_text_as_text(page, tmp_path):
    path, rt = page
    sessions = sorted({m["SessionId"] for m in rt.messages()})
    shown = []
    for session in sessions:  # row 1: the service's request, whose body holds the command
        dom, raw = _dump(path, f"#select={session}:1", tmp_path)
        assert dom.body.get("data-script") == "ran", raw[-3000:]
        assert set(dom.panel_tags) <= {"h3", "h4", "table", "tbody", "tr", "td", "b", "pre"}, dom.panel_tags
        shown.append("".join(dom.panel_text))
    for command in COMMANDS:
        as_json = json.dumps(command, ensure_ascii=False)[1:-1]
        assert any(as_json in panel for panel in shown), (command, shown)


def test_output_with_line_separators_is_shown_as_text_in_every_row(page, tmp_path):
    path, rt = page
    last = max(m["SessionId"] for m in rt.messages())
    shown = []
    for index in range(1, _rows(rt, last) + 1):
        dom, raw = _dump(path, f"#select={last}:{index}", tmp_path)
        assert dom.body.get("data-script") == "ran", raw[-3000:]
        assert "img" not in dom.panel_tags and "script" not in dom.panel_tags
        shown.append("".join(dom.panel_text))
    assert any("a\u2028b\u2029<!--" in panel for panel in shown), shown
