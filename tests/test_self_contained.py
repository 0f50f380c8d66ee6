"""The repository explains itself: every citation points at a docs/ section that exists.

Code comments, docstrings, tests, ``load.sh`` and the README cite ``docs/<file>.md §N.M``. These tests fail
when a tracked file cites notes that are not in the repository, names a docs/ file that does not exist, cites
a section that the file does not have, or uses a bare ``§N`` with no docs/ file before it on the same line (a
reader could not tell which document it means). Inside ``docs/*.md`` a bare ``§N`` means the same file.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
THIS = Path(__file__).resolve()

#: Citations of notes that live outside the repository (assembled from parts, so this file does not match).
OUTSIDE = [
    "../" + "shared",
    "/work/" + "shared",
    "research" + " §",
    "pyprod" + ".md",
    "peers" + ".md",
    "lite-terminal-" + "protocol.md",
]
_OUTSIDE_RE = re.compile("|".join(re.escape(p) for p in OUTSIDE), re.IGNORECASE)

_DOC_REF = re.compile(r"(?<![\w/.-])docs/([A-Za-z0-9_.-]+\.md)")  # not a URL or another repo's path
#: Outside documents whose sections code may cite too (``RFC 6455 §5.2``); their sections are not checked.
_EXTERNAL_REF = re.compile(r"\bRFC\s?\d{3,5}\b")
_SECTION = re.compile(r"§\s?(\d+(?:\.\d+)*)")
_HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s")
_SKIP_SUFFIXES = {".png", ".jpg", ".gif", ".ico", ".pem", ".der", ".sqlite", ".db", ".whl", ".gz", ".zip"}


def tracked_files() -> List[Path]:
    """Files git tracks (what a clean clone has); a plain walk when this is not a git checkout."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode("utf-8", "surrogateescape")
        paths = [ROOT / name for name in out.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        paths = [
            p
            for p in ROOT.rglob("*")
            if p.is_file() and not any(part.startswith(".") or part.endswith(".egg-info") for part in p.parts)
        ]
    return [p for p in paths if p.is_file() and p.suffix not in _SKIP_SUFFIXES and p.resolve() != THIS]


def text_lines(path: Path) -> Iterator[Tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return
    yield from enumerate(text.splitlines(), start=1)


def doc_sections() -> Dict[str, Set[str]]:
    """``{"protocol.md": {"1", "3.1", ...}}`` from the numbered headings of every docs/*.md."""
    sections: Dict[str, Set[str]] = {}
    for doc in sorted(DOCS.glob("*.md")):
        numbers = set()
        for _, line in text_lines(doc):
            m = _HEADING.match(line)
            if m:
                numbers.add(m.group(1))
        sections[doc.name] = numbers
    return sections


def citation_problems(
    path: Path, lines: Iterator[Tuple[int, str]], sections: Dict[str, Set[str]]
) -> List[str]:
    """Every ``§N`` must follow a docs/ file named earlier on its line (or be inside that docs file)."""
    rel = path.relative_to(ROOT).as_posix() if path.is_absolute() else str(path)
    own_doc = path.name if rel.startswith("docs/") and path.suffix == ".md" else None
    problems = []
    for number, line in lines:
        refs = [(m.start(), m.group(1)) for m in _DOC_REF.finditer(line)]
        for _, name in refs:
            if name not in sections:
                problems.append(f"{rel}:{number}: cites docs/{name}, which does not exist")
        refs += [(m.start(), "") for m in _EXTERNAL_REF.finditer(line)]
        refs.sort()
        for m in _SECTION.finditer(line):
            before = [name for start, name in refs if start < m.start()]
            doc = before[-1] if before else own_doc
            if doc == "":
                continue  # a section of an outside document (an RFC): not ours to check
            if doc is None:
                problems.append(f"{rel}:{number}: bare §{m.group(1)}: name the docs/ file on the same line")
            elif doc in sections and m.group(1) not in sections[doc]:
                problems.append(f"{rel}:{number}: docs/{doc} has no section §{m.group(1)}")
    return problems


def test_docs_exist_with_numbered_sections():
    sections = doc_sections()
    for name in ("protocol.md", "pyprod-runtime.md", "simulator.md", "offline-runtime.md", "settings.md"):
        assert name in sections, f"docs/{name} is missing"
        assert sections[name], f"docs/{name} has no numbered sections to cite"


def test_each_section_number_is_used_once_per_doc():
    twice = []
    for doc in sorted(DOCS.glob("*.md")):
        seen: Set[str] = set()
        for number, line in text_lines(doc):
            m = _HEADING.match(line)
            if m and m.group(1) in seen:
                twice.append(f"docs/{doc.name}:{number}: §{m.group(1)} is already a heading above")
            elif m:
                seen.add(m.group(1))
    assert not twice, "a citation could mean either heading:\n" + "\n".join(twice)


def test_no_file_cites_notes_outside_the_repository():
    hits = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()[:120]}"
        for path in tracked_files()
        for number, line in text_lines(path)
        if _OUTSIDE_RE.search(line)
    ]
    assert not hits, "cite docs/ instead of notes outside the repository:\n" + "\n".join(hits)


