"""Production definitions: the ``<Production>`` XML (docs/pyprod-runtime.md §1.5) from a pyprod-generated
``Ens.Production`` class, or given as text, plus per-run overrides."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

Override = Dict[Tuple[str, str, str], str]  # (ItemName, "Host"|"Adapter", SettingName) → value


@dataclass
class ItemDef:
    name: str
    class_name: str
    pool_size: int = 1
    enabled: bool = True
    category: str = ""
    comment: str = ""
    settings: List[Tuple[str, str, str]] = field(default_factory=list)  # (Target, Name, value)


@dataclass
class ProductionDef:
    name: str
    items: List[ItemDef] = field(default_factory=list)
    settings: Dict[str, str] = field(default_factory=dict)
    actor_pool_size: int = 2
    testing_enabled: bool = False
    description: str = ""

    def item(self, name: str) -> Optional[ItemDef]:
        for it in self.items:
            if it.name == name:
                return it
        return None


def _bool(v: Optional[str], default: bool) -> bool:
    if v is None:
        return default
    return v.strip().lower() in ("1", "true")


def parse_production_xml(text: str) -> ProductionDef:
    """Parse ``<Production Name=...><Item ...><Setting Target Name>v</Setting></Item></Production>``.

    pyprod 0.2.0 does no XML escaping (docs/pyprod-runtime.md §1.5), so ``&``/``<`` in a value make this fail,
    as the XData would fail to compile in IRIS.
    """
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError as e:
        raise ValueError(
            "production XML does not parse (pyprod 0.2.0 does not escape XML, "
            f"docs/pyprod-runtime.md §1.5): {e}"
        ) from e
    if root.tag != "Production":
        raise ValueError(f"expected <Production>, got <{root.tag}>")
    prod = ProductionDef(name=root.get("Name", ""), testing_enabled=_bool(root.get("TestingEnabled"), False))
    prod.description = (root.findtext("Description") or "").strip()
    aps = root.findtext("ActorPoolSize")
    if aps and aps.strip().isdigit():
        prod.actor_pool_size = int(aps)
    for s in root.findall("Setting"):
        prod.settings[s.get("Name", "")] = s.text or ""
    for it in root.findall("Item"):
        item = ItemDef(
            name=it.get("Name", ""),
            class_name=it.get("ClassName", ""),
            pool_size=int(it.get("PoolSize") or 1),
            enabled=_bool(it.get("Enabled"), True),
            category=it.get("Category", ""),
            comment=it.get("Comment", ""),
        )
        for s in it.findall("Setting"):
            item.settings.append((s.get("Target", "Host"), s.get("Name", ""), s.text or ""))
        prod.items.append(item)
    return prod


def apply_overrides(prod: ProductionDef, overrides: Optional[Override]) -> ProductionDef:
    """Per-run overrides replace (or add) ``(item, target, name)`` settings."""
    for (item_name, target, name), value in (overrides or {}).items():
        item = prod.item(item_name)
        if item is None:
            raise KeyError(f"override for unknown item {item_name!r}")
        item.settings = [s for s in item.settings if (s[0], s[1]) != (target, name)]
        item.settings.append((target, name, str(value)))
    return prod
