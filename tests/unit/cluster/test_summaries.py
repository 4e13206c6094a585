"""The cluster panel's rows: why a pod waits, where it runs, what a node offers."""

from __future__ import annotations

from flightschool.cluster.summaries import event_row, newest_events, node_row, pod_row


def test_pending_pod_shows_the_scheduler_reason() -> None:
    pod = {
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "a"}]},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}],
        },
    }
    assert pod_row(pod) == {
        "pod": "web",
        "ready": "0/1",
        "phase": "Pending",
        "reason": "Unschedulable",
        "restarts": 0,
        "node": "-",
    }


def test_crashing_pod_shows_the_waiting_reason_and_all_restarts() -> None:
    pod = {
        "metadata": {"name": "job"},
        "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
        "status": {
            "phase": "Running",
            "initContainerStatuses": [
                {"state": {"terminated": {"reason": "Completed"}}, "restartCount": 0}
            ],
            "containerStatuses": [
                {"ready": True, "state": {"running": {}}, "restartCount": 1},
                {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "restartCount": 4},
            ],
        },
    }
    row = pod_row(pod)
    assert (row["reason"], row["restarts"], row["node"], row["ready"]) == (
        "CrashLoopBackOff",
        5,
        "n1",
        "1/2",
    )


def test_node_row_shows_pool_labels_taints_and_gpus() -> None:
    node = {
        "metadata": {
            "name": "gpu-0",
            "labels": {"kubernetes.io/hostname": "gpu-0", "pool": "gpu", "type": "kwok"},
        },
        "spec": {
            "taints": [
                {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"},
                {"key": "dedicated", "effect": "NoExecute"},
            ]
        },
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "allocatable": {
                "cpu": "8",
                "memory": "32Gi",
                "pods": "110",
                "nvidia.com/gpu": "2",
                "example.com/fpga": "1",
            },
        },
    }
    row = node_row(node)
    assert row["labels"] == "pool=gpu, type=kwok"
    assert row["taints"] == "nvidia.com/gpu=true:NoSchedule, dedicated:NoExecute"
    assert (row["nvidia.com/gpu"], row["cpu"], row["other"]) == ("2", "8", "example.com/fpga=1")
    assert row["ready"] is True


def test_events_keep_their_whole_message_newest_first() -> None:
    long = "0/4 nodes are available: " + "x" * 400
    old = {"lastTimestamp": "2026-01-01T00:00:00Z", "message": "old", "involvedObject": {}}
    new = {
        "lastTimestamp": "2026-01-01T00:01:00Z",
        "type": "Warning",
        "reason": "FailedScheduling",
        "message": long,
        "count": 3,
        "involvedObject": {"kind": "Pod", "name": "web"},
    }
    rows = newest_events([old, new], 5)
    assert rows[0]["message"] == long
    assert rows[0]["object"] == "pod/web" and rows[0]["count"] == 3
    assert [r["message"] for r in rows] == [long, "old"]
    assert newest_events([old, new], 1) == [event_row(new)]
