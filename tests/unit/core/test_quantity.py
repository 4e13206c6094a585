from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flightschool.core.quantity import QuantityError, equal, parse


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1", "1000m"),
        ("2Gi", "2048Mi"),
        ("0.5", "500m"),
        (1, "1"),
        ("1k", "1000"),
        ("1Ki", "1024"),
        ("1e3", "1k"),
    ],
)
def test_equal_by_value(a: object, b: object) -> None:
    assert equal(a, b)


@pytest.mark.parametrize("bad", ["", "lots", "1 Gi", "1GB", "--1", True, None, [1]])
def test_not_a_quantity(bad: object) -> None:
    with pytest.raises(QuantityError):
        parse(bad)


@given(st.integers(min_value=0, max_value=10**6))
def test_binary_suffixes_scale_by_1024(n: int) -> None:
    assert parse(f"{n}Mi") == parse(f"{n * 1024}Ki") == Decimal(n) * 2**20


@given(st.integers(min_value=0, max_value=10**6))
def test_milli_cores(n: int) -> None:
    assert parse(f"{n}m") * 1000 == parse(str(n))
