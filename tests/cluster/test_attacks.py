"""A learner's DAG that tries to take the cluster while `airflow dags test` runs it.

It runs as the learner (a ServiceAccount bound to the lab's namespaces), inside the
sandbox: every attempt is refused by the API server, nothing is left behind, and the
lab's own work still runs and grades."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube
from flightschool.content.labs import load_lab
from flightschool.core.paths import project_root
from flightschool.grading import session

pytestmark = pytest.mark.cluster

ATTACK = Path(__file__).parents[1] / "fixtures" / "attacks" / "escalate.py"
REFUSED = 403


def test_a_dag_cannot_escalate_from_the_lab(
    embedded: EmbeddedCluster, kube: Kube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "ws"))
    lab = load_lab(project_root() / "labs" / "07-kpo-dag")
    workspace = session.start(lab, embedded, fresh_workspace=True)
    shutil.copytree(lab.solution, workspace, dirs_exist_ok=True)
    assert lab.spec.airflow is not None
    dag = workspace / lab.spec.airflow.dag_file
    dag.write_text(dag.read_text() + "\n\n" + ATTACK.read_text())

    lines: list[str] = []
    run = session.run_dag(lab, embedded, on_line=lines.append)
    reports = [
        json.loads(line.split("ATTACK-RESULT ", 1)[1]) for line in lines if "ATTACK-RESULT " in line
    ]
    assert reports, "the attack did not run: " + " | ".join(lines[-5:])
    for report in reports:
        assert "admin" not in str(report["kubeconfig"])
        assert report["cluster-admin-for-all"] == REFUSED
        assert report["privileged-pod-in-kube-system"] == REFUSED
        assert report["mutating-webhook"] == REFUSED
        assert report["read-kube-system-secrets"] == REFUSED
        assert report["list-nodes"] == REFUSED
    assert run.succeeded, run.error  # the lab's own tasks still ran

    assert (
        kube.get("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "attack-cluster-admin")
        is None
    )
    assert kube.get("v1", "Pod", "attack-root", "kube-system") is None
    assert (
        kube.get(
            "admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "attack-webhook"
        )
        is None
    )
