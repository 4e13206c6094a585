"""Course statistics (`flightschool content stats --json`): what the course holds and how
much of its code is proven by tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flightschool.content.catalog import Catalog
from flightschool.content.lessons import CodeBlock

# The flags that pick a block's proof, most specific first. `unverified` is not a proof:
# it marks a block shown but not run, and the block's first line says why.
PROOF_FLAGS = (
    "k8s",
    "airflow-cfg",
    "airflow-env",
    "helm-values",
    "illustration",
    "requirements",
    "cluster",
    "airflow",
)
UNVERIFIED = "unverified"

# Block kinds a proof test exercises (tests/content/), by kind and flag. CI has the chart
# and the lab cluster, so none of these proofs is skipped there.
PROVEN: dict[tuple[str, str], str] = {
    ("python", ""): "imported with Airflow; KubernetesPodOperator pods built",
    ("yaml", "k8s"): "server-side dry-run on the lab cluster",
    ("ini", "airflow-cfg"): "every option exists in the installed Airflow",
    ("bash", "airflow-env"): "every AIRFLOW__ variable names an existing option",
    ("yaml", "helm-values"): "rendered with the official chart (schema included)",
    ("yaml", "illustration"): "every field appears in the object the official chart renders",
    ("text", "requirements"): "apache-airflow pinned to the installed version, or not",
    ("dockerfile", ""): "parsed and checked with the custom-image rules of lab 10",
    ("bash", "cluster"): "run against the lab cluster (kubectl, helm), output checked",
    ("bash", "airflow"): "run with the installed Airflow, output checked",
    ("console", "cluster"): "each $ command run against the lab cluster, output compared",
}


def proof_flag(block: CodeBlock) -> str:
    return next((f for f in PROOF_FLAGS if f in block.flags), "")


def block_label(block: CodeBlock) -> str:
    flags = [f for f in (*PROOF_FLAGS, UNVERIFIED) if f in block.flags]
    return " ".join([block.kind, *flags]) + (" mistake" if "mistake" in block.flags else "")


def is_verified(block: CodeBlock) -> bool:
    return UNVERIFIED not in block.flags and (block.kind, proof_flag(block)) in PROVEN


def unverified_reason(block: CodeBlock) -> str:
    """Why a block is not proven: the first comment line of an `unverified` block, or
    that no test exercises its kind."""
    if UNVERIFIED in block.flags:
        first = block.code.lstrip().splitlines()[0] if block.code.strip() else ""
        return first.lstrip("#").strip() if first.startswith("#") else "no reason given"
    return f"no test proves `{block_label(block)}` blocks"


def stats(catalog: Catalog) -> dict[str, Any]:
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
            "verified": sum(1 for b in blocks if is_verified(b)),
            "by_kind": dict(sorted(Counter(block_label(b) for b in blocks).items())),
            "not_verified": [
                {
                    "block": f"{b.lesson_id}:{b.line}",
                    "kind": block_label(b),
                    "why": unverified_reason(b),
                }
                for b in blocks
                if not is_verified(b)
            ],
        },
    }
