"""Python checks for lab 03: placement written as nodeSelector or as required node affinity,
tolerations judged against the GPU node's real taint, and the learner's explanation of the
Pending pod judged by the facts it states (in any wording), not by keywords."""

from __future__ import annotations

import re
from typing import Any

from flightschool.core import quantity
from flightschool.grading.placement import requires_label, tolerates_any, tolerates_pool

GPU = "nvidia.com/gpu"
GPU_POOL = {"gpu": "true"}
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "single": 1}
_NUMBER = r"(\d+|one|two|three|four|five|six|single)"
# A count of GPUs: "3 GPUs", "three nvidia.com/gpu", "nvidia.com/gpu: 3", "2 devices".
_COUNT = re.compile(
    rf"\b{_NUMBER}\s*(?:x\s*)?(?:more\s+|whole\s+|nvidia\s+)?"
    r"(?:gpus?|nvidia\.com/gpus?|accelerators?|devices?|cards?)\b"
    rf"|nvidia\.com/gpu\s*[:=]\s*{_NUMBER}\b",
    re.IGNORECASE,
)
_ASKS = re.compile(r"\b(ask|request|need|want|require|limit|demand)", re.IGNORECASE)
_HAS = re.compile(
    r"\b(has|have|had|only|offers?|provides?|capacity|allocatable|total|available|max)",
    re.IGNORECASE,
)


def _value(text: str) -> int:
    return _WORDS.get(text.lower()) or int(text)


_SPLIT = re.compile(r"\.(?=\s|$)|[;,()\n]|\b(?:but|while|whereas|yet|although|though)\b")
# A bare number that counts nothing else: not a node name (gpu-1), not CPUs, memory, epochs.
_BARE = re.compile(
    rf"(?<![\w./-]){_NUMBER}(?![\w./-])(?!\s*(?:cpus?|cores?|gi|mi|gb|epochs?|nodes?|pods?|x\b))",
    re.IGNORECASE,
)


def _clauses(text: str) -> list[str]:
    return [c for c in _SPLIT.split(text) if c and c.strip()]


def _gpu_counts(text: str) -> tuple[set[int], set[int]]:
    """(counts said to be asked for, counts said to be available), clause by clause."""
    asked: set[int] = set()
    has: set[int] = set()
    gpu_text = bool(re.search(r"gpu", text, re.IGNORECASE))
    for clause in _clauses(text):
        counts = [_value(m.group(1) or m.group(2)) for m in _COUNT.finditer(clause)]
        if not counts and gpu_text:  # "gpu-1 only offers two": the GPUs are implied
            counts = [_value(m.group(1)) for m in _BARE.finditer(clause)]
        if not counts:
            continue
        if _ASKS.search(clause) and not _HAS.search(clause):
            asked.update(counts)
        elif _HAS.search(clause) and not _ASKS.search(clause):
            has.update(counts)
    return asked, has


def _gpus(resources: dict[str, Any]) -> int:
    value = (resources.get("limits") or {}).get(GPU) or (resources.get("requests") or {}).get(GPU)
    return int(quantity.parse(str(value))) if value is not None else 0


def check_pending_explained(view: Any) -> str | None:
    notes = view.get("v1", "ConfigMap", "scheduling-notes")
    if notes is None:
        return "no ConfigMap scheduling-notes found"
    text = str((notes.get("data") or {}).get("train-large") or "").strip()
    if not text or text.upper().startswith("TODO"):
        return "the key train-large is empty or still says TODO"
    pod = view.get("v1", "Pod", "train-large") or {}
    wanted = sum(
        _gpus(c.get("resources") or {}) for c in (pod.get("spec") or {}).get("containers") or []
    )
    pool = [
        int(quantity.parse(str((n.get("status") or {}).get("allocatable", {}).get(GPU, "0"))))
        for n in view.objects("v1", "Node")
        if (n["metadata"].get("labels") or {}).get("gpu") == "true"
    ]
    largest = max(pool, default=0)
    asked, has = _gpu_counts(text)
    missing = []
    if wanted and wanted not in asked:
        missing.append("how many GPUs train-large asks for")
    if largest not in has:
        missing.append("how many GPUs the GPU node has")
    wrong = (asked - {wanted}) | (has - {largest, sum(pool)})
    if wrong:
        return (
            "the explanation states GPU counts that do not match the cluster - read the pod's "
            "limits and the GPU node's allocatable resources again"
        )
    if missing:
        return "say " + " and ".join(missing) + ", as numbers of GPUs"
    return None


def _pod_spec(view: Any, name: str) -> dict[str, Any]:
    pod = view.get("v1", "Pod", name)
    assert pod is not None, f"no Pod {name} found"
    return pod.get("spec") or {}


def _nodes(view: Any) -> list[dict[str, Any]]:
    return list(view.objects("v1", "Node"))


def check_data_pool_selector(view: Any) -> str | None:
    if not requires_label(_pod_spec(view, "transform-orders"), "workload-type", "data-processing"):
        return "transform-orders does not require the label workload-type=data-processing"
    return None


def check_gpu_toleration(view: Any) -> str | None:
    if not tolerates_pool(_pod_spec(view, "train-model"), _nodes(view), GPU_POOL):
        return "train-model's tolerations do not match the GPU node's taint"
    return None


def check_cpu_pod_no_gpu_toleration(view: Any) -> str | None:
    if tolerates_any(_pod_spec(view, "transform-orders"), _nodes(view), GPU_POOL):
        return "transform-orders tolerates the GPU node's taint"
    return None
