"""Course statistics (`flightschool content stats --json`): what the course holds and how
much of its code is proven by tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flightschool.content.catalog import Catalog
from flightschool.content.lessons import CodeBlock

# Block kinds a proof test exercises (tests/content/test_code_blocks.py), by kind and flag.
PROVEN: dict[tuple[str, str], str] = {
    ("python", ""): "imported with Airflow; KubernetesPodOperator pods built",
    ("yaml", "k8s"): "server-side dry-run on the lab cluster",
    ("ini", "airflow-cfg"): "every option exists in the installed Airflow",
    ("bash", "airflow-env"): "every AIRFLOW__ variable names an existing option",
    (
        "yaml",
        "helm-values",
    ): "validated against the chart's values schema (when the chart is cached)",
}


def block_label(block: CodeBlock) -> str:
    flag = next(
        (f for f in ("k8s", "airflow-cfg", "airflow-env", "helm-values") if f in block.flags), ""
    )
    return f"{block.kind} {flag}".strip() + (" mistake" if "mistake" in block.flags else "")


def is_verified(block: CodeBlock, chart_available: bool) -> bool:
    flag = next(
        (f for f in ("k8s", "airflow-cfg", "airflow-env", "helm-values") if f in block.flags), ""
    )
    if (block.kind, flag) not in PROVEN:
        return False
    return flag != "helm-values" or chart_available


def stats(catalog: Catalog, chart_available: bool = False) -> dict[str, Any]:
    questions = [q for _, q in catalog.questions()]
    blocks = [b for lesson in catalog.lessons.values() for b in lesson.code_blocks]
    return {
        "lessons": len(catalog.lessons),
        "labs": len(catalog.labs),
        "questions": {
            "total": len(questions),
            "by_type": dict(sorted(Counter(q.type for q in questions).items())),
            "by_lesson": dict(sorted(Counter(q.lesson for q in questions).items())),
            "by_difficulty": dict(sorted(Counter(q.difficulty.value for q in questions).items())),
        },
        "code_blocks": {
            "total": len(blocks),
            "verified": sum(1 for b in blocks if is_verified(b, chart_available)),
            "by_kind": dict(sorted(Counter(block_label(b) for b in blocks).items())),
        },
    }