def test_every_docs_citation_names_an_existing_file_and_section():
    sections = doc_sections()
    problems = [p for path in tracked_files() for p in citation_problems(path, text_lines(path), sections)]
    assert not problems, "broken docs/ citations:\n" + "\n".join(problems)


def table_switches(doc: str, *numbers: str) -> Set[str]:
    """Backquoted names in the first column of the tables of a doc (only under the given top-level sections,
    when some are given); an empty set when the doc does not exist."""
    names: Set[str] = set()
    current = None
    if not (DOCS / doc).exists():
        return names
    for _, line in text_lines(DOCS / doc):
        heading = re.match(r"^##\s+(\d+)\.?\s", line)
        if heading:
            current = heading.group(1)
        elif (not numbers or current in numbers) and line.startswith("| `"):
            names.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", line.split("|")[1]))
    return names


def test_every_simulator_switch_has_a_documented_source():
    from simulator.config import SimulatorConfig

    documented = table_switches("simulator.md", "5", "6") | table_switches("simulator-objectscript.md")
    missing = sorted(f.name for f in dataclasses.fields(SimulatorConfig) if f.name not in documented)
    assert not missing, (
        "SimulatorConfig switches without a row (switch, default, effect, source) in docs/simulator.md "
        "§5 or §6 (or a table of docs/simulator-objectscript.md): " + ", ".join(missing)
    )


def test_every_offline_runtime_switch_has_a_documented_reason():
    from offline_iris.options import Options

    documented = table_switches("offline-runtime.md", "11")
    missing = sorted(f.name for f in dataclasses.fields(Options) if f.name not in documented)
    assert not missing, (
        "Options switches without a row in docs/offline-runtime.md §11: " + ", ".join(missing)
    )


def switch_rows(doc: str, *numbers: str) -> Dict[str, str]:
    """``{switch: default cell}`` from the tables whose second column is headed "default" (rows naming one
    switch only), under the given top-level sections of a doc (all when none are given)."""
    rows: Dict[str, str] = {}
    current, has_default = None, False
    if not (DOCS / doc).exists():
        return rows
    for _, line in text_lines(DOCS / doc):
        heading = re.match(r"^##\s+(\d+)\.?\s", line)
        if heading:
            current = heading.group(1)
            continue
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 3 and not line.startswith("| `") and "---" not in line:
            has_default = cells[2].strip().lower() == "default"  # a header row
        elif has_default and (not numbers or current in numbers) and line.startswith("| `"):
            names = re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[1])
            if len(names) == 1:
                rows[names[0]] = cells[2]
    return rows


