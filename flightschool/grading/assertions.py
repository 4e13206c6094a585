"""Partial matching of Kubernetes objects, with failures a learner can act on.

Semantics: maps match as subsets (extra keys in the object are fine); lists match when
every expected element has a matching element in the object ("contains"), unless the mode
is `exact` (same length, each position matches) or `ordered` (the expected elements appear
in this order, possibly with others between). Scalars that both parse as Kubernetes
quantities compare by value (`1` == `1000m`, `2Gi` == `2048Mi`); other scalars compare as
strings when one side is a string (`"1"` == `1`), otherwise by equality. An expected
`null` means the field must be absent (or empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flightschool.core import quantity

ListMode = Literal["contains", "exact", "ordered"]


@dataclass(frozen=True)
class Mismatch:
    path: str
    expected: Any
    found: Any
    note: str = ""

    def __str__(self) -> str:
        where = self.path or "(the object)"
        if self.note:
            return f"{where}: {self.note}"
        return f"{where}: expected {_show(self.expected)}, found {_show(self.found)}"


_MISSING = object()


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing (the field is missing)"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def scalar_equal(expected: Any, found: Any) -> bool:
    if expected == found and type(expected) is type(found):
        return True
    if isinstance(expected, bool) or isinstance(found, bool):
        return str(expected).lower() == str(found).lower()
    if expected is None or found is None:
        return False
    if quantity.is_quantity(expected) and quantity.is_quantity(found):
        return quantity.parse(expected) == quantity.parse(found)
    return str(expected) == str(found)


def match(expected: Any, found: Any, mode: ListMode = "contains", path: str = "") -> list[Mismatch]:
    """Every way `found` fails to contain `expected`; empty when it matches."""
    if isinstance(expected, dict):
        if not isinstance(found, dict):
            return [Mismatch(path, expected, found if found is not None else _MISSING, "")]
        out: list[Mismatch] = []
        for key, want in expected.items():
            child = f"{path}.{key}" if path else str(key)
            if want is None:  # `key: null` means the field must not be set
                if found.get(key) not in (None, [], {}):
                    out.append(
                        Mismatch(
                            child, None, found[key], f"must not be set (found {_show(found[key])})"
                        )
                    )
            elif key not in found:
                out.append(Mismatch(child, want, _MISSING))
            else:
                out.extend(match(want, found[key], mode, child))
        return out
    if isinstance(expected, list):
        if not isinstance(found, list):
            return [Mismatch(path, expected, found if found is not None else _MISSING)]
        return _match_list(expected, found, mode, path)
    if found is _MISSING or not scalar_equal(expected, found):
        return [Mismatch(path, expected, found)]
    return []


def _match_list(expected: list[Any], found: list[Any], mode: ListMode, path: str) -> list[Mismatch]:
    if mode == "exact":
        if len(expected) != len(found):
            return [
                Mismatch(
                    path,
                    expected,
                    found,
                    f"expected exactly {len(expected)} item(s), found {len(found)}",
                )
            ]
        out: list[Mismatch] = []
        for i, (want, got) in enumerate(zip(expected, found, strict=True)):
            out.extend(match(want, got, mode, f"{path}[{i}]"))
        return out
    start = 0
    for want in expected:
        candidates = range(start, len(found)) if mode == "ordered" else range(len(found))
        hit = next((j for j in candidates if not match(want, found[j], mode, "")), None)
        if hit is None:
            closest = _closest(want, found, mode)
            note = f"no item matches {_show(want)}"
            if mode == "ordered" and any(not match(want, f, mode, "") for f in found):
                note += " after the previous expected item (order matters here)"
            elif closest:
                note += f"; the closest differs at {closest}"
            return [Mismatch(f"{path}[]", want, found, note)]
        if mode == "ordered":
            start = hit + 1
    return []


def _closest(want: Any, found: list[Any], mode: ListMode) -> str:
    """Describe the nearest miss, so `containers[]` failures say what is wrong."""
    best: list[Mismatch] | None = None
    for item in found:
        misses = match(want, item, mode, "")
        if best is None or len(misses) < len(best):
            best = misses
    return str(best[0]) if best else ""
