from __future__ import annotations

from flightschool.content.lessons import CodeBlock
from flightschool.content.stats import block_label, is_verified, unverified_reason


def block(kind: str, *flags: str, code: str = "x\n") -> CodeBlock:
    return CodeBlock(kind, frozenset(flags), code, 3, "01-a")


def test_a_block_is_verified_only_when_a_proof_covers_its_kind_and_flag() -> None:
    assert is_verified(block("python"))
    assert is_verified(block("dockerfile", "mistake"))
    assert is_verified(block("bash", "cluster"))
    assert is_verified(block("bash", "airflow", "cluster"))
    assert is_verified(block("yaml", "helm-values"))
    assert not is_verified(block("bash"))
    assert not is_verified(block("console"))
    assert not is_verified(block("yaml"))


def test_unverified_blocks_are_counted_out_with_their_reason() -> None:
    shown = block("bash", "cluster", "unverified", code="# needs the network\nhelm repo add x\n")
    assert not is_verified(shown)
    assert unverified_reason(shown) == "needs the network"
    assert unverified_reason(block("bash", "unverified", code="helm repo update\n")) == (
        "no reason given"
    )
    assert unverified_reason(block("console")) == "no test proves `console` blocks"


def test_labels_name_the_proof_flags_and_mistakes() -> None:
    assert block_label(block("yaml", "k8s", "mistake")) == "yaml k8s mistake"
    assert block_label(block("bash", "cluster", "unverified")) == "bash cluster unverified"
    assert block_label(block("text", "requirements", "mistake")) == "text requirements mistake"
