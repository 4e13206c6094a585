from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flightschool.grading.assertions import match

POD = {
    "metadata": {"name": "p", "labels": {"app": "a", "tier": "t"}},
    "spec": {
        "restartPolicy": "Never",
        "containers": [
            {"name": "side", "image": "alpine:3.24"},
            {
                "name": "main",
                "image": "busybox:1.37",
                "resources": {"limits": {"memory": "2048Mi", "cpu": "1"}},
            },
        ],
    },
}


@pytest.mark.parametrize(
    "expected",
    [
        {"metadata": {"labels": {"app": "a"}}},
        {
            "spec": {
                "containers": [
                    {"name": "main", "resources": {"limits": {"memory": "2Gi", "cpu": "1000m"}}}
                ]
            }
        },
        {"spec": {"containers": [{"name": "main"}, {"name": "side"}]}},  # contains: any order
    ],
)
def test_partial_matches(expected: dict[str, Any]) -> None:
    assert match(expected, POD) == []


def test_a_missing_field_names_its_path() -> None:
    [miss] = match({"spec": {"nodeSelector": {"gpu": "true"}}}, POD)
    assert (
        str(miss)
        == "spec.nodeSelector: expected {'gpu': 'true'}, found nothing (the field is missing)"
    )


def test_list_failure_shows_the_closest_element() -> None:
    [miss] = match({"spec": {"containers": [{"name": "main", "image": "busybox:latest"}]}}, POD)
    assert "spec.containers[]" in str(miss)
    assert "closest differs at image: expected 'busybox:latest', found 'busybox:1.37'" in str(miss)


def test_ordered_and_exact_modes() -> None:
    wanted = {"spec": {"containers": [{"name": "main"}, {"name": "side"}]}}
    assert match(wanted, POD, "ordered") and "order matters" in str(
        match(wanted, POD, "ordered")[0]
    )
    assert (
        match({"spec": {"containers": [{"name": "side"}, {"name": "main"}]}}, POD, "ordered") == []
    )
    assert "exactly 1 item" in str(
        match({"spec": {"containers": [{"name": "side"}]}}, POD, "exact")[0]
    )


@given(st.lists(st.integers(), max_size=6), st.lists(st.integers(), max_size=6))
def test_contains_is_subset_semantics(expected: list[int], extra: list[int]) -> None:
    found = extra + expected + extra
    assert match(expected, found) == []
    missing = [x for x in expected if x not in extra + expected]
    assert not missing


@given(st.lists(st.integers(), min_size=1, max_size=6))
def test_ordered_accepts_the_same_order_with_noise_between(expected: list[int]) -> None:
    noisy = [y for x in expected for y in (x, 10**9)]
    assert match(expected, noisy, "ordered") == []
    if len(set(expected)) == len(expected) > 1:
        assert match(list(reversed(expected)), expected, "ordered")


@given(st.integers(min_value=1, max_value=4096))
def test_quantities_compare_by_value(mebibytes: int) -> None:
    assert match({"m": f"{mebibytes}Mi"}, {"m": f"{mebibytes * 1024}Ki"}) == []
    assert match({"m": f"{mebibytes}Mi"}, {"m": f"{mebibytes + 1}Mi"})


@pytest.mark.parametrize(
    "image",
    [
        "python:3.12-slim",
        "docker.io/library/python:3.12-slim",
        "index.docker.io/library/python:3.12-slim",
        "python:3.12-slim@sha256:" + "a" * 64,
    ],
)
def test_images_compare_as_references(image: str) -> None:
    assert match({"image": "python:3.12-slim"}, {"image": image}) == []


@pytest.mark.parametrize(
    "image", ["python:3.12", "python", "python:latest", "quay.io/library/python:3.12-slim"]
)
def test_other_images_differ(image: str) -> None:
    assert match({"image": "python:3.12-slim"}, {"image": image})


def test_placeholders_tie_two_fields_by_any_name() -> None:
    expected = {
        "volumes": [{"name": "${v}", "persistentVolumeClaim": {"claimName": "data-pvc"}}],
        "containers": [{"volumeMounts": [{"name": "${v}", "mountPath": "/data"}]}],
    }
    pod = {
        "volumes": [
            {"name": "scratch", "emptyDir": {}},
            {"name": "d", "persistentVolumeClaim": {"claimName": "data-pvc"}},
        ],
        "containers": [
            {
                "volumeMounts": [
                    {"name": "scratch", "mountPath": "/tmp"},
                    {"name": "d", "mountPath": "/data"},
                ]
            }
        ],
    }
    assert match(expected, pod) == []
    pod["containers"][0]["volumeMounts"] = [{"name": "scratch", "mountPath": "/data"}]
    misses = match(expected, pod)
    assert misses and "expected 'd', found 'scratch'" in str(misses[0])


ARGV = {"containers": [{"argv": ["python", "-c", "print('x')"]}]}


@pytest.mark.parametrize(
    "container",
    [
        {"command": ["python", "-c", "print('x')"]},
        {"command": ["python", "-c"], "args": ["print('x')"]},
        {"command": ["python"], "args": ["-c", "print('x')"]},
        {"command": ["python", "-c", "print('x')"], "args": []},
    ],
)
def test_argv_is_command_then_args_in_any_split(container: dict[str, Any]) -> None:
    assert match(ARGV, {"containers": [{"name": "side", "command": ["sleep"]}, container]}) == []


@pytest.mark.parametrize(
    ("container", "says"),
    [
        ({"command": ["python -c \"print('x')\""]}, "the container runs"),
        ({"command": ["python"], "args": ["-c print('x')"]}, "the container runs"),
        ({"command": ["-c", "print('x')"], "args": ["python"]}, "the container runs"),
        ({"command": ["python", "-c", "print('x')", "extra"]}, "the container runs"),
        ({"args": ["python", "-c", "print('x')"]}, "entrypoint runs first"),
    ],
)
def test_argv_differs_in_order_items_or_without_command(
    container: dict[str, Any], says: str
) -> None:
    [miss] = match(ARGV, {"containers": [container]})
    assert says in str(miss)


def test_argv_is_exact_even_when_lists_are_contains() -> None:
    found = {"containers": [{"command": ["python", "print('x')", "-c"]}]}
    assert match(ARGV, found, "contains")
    assert match({"containers": [{"command": ["python", "-c"]}]}, found, "contains") == []


@pytest.mark.parametrize("value", [None, "", {}, []])
def test_a_placeholder_needs_a_value_to_stand_for(value: object) -> None:
    expected = {"limits": {"memory": "${limit}"}}
    assert match(expected, {"limits": {"memory": "2Gi"}}) == []
    assert match(expected, {"limits": {"memory": value}})
    assert match(expected, {"limits": {}})
