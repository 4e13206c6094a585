"""Partial matching of Kubernetes objects, with failures a learner can act on.

Semantics: maps match as subsets (extra keys in the object are fine); lists match when
every expected element has a matching element in the object ("contains"), unless the mode
is `exact` (same length, each position matches) or `ordered` (the expected elements appear
in this order, possibly with others between). Scalars that both parse as Kubernetes
quantities compare by value (`1` == `1000m`, `2Gi` == `2048Mi`); other scalars compare as
strings when one side is a string (`"1"` == `1`), otherwise by equality. An expected
`null` means the field must be absent (or empty).

Two equivalences a learner may write either way: an `image` field compares as an image
reference (`python:3.12-slim` == `docker.io/library/python:3.12-slim`, a digest added to
the expected tag is fine), and a string
`${name}` is a placeholder that takes the first value it meets and must then be equal
everywhere else it appears, so a volume and its mount can be tied by whatever name the
learner chose (`volumes: [{name: ${v}, ...}]`, `volumeMounts: [{name: ${v}, ...}]`).

One derived field: `argv` in a container is the command line it runs, `command` followed by
`args`, compared item by item in order, so `command: [sh, -c]` + `args: [...]` equals the
same line written as one `command`. A container with no `command` has no known argv (the
image's entrypoint runs first), so it never matches one.
"""

from __future__ import annotations

import re
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
ARGV = "argv"
_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
Bindings = dict[str, Any]


def image_reference(image: str) -> str:
    """The canonical form of an image reference: registry, repository path and tag (or
    digest), with Docker Hub's implied `docker.io/library/` and `:latest` filled in."""
    name, at, digest = image.strip().partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        name, _, tag = name.rpartition(":")
    first, slash, rest = name.partition("/")
    if not slash or not ("." in first or ":" in first or first == "localhost"):
        rest, first = name, "docker.io"
    if first in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        first = "docker.io"
        if "/" not in rest:
            rest = f"library/{rest}"
    ref = f"{first}/{rest}"
    if at:
        return f"{ref}@{digest}" if not tag else f"{ref}:{tag}@{digest}"
    return f"{ref}:{tag or 'latest'}"


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


def match(
    expected: Any,
    found: Any,
    mode: ListMode = "contains",
    path: str = "",
    bindings: Bindings | None = None,
) -> list[Mismatch]:
    """Every way `found` fails to contain `expected`; empty when it matches. `bindings`
    holds the values `${name}` placeholders took so far (updated on success)."""
    env: Bindings = {} if bindings is None else bindings
    if isinstance(expected, str) and (placeholder := _PLACEHOLDER.match(expected)):
        key = placeholder.group(1)
        if found is _MISSING or found is None or found == "" or isinstance(found, dict | list):
            return [Mismatch(path, expected, _MISSING if found is None else found)]
        if key not in env:
            env[key] = found
            return []
        return [] if scalar_equal(env[key], found) else [Mismatch(path, env[key], found)]
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
            elif key == ARGV and ARGV not in found and isinstance(want, list):
                out.extend(_match_argv(want, found, child, env))
            elif key not in found:
                out.append(Mismatch(child, want, _MISSING))
            elif key == "image" and isinstance(want, str) and isinstance(found[key], str):
                got = found[key] if "@" in want else found[key].partition("@")[0]
                if image_reference(want) != image_reference(got):
                    out.append(Mismatch(child, want, found[key]))
            else:
                out.extend(match(want, found[key], mode, child, env))
        return out
    if isinstance(expected, list):
        if not isinstance(found, list):
            return [Mismatch(path, expected, found if found is not None else _MISSING)]
        return _match_list(expected, found, mode, path, env)
    if found is _MISSING or not scalar_equal(expected, found):
        return [Mismatch(path, expected, found)]
    return []


def _match_argv(
    want: list[Any], container: dict[str, Any], path: str, env: Bindings
) -> list[Mismatch]:
    command = container.get("command")
    if not command:
        return [
            Mismatch(
                path,
                want,
                _MISSING,
                "no `command` is set, so the image's entrypoint runs first; "
                f"the container should run {_show(want)}",
            )
        ]
    argv = [*command, *(container.get("args") or [])]
    if match(want, argv, "exact", path, dict(env)):
        return [
            Mismatch(
                path,
                want,
                argv,
                f"the container runs {_show(argv)} (command + args), expected {_show(want)}",
            )
        ]
    match(want, argv, "exact", path, env)
    return []


def _try(want: Any, got: Any, mode: ListMode, env: Bindings) -> bool:
    """Does `got` match `want`? On success the placeholders it bound are kept."""
    trial = dict(env)
    if match(want, got, mode, "", trial):
        return False
    env.update(trial)
    return True


def _match_list(
    expected: list[Any], found: list[Any], mode: ListMode, path: str, env: Bindings
) -> list[Mismatch]:
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
            out.extend(match(want, got, mode, f"{path}[{i}]", env))
        return out
    start = 0
    for want in expected:
        candidates = range(start, len(found)) if mode == "ordered" else range(len(found))
        hit = next((j for j in candidates if _try(want, found[j], mode, env)), None)
        if hit is None:
            closest = _closest(want, found, mode, env)
            note = f"no item matches {_show(want)}"
            if mode == "ordered" and any(not match(want, f, mode, "", dict(env)) for f in found):
                note += " after the previous expected item (order matters here)"
            elif closest:
                note += f"; the closest differs at {closest}"
            return [Mismatch(f"{path}[]", want, found, note)]
        if mode == "ordered":
            start = hit + 1
    return []


def _closest(want: Any, found: list[Any], mode: ListMode, env: Bindings) -> str:
    """Describe the nearest miss, so `containers[]` failures say what is wrong."""
    best: list[Mismatch] | None = None
    for item in found:
        misses = match(want, item, mode, "", dict(env))
        if best is None or len(misses) < len(best):
            best = misses
    return str(best[0]) if best else ""
