"""Python checks for lab 03: the learner's explanation of the Pending pod."""

from __future__ import annotations

import re
from typing import Any

# Words that show the learner saw the capacity problem, not just "it is pending".
_CAPACITY = re.compile(
    r"insufficient|not enough|only (2|two)|(2|two) gpus?|more than|exceeds?|capacity|allocatable",
    re.IGNORECASE,
)


def check_pending_explained(view: Any) -> str | None:
    notes = view.get("v1", "ConfigMap", "scheduling-notes")
    if notes is None:
        return "no ConfigMap scheduling-notes found"
    text = str((notes.get("data") or {}).get("train-large") or "").strip()
    if not text or text.upper().startswith("TODO"):
        return "the key train-large is empty or still says TODO"
    if "gpu" not in text.lower():
        return "the explanation does not mention GPUs"
    if not _CAPACITY.search(text):
        return (
            "say why the GPUs are the problem: the pod asks for 3 and the only GPU node "
            "has 2 in total"
        )
    return None
