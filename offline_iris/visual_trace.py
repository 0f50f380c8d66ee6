"""The Visual Trace as a picture: one self-contained HTML file with an inline SVG per session
(docs/offline-runtime.md §23).

It draws a session the way IRIS's Visual Trace does (pyprod's QuickStart and HelloWorld screenshots taken on
IRIS show it): three columns, Services / Processes / Operations, one lane per config item, numbered rows in
time order; a request is a blue arrow and a response a green one from the sender's lane to the receiver's,
with the time above and the body class below; an Event Log entry is a diamond on its item's lane, filled by
level (Info white, Warning orange, Error red, Alert purple, others grey); an error message is drawn red.
Hovering shows a summary (SVG ``<title>``); clicking a row shows its header, body and Event Log text in the
panel beside the picture. No network: no external script, style, font or image.

Every drawn row carries ``data-*`` attributes (kind, number, source, target, body class, header id), so a test
can compare what a browser drew with the store it was drawn from.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .store import LOG_TYPES, STATUS, Store

COLUMNS = (
    ("BusinessService", "Services"),
    ("BusinessProcess", "Processes"),
    ("BusinessOperation", "Operations"),
)
LEVEL_FILL = {"Info": "#ffffff", "Warning": "#f5a623", "Error": "#e5534b", "Alert": "#8e44ad"}
OTHER_FILL = "#bbbbbb"
REQUEST_COLOUR = "#2f3fd6"
RESPONSE_COLOUR = "#3f8f3f"
ERROR_COLOUR = "#c0392b"
LANE_WIDTH = 190
ROW_HEIGHT = 62
TOP = 96
LEFT = 30
MAX_BODY_CHARS = (
    20000  # a body shown in the panel is cut here (with a marker), so one huge body cannot bloat the file
)


@dataclass
class Row:
    kind: str  # "request" | "response" | "event"
    time: str
    lane: str
    target_lane: str = ""
    label: str = ""
    level: str = ""
    error: bool = False
    detail: Dict[str, Any] = field(default_factory=dict)
    header_id: int = 0


@dataclass
class Lanes:
    order: List[Tuple[str, str]]  # (column kind, item name)

    def x(self, name: str) -> float:
        for i, (_, n) in enumerate(self.order):
            if n == name:
                return LEFT + i * LANE_WIDTH + LANE_WIDTH / 2
        raise KeyError(name)

    @property
    def width(self) -> int:
        return LEFT * 2 + max(1, len(self.order)) * LANE_WIDTH


def _kind_of(name: str, headers: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]) -> str:
    if name in kinds:
        return kinds[name]
    for h in headers:
        if h["SourceConfigName"] == name and h.get("SourceBusinessType"):
            return str(h["SourceBusinessType"])
        if h["TargetConfigName"] == name and h.get("TargetBusinessType"):
            return str(h["TargetBusinessType"])
    return "BusinessService"  # a sender outside the production (a test harness, a director call)


def _column(kind: str) -> str:
    return kind if kind in dict(COLUMNS) else "BusinessService"


def _lanes(
    headers: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]
) -> Lanes:
    seen: List[str] = []
    for h in headers:
        for name in (h["SourceConfigName"], h["TargetConfigName"]):
            if name and name not in seen:
                seen.append(name)
    for e in events:
        if e["ConfigName"] and e["ConfigName"] not in seen:
            seen.append(e["ConfigName"])
    rank = {kind: i for i, (kind, _) in enumerate(COLUMNS)}
    placed = sorted(
        ((_column(_kind_of(n, headers, kinds)), n) for n in seen),
        key=lambda kn: (rank[kn[0]], seen.index(kn[1])),
    )
    return Lanes(placed)


def _body_text(store: Store, h: Mapping[str, Any]) -> str:
    b = store.body(h["MessageBodyClassName"], h["MessageBodyId"])
    if b is None:
        return "(no body stored)"
    data = b.get("SerializedStream") or ""
    if b.get("StreamIsBinary"):
        return f"<binary body, {len(data) // 2} bytes>"
    if data:
        try:
            data = json.dumps(json.loads(data), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    else:
        data = json.dumps(b.get("Columns") or {}, indent=2, ensure_ascii=False, default=str)
    if len(data) > MAX_BODY_CHARS:
        data = data[:MAX_BODY_CHARS] + f"\n[... {len(data) - MAX_BODY_CHARS} more characters not shown]"
    return data


def session_rows(store: Store, session: int, kinds: Mapping[str, str]) -> Tuple[Lanes, List[Row]]:
    """The rows of one session in the order they were written (messages and Event Log entries interleaved)."""
    headers = store.headers(session)
    events = [e for e in store.log_entries() if e["SessionId"] == session]
    lanes = _lanes(headers, events, kinds)
    rows: List[Tuple[int, Row]] = []
    for h in headers:
        is_request = h["Type"] == 1
        detail = {
            "Header": h["ID"],
            "Type": "Request" if is_request else "Response",
            "Time created": h["TimeCreated"],
            "Time processed": h["TimeProcessed"] or "",
            "Source": h["SourceConfigName"],
            "Target": h["TargetConfigName"],
            "Body class": h["MessageBodyClassName"],
            "Body id": h["MessageBodyId"],
            "Status": STATUS.get(h["Status"], str(h["Status"])),
            "Error": h["ErrorStatus"] or "",
            "Description": h["Description"] or "",
            "Body": _body_text(store, h),
        }
        row = Row(
            kind="request" if is_request else "response",
            time=h["TimeCreated"],
            lane=h["SourceConfigName"],
            target_lane=h["TargetConfigName"],
            label=str(h["MessageBodyClassName"]).rsplit(".", 1)[-1],
            error=bool(h["IsError"]),
            detail=detail,
            header_id=int(h["ID"]),
        )
        rows.append((h["Seq"] or 0, row))
    for e in events:
        level = LOG_TYPES.get(e["Type"], str(e["Type"]))
        detail = {
            "Event": e["ID"],
            "Level": level,
            "Time logged": e["TimeLogged"],
            "Config item": e["ConfigName"],
            "Source": f"{e['SourceClass']}:{e['SourceMethod']}",
            "Job": e["Job"],
            "Text": e["Text"],
        }
        rows.append(
            (e["Seq"] or 0, Row("event", e["TimeLogged"], e["ConfigName"], level=level, detail=detail))
        )
    rows.sort(key=lambda r: r[0])  # the order things happened in, across messages and Event Log entries
    return lanes, [r[1] for r in rows]


def _svg(session: int, lanes: Lanes, rows: List[Row]) -> str:
    height = TOP + len(rows) * ROW_HEIGHT + 40
    out: List[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trace" data-session="{session}" '
        f'width="{lanes.width}" height="{height}" viewBox="0 0 {lanes.width} {height}">',
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="4" markerHeight="4" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
    ]
    # column headers and backgrounds
    for kind, title in COLUMNS:
        members = [i for i, (k, _) in enumerate(lanes.order) if k == kind]
        if not members:
            continue
        x0 = LEFT + members[0] * LANE_WIDTH
        w = len(members) * LANE_WIDTH
        shade = "#ececec" if kind == "BusinessProcess" else "#ffffff"
        out.append(
            f'<rect class="column" x="{x0}" y="0" width="{w}" height="{height}" '
            f'fill="{shade}" stroke="#444"/>'
        )
        out.append(
            f'<text class="column-title" x="{x0 + 8}" y="24" font-size="17" font-weight="bold">{title}</text>'
        )
    for _, name in lanes.order:
        x = lanes.x(name)
        out.append(
            f'<g class="lane" data-item="{html.escape(name, quote=True)}">'
            f'<rect x="{x - LANE_WIDTH / 2 + 4}" y="34" width="{LANE_WIDTH - 8}" height="40" rx="6" '
            'fill="#d6d6fb" stroke="#55c"/>'
            f'<text x="{x}" y="58" text-anchor="middle" font-size="12" font-weight="bold">'
            f"{html.escape(name)}</text>"
            f'<rect x="{x - 7}" y="74" width="14" height="{height - 74}" fill="#d6d6fb" opacity="0.7"/></g>'
        )
    for n, row in enumerate(rows, start=1):
        y = TOP + (n - 1) * ROW_HEIGHT + ROW_HEIGHT / 2
        title = html.escape(_summary(n, row))
        data = f'data-index="{n}" data-kind="{row.kind}" data-source="{html.escape(row.lane, quote=True)}"'
        if row.kind == "event":
            x = lanes.x(row.lane) if row.lane else LEFT
            fill = LEVEL_FILL.get(row.level, OTHER_FILL)
            out.append(
                f'<g class="row event" {data} data-level="{row.level}" tabindex="0">'
                f"<title>{title}</title>"
                f'<text x="{x - 22}" y="{y + 5}" text-anchor="end" font-size="13">[{n}]</text>'
                f'<polygon points="{x},{y - 11} {x + 11},{y} {x},{y + 11} {x - 11},{y}" fill="{fill}" '
                'stroke="#333" stroke-width="1.5"/></g>'
            )
            continue
        x1, x2 = lanes.x(row.lane), lanes.x(row.target_lane)
        colour = ERROR_COLOUR if row.error else (REQUEST_COLOUR if row.kind == "request" else RESPONSE_COLOUR)
        left, right = min(x1, x2), max(x1, x2)
        label_x = (x1 + x2) / 2
        out.append(
            f'<g class="row message" {data} data-target="{html.escape(row.target_lane, quote=True)}" '
            f'data-header="{row.header_id}" '
            f'data-body-class="{html.escape(row.detail["Body class"], quote=True)}" '
            f'data-error="{1 if row.error else 0}" data-x1="{x1}" data-x2="{x2}" data-y="{y}" tabindex="0">'
            f"<title>{title}</title>"
            f'<rect x="{left - 20}" y="{y - 24}" width="{right - left + 40}" height="44" rx="5" fill="#fff" '
            f'fill-opacity="0.85" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{left - 26}" y="{y + 5}" text-anchor="end" font-size="13">[{n}]</text>'
            f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}" stroke-width="4" '
            'marker-end="url(#head)"/>'
            f'<circle cx="{x1}" cy="{y}" r="7" fill="#b8d4ee" stroke="#236"/>'
            f'<text x="{label_x}" y="{y - 8}" text-anchor="middle" font-size="11">'
            f"{html.escape(row.time)}</text>"
            f'<text x="{label_x}" y="{y + 16}" text-anchor="middle" font-size="11">'
            f"{html.escape(row.label)}</text>"
            "</g>"
        )
    out.append("</svg>")
    return "".join(out)


def _summary(n: int, row: Row) -> str:
    if row.kind == "event":
        return f"[{n}] {row.level} {row.time} {row.lane}: {row.detail['Text']}"
    status = row.detail["Status"] + (f" — {row.detail['Error']}" if row.detail["Error"] else "")
    return f"[{n}] {row.detail['Type']} {row.lane} → {row.target_lane}: {row.detail['Body class']} ({status})"


_STYLE = """
body { font-family: Verdana, Arial, sans-serif; margin: 0; background: #fafafa; }
header { padding: 10px 16px; border-bottom: 1px solid #ccc; background: #fff; }
h1 { font-size: 18px; margin: 0; } h2 { font-size: 15px; margin: 18px 16px 6px; }
.layout { display: flex; align-items: flex-start; }
.pictures { flex: 0 0 auto; padding: 0 8px 16px; }
#panel { position: sticky; top: 0; flex: 1 1 320px; min-width: 280px; max-height: 100vh; overflow: auto;
  background: #fff; border-left: 1px solid #ccc; padding: 10px 14px; font-size: 12px; }
#panel pre { white-space: pre-wrap; word-break: break-word; background: #f4f4f4; padding: 6px; }
#panel table { border-collapse: collapse; } #panel td { padding: 2px 6px; vertical-align: top; }
.row { cursor: pointer; } .row.selected rect, .row.selected polygon { stroke-width: 3.5; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.swatch { display: inline-block; width: 11px; height: 11px; border: 1px solid #333; transform: rotate(45deg);
  margin-right: 6px; }
"""

_SCRIPT = """
(function () {
  var details = JSON.parse(document.getElementById('trace-details').textContent);
  var panel = document.getElementById('panel');
  function esc(s) { var d = document.createElement('div'); d.textContent = String(s); return d.innerHTML; }
  function show(g) {
    document.querySelectorAll('.row.selected').forEach(function (r) { r.classList.remove('selected'); });
    g.classList.add('selected');
    var d = details[g.closest('svg').dataset.session][g.dataset.index - 1];
    var html = '<h3>[' + g.dataset.index + '] ' + esc(d.Type || d.Level) + '</h3><table>';
    Object.keys(d).forEach(function (k) {
      if (k === 'Body' || k === 'Text') return;
      html += '<tr><td><b>' + esc(k) + '</b></td><td>' + esc(d[k]) + '</td></tr>';
    });
    html += '</table>';
    if (d.Body !== undefined) html += '<h4>Body</h4><pre>' + esc(d.Body) + '</pre>';
    if (d.Text !== undefined) html += '<h4>Event Log text</h4><pre>' + esc(d.Text) + '</pre>';
    panel.innerHTML = html;
  }
  // where each picture sits on the page (lets a test match screenshot pixels to drawn rows)
  document.querySelectorAll('svg.trace').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    svg.setAttribute('data-page-x', Math.round(box.left + window.scrollX));
    svg.setAttribute('data-page-y', Math.round(box.top + window.scrollY));
  });
  document.querySelectorAll('.row').forEach(function (g) {
    g.addEventListener('click', function () { show(g); });
    g.addEventListener('keydown', function (e) { if (e.key === 'Enter') show(g); });
  });
  // a link to one row: page.html#select=<session>:<row>
  var wanted = /^#select=(\\d+):(\\d+)$/.exec(window.location.hash);
  if (wanted) {
    var row = document.querySelector('svg.trace[data-session="' + wanted[1] + '"] .row[data-index="' +
                                      wanted[2] + '"]');
    if (row) show(row);
  }
  document.body.setAttribute('data-script', 'ran');
})();
"""


#: Characters a JSON text may hold that end or disguise a ``<script>`` block (``</script>``, ``<!--`` with
#: ``<script``, which puts the parser in the double-escaped state, ``]]>``), or that older JavaScript reads as
#: line ends: written as ``\\uXXXX`` escapes, which JSON.parse turns back into the same text.
_EMBED_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_EMBED = re.compile("[<>&\u2028\u2029]")


def embed_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element, whatever its strings hold.

    Outside strings JSON has none of these characters, so escaping them changes no value
    (docs/security.md §14)."""
    return _EMBED.sub(lambda m: _EMBED_ESCAPES[m.group(0)], json.dumps(value, ensure_ascii=False))


def render_html(
    store: Store,
    sessions: Optional[Sequence[int]] = None,
    kinds: Optional[Mapping[str, str]] = None,
    title: str = "",
) -> str:
    """The HTML page for ``sessions`` (default: every session in the store, oldest first)."""
    kinds = dict(kinds or {})
    if sessions is None:
        sessions = sorted({int(h["SessionId"]) for h in store.headers() if h["SessionId"] is not None})
    parts: List[str] = []
    details: Dict[str, List[Dict[str, Any]]] = {}
    for session in sessions:
        lanes, rows = session_rows(store, session, kinds)
        details[str(session)] = [row.detail for row in rows]
        parts.append(f'<h2>Session {session}</h2><div class="picture">{_svg(session, lanes, rows)}</div>')
    if not parts:
        parts.append("<p>(no messages)</p>")
    legend = "".join(
        f'<span><i class="swatch" style="background:{fill}"></i>{level}</span>'
        for level, fill in LEVEL_FILL.items()
    )
    payload = embed_json(details)
    heading = html.escape(title or "Visual Trace")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{heading}</title><style>{_STYLE}</style></head><body>"
        f'<header><h1>{heading}</h1><div class="legend">Events: {legend}'
        f'<span style="color:{REQUEST_COLOUR}">&#8594; request</span>'
        f'<span style="color:{RESPONSE_COLOUR}">&#8594; response</span>'
        f'<span style="color:{ERROR_COLOUR}">&#8594; error</span></div></header>'
        f'<div class="layout"><div class="pictures">{"".join(parts)}</div>'
        '<aside id="panel"><p>Click an arrow or a diamond to see its header, body and Event Log text.</p>'
        "</aside></div>"
        f'<script type="application/json" id="trace-details">{payload}</script>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