def default_is_stated(default: object, cell: str) -> bool:
    """Whether a table's default cell says ``default`` (on/off for booleans, the value otherwise)."""
    text = cell.lower().replace("`", "").replace('"', "").replace("'", "")
    words = set(re.findall(r"[a-z0-9_.%-]+", text))
    if isinstance(default, bool):
        return bool(words & ({"on", "true", "yes"} if default else {"off", "false", "no"}))
    if default is None:
        return bool(words & {"none", "off", "unset", "no", "null"}) or text.strip() in ("", "-")
    if isinstance(default, (int, float)):
        number = float(default)
        return repr(default) in words or (number.is_integer() and str(int(number)) in words)
    if isinstance(default, str):
        return default.lower() in text if default else ("empty" in text or '""' in cell or text.strip() == "")
    return True  # tuples, dicts: not checked


def test_documented_switch_defaults_match_the_code():
    from offline_iris.options import Options
    from simulator.config import SimulatorConfig

    stale = []
    for cls, tables in (
        (SimulatorConfig, [("simulator.md", "5", "6"), ("simulator-objectscript.md",)]),
        (Options, [("offline-runtime.md", "11")]),
    ):
        rows: Dict[str, str] = {}
        for doc, *numbers in tables:
            rows.update(switch_rows(doc, *numbers))
        for f in dataclasses.fields(cls):
            if f.name in rows and f.default is not dataclasses.MISSING:
                if not default_is_stated(f.default, rows[f.name]):
                    said = rows[f.name].strip()
                    stale.append(f"{cls.__name__}.{f.name} = {f.default!r}, the docs say {said!r}")
    assert not stale, "switch defaults in docs/ that no longer match the code:\n" + "\n".join(stale)


README = ROOT / "README.md"
#: The README is the front door; the manual lives in docs/ (issue 15). A few lines of slack over ~300.
README_MAX_LINES = 320
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_README_CITE = re.compile(r'\bREADME(?:\.md)?\s+"([^"]+)"')


def heading_anchors(path: Path) -> Set[str]:
    """GitHub's anchors for a markdown file's headings (``## 3. Statuses`` -> ``3-statuses``)."""
    anchors = set()
    in_code = False
    for _, line in text_lines(path):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"^#{1,6}\s", line):
            text = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


def link_problems(page: Path) -> List[str]:
    """Relative links of a markdown page that name no file, or a heading the file does not have."""
    problems = []
    for number, line in text_lines(page):
        for m in _LINK.finditer(line):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            name, _, anchor = target.partition("#")
            dest = (page.parent / name).resolve() if name else page
            where = f"{page.relative_to(ROOT).as_posix()}:{number}: {target}"
            if not dest.exists():
                problems.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in heading_anchors(dest):
                problems.append(f"{where}: {dest.name} has no heading #{anchor}")
    return problems


def test_readme_is_a_front_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): move the manual into a docs/ guide"
    )


def test_every_link_from_the_readme_and_the_docs_resolves():
    pages = [README] + sorted(DOCS.glob("*.md"))
    readme_links = [m.group(1) for _, line in text_lines(README) for m in _LINK.finditer(line)]
    assert any(link.startswith("docs/") for link in readme_links), "the README links to no docs/ guide"
    problems = [p for page in pages for p in link_problems(page)]
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_docs_index_lists_every_page():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    pages = [doc.name for doc in sorted(DOCS.glob("*.md")) if doc.name != "README.md"]
    missing = [name for name in pages if f"]({name})" not in index]
    assert not missing, "docs/README.md does not list: " + ", ".join(missing)


def test_readme_citations_name_a_readme_heading():
    """``README "Statuses"`` in a comment must still name a README heading; the manual moved to docs/."""
    headings = {
        line.lstrip("#").strip() for _, line in text_lines(README) if re.match(r"^#{1,6}\s", line)
    }
    stale = []
    for path in tracked_files() + [THIS]:
        try:
            text = " ".join(path.read_text(encoding="utf-8").split())
        except (UnicodeDecodeError, OSError):
            continue
        for m in _README_CITE.finditer(text):
            if m.group(1) not in headings and path != THIS:
                stale.append(f"{path.relative_to(ROOT).as_posix()}: README \"{m.group(1)}\"")
    assert not stale, "cite the docs/ guide section instead:\n" + "\n".join(stale)


