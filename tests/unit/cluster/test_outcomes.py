from __future__ import annotations

from typing import Any

import pytest

from flightschool.cluster.outcomes import decide

UNPULLABLE = {"python:3.12-slimm"}


def pod(
    annotations: dict[str, str] | None = None,
    owner: str | None = None,
    restart: str = "Always",
    image: str = "busybox:1.37",
    limit: str | None = None,
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "main", "image": image}
    if limit:
        container["resources"] = {"limits": {"memory": limit}}
    meta: dict[str, Any] = {"name": "p", "annotations": annotations or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": "x"}]
    return {"metadata": meta, "spec": {"restartPolicy": restart, "containers": [container]}}


@pytest.mark.parametrize(
    ("manifest", "outcome"),
    [
        (pod(owner="ReplicaSet"), "run"),
        (pod(owner="StatefulSet"), "run"),
        (pod(), "run"),
        (pod(owner="Job", restart="Never"), "complete"),
        (pod(restart="Never"), "complete"),
        (pod(restart="OnFailure"), "complete"),
        (pod({"lab.flightschool.io/outcome": "fail"}, restart="Never"), "fail"),
        (pod({"lab.flightschool.io/outcome": "crashloop"}, owner="ReplicaSet"), "crashloop"),
        (pod(image="python:3.12-slimm", owner="ReplicaSet"), "image-pull-backoff"),
        (
            pod({"lab.flightschool.io/memory-peak": "600Mi"}, restart="Never", limit="512Mi"),
            "oomkilled",
        ),
        (
            pod({"lab.flightschool.io/memory-peak": "600Mi"}, restart="Never", limit="1Gi"),
            "complete",
        ),
        (
            pod({"lab.flightschool.io/memory-peak": "1Gi"}, restart="Never", limit="1024Mi"),
            "complete",
        ),
        (
            pod({"lab.flightschool.io/memory-peak": "600Mi"}, restart="Never"),
            "complete",
        ),  # no limit, no OOM kill
        (pod({"lab.flightschool.io/outcome": "bogus"}, restart="Never"), "complete"),
    ],
)
def test_outcome_is_decided_from_the_spec(manifest: dict[str, Any], outcome: str) -> None:
    assert decide(manifest, UNPULLABLE)[0] == outcome
