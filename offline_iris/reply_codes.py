"""ReplyCodeActions: which action letters apply to a failed operation call (docs/settings.md §4)."""

from __future__ import annotations

from typing import Any, List, Tuple

from . import status as st


def parse_reply_code_actions(text: str) -> List[Tuple[str, str]]:
    """``E=F,E*timeout=R,E#5001=W`` → [(code, actions)] (docs/settings.md §4)."""
    out = []
    for part in str(text or "").split(","):
        if "=" in part:
            code, _, act = part.strip().partition("=")
            out.append((code.strip(), act.strip().upper()))
    return out


def match_reply_code(rules: List[Tuple[str, str]], status: Any) -> str:
    """The actions of the first rule that matches the error status (``""`` when none does)."""
    text = st.error_text(status)
    code = getattr(status, "code", None)
    for c, act in rules:
        if c == "E":
            return act
        if c.startswith("E#") and code is not None and c[2:].strip() == str(code):
            return act
        if c.startswith("E*") and c[2:] and c[2:] in text:
            return act
    return ""