_TEST_PATH = re.compile(r"(?<![\w/.-])tests/([\w-]+)(/[\w./-]*?)?\.py\b")


def test_every_cited_test_file_exists():
    """A comment, doc or guide that names ``tests/<folder>/<file>.py`` names a file that is there: tests move
    (issue 15 gave each module's tests one folder), citations must follow. Paths under a folder this suite
    does not have (another repository's ``tests/helpers/...``) are not ours to check."""
    ours = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir()}
    stale = []
    for path in tracked_files() + [README]:
        for number, line in text_lines(path):
            for m in _TEST_PATH.finditer(line):
                cited = m.group(0)
                folder_cited = m.group(2) is not None
                if folder_cited and m.group(1) not in ours:
                    continue
                if not (ROOT / cited).exists():
                    stale.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {cited}")
    assert not stale, "cited test files that do not exist:\n" + "\n".join(sorted(set(stale)))


# --- the checker itself -------------------------------------------------------------------------------------

_FAKE_SECTIONS = {"protocol.md": {"4", "4.5", "12"}, "settings.md": {"3"}}


@pytest.mark.parametrize(
    "line",
    [
        "# idle close (docs/protocol.md §4.5, §12)",
        "# TCP adapters (docs/settings.md §3) and the socket (docs/protocol.md §4)",
        "x = 1  # no citation at all",
        "# a masked client frame (RFC 6455 §5.1, §5.3), then docs/protocol.md §4.5",
        "# another project's page: https://github.com/o/r/blob/main/docs/guide.md",
    ],
)
def test_checker_accepts_good_citations(line):
    assert citation_problems(Path("adapters/x.py"), iter([(1, line)]), _FAKE_SECTIONS) == []


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("# idle close (§4.5)", "bare §4.5"),
        ("# see docs/protocol.md §9", "no section §9"),
        ("# see docs/nothing.md", "docs/nothing.md, which does not exist"),
        ("# docs/settings.md §3 and §4.5", "docs/settings.md has no section §4.5"),
        ("# RFC 6455 §5.1 and docs/settings.md §9", "docs/settings.md has no section §9"),
    ],
)
def test_checker_reports_bad_citations(line, complaint):
    problems = citation_problems(Path("adapters/x.py"), iter([(7, line)]), _FAKE_SECTIONS)
    assert len(problems) == 1 and complaint in problems[0] and problems[0].startswith("adapters/x.py:7:")


def test_checker_reads_bare_sections_inside_a_doc_as_that_doc():
    inside = citation_problems(Path("docs/protocol.md"), iter([(3, "as §4.5 says; not §7")]), _FAKE_SECTIONS)
    assert inside == ["docs/protocol.md:3: docs/protocol.md has no section §7"]


@pytest.mark.parametrize(
    ("default", "cell", "stated"),
    [
        (True, " on ", True), (False, " on ", False), (None, " none ", True), (30.0, " 30 s ", True),
        (8, " 8 ", True), (5, " 8 ", False), ("on_error", " `on_response` ", False),
        ("ignore", " `ignore` ", True),
    ],
)
def test_checker_reads_default_cells(default, cell, stated):
    assert default_is_stated(default, cell) is stated


def test_outside_patterns_match_what_they_must():
    cited = ("see research §6.1", "pyprod" + ".md §1.4", "/work/" + "shared/research/x", "peers" + ".md §2")
    for text in cited:
        assert _OUTSIDE_RE.search(text), text
    assert not _OUTSIDE_RE.search("docs/pyprod-runtime.md §1.4")
