"""Every row of docs/objectscript-grammar.md, run: the table is the interpreter's contract with IRIS.

Rows are read from the page itself (tables whose header is ``| id | form | answer | source |``), so adding a
row adds a test, and a row the interpreter does not follow fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, NamedTuple

import pytest
from sim_interp import new_session, run

PAGE = Path(__file__).resolve().parents[2] / "docs" / "objectscript-grammar.md"
_HEADER = "| id | form | answer | source |"
_CODE = re.compile(r"`(.*)`", re.S)


class Row(NamedTuple):
    id: str
    form: str
    answer: str
    source: str


def split_cells(line: str) -> List[str]:
    """Markdown table cells; ``\\|`` is a pipe inside a cell."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def code(cell: str) -> str:
    match = _CODE.fullmatch(cell)
    assert match is not None, f"not a code cell: {cell!r}"
    return match.group(1)


def rows() -> List[Row]:
    found, in_table = [], False
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.strip() == _HEADER:
            in_table = True
            continue
        if not in_table:
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        cells = split_cells(line)
        if set(cells[0]) <= {"-", " "}:
            continue
        row_id, form, answer, source = cells
        found.append(Row(row_id, code(form).replace("⇥", "\t"), code(answer), source))
    return found


ROWS = rows()


def test_the_page_has_every_section_s_rows():
    prefixes = {row.id.rstrip("0123456789") for row in ROWS}
    assert prefixes == {"W", "C", "O", "L", "J", "I", "N", "E"}
    assert len({row.id for row in ROWS}) == len(ROWS) >= 90
    assert all(row.source for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_row(row: Row):
    out = run(row.form, new_session())
    if re.fullmatch(r"<[A-Z ]+>", row.answer):
        last = out.rsplit("\r\n", 1)[-1]
        assert last.startswith(row.answer), (row.form, out)
        if row.answer == "<SYNTAX>":
            assert out.count("\r\n") >= 2 or out.startswith("\r\n<SYNTAX>")  # nothing of the line ran
    else:
        assert out == row.answer.replace("\\r\\n", "\r\n"), (row.form, out)


def test_a_refused_form_runs_nothing_before_its_syntax_error():
    """<SYNTAX> rows: the whole line is refused before it runs (an earlier SET on the line did not happen)."""
    session = new_session()
    for row in ROWS:
        if row.answer == "<SYNTAX>" and row.id.startswith("W"):
            run("kill", session)
            run("set marker=1 " + row.form, session)
            assert run("write $data(marker)", session) == "0", row
