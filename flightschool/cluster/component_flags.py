"""Flags and environment for the embedded cluster's processes, as kwokctl component patches.

The embedded cluster is a throwaway lab control plane on a learner's laptop: it should
start in a few seconds and stay small. What is switched off here is what no lab, grader
or chart install uses; everything labs rely on stays (admission: ResourceQuota,
LimitRanger, PodSecurity, ServiceAccount; RBAC; TokenRequest; the scheduler; the
controllers below). Each choice was measured with `benchmarks/cluster.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The controllers labs and graders rely on (kube-controller-manager --controllers).
# Left out: certificates, cloud and IPAM, HPA, DRA and device taints, volume attach and
# expansion, storage-version migration, bootstrap tokens, service load balancers.
CONTROLLERS = (
    "clusterrole-aggregation-controller",  # rules of the admin/edit/view ClusterRoles
    "cronjob-controller",
    "daemonset-controller",
    "deployment-controller",
    "disruption-controller",  # PodDisruptionBudget status (the chart has one)
    "endpoints-controller",
    "endpointslice-controller",
    "garbage-collector-controller",  # owner references: Deployment -> ReplicaSet -> Pod
    "job-controller",
    "namespace-controller",  # deleting a namespace empties it (lab reset)
    "node-lifecycle-controller",  # lifts the not-ready taint from Ready nodes
    "persistentvolume-binder-controller",  # lab 07 binds a claim to a volume
    "persistentvolume-protection-controller",
    "persistentvolumeclaim-protection-controller",
    "pod-garbage-collector-controller",
    "replicaset-controller",
    "replicationcontroller-controller",
    "resourcequota-controller",  # quota status: used and hard
    "root-ca-certificate-publisher-controller",  # kube-root-ca.crt in every namespace
    "service-cidr-controller",
    "serviceaccount-controller",  # the default ServiceAccount of every namespace
    "serviceaccount-token-controller",
    "statefulset-controller",
    "taint-eviction-controller",  # NoExecute taints evict pods
    "ttl-after-finished-controller",
)


# API groups the lab cluster does not serve (kube-apiserver --runtime-config).
UNUSED_API_GROUPS = ("certificates.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1")


def _args(**flags: str) -> list[dict[str, str]]:
    return [{"key": key.replace("_", "-"), "value": value} for key, value in flags.items()]


def _env(**values: str) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in values.items()]


def patches(pki: Path) -> list[dict[str, Any]]:
    """kwokctl `componentsPatches`: extra flags and environment per component; `pki` is
    the cluster's certificate folder (pki.py)."""
    # The controller manager and the scheduler serve /healthz over TLS. Without a
    # certificate, each makes itself a CA and a serving key, two 2048-bit RSA keys: 0.1 to
    # 0.3 s of CPU as they start, and the controller manager starts once the API server is
    # healthy, so its keys delayed the first ServiceAccounts. They serve with the pair
    # kwokctl gives the API server (P-256, for 127.0.0.1 and localhost) instead.
    serving = _args(
        tls_cert_file=str(pki / "admin.crt"), tls_private_key_file=str(pki / "admin.key")
    )
    return [
        {
            "name": "etcd",
            # Every write (a pod, a label, a status) would wait for an fsync, and a workshop's
            # writes queue behind each other. The lab cluster's data is disposable: a crash
            # of the machine loses a lab attempt, which a reset makes again.
            #
            # A lone member still waits out most of an election timeout (1 s by default)
            # before it elects itself and serves, and the API server waits for it. There
            # are no peers whose heartbeats could be late: a tenth of that is plenty.
            "extraArgs": _args(
                unsafe_no_fsync="true", heartbeat_interval="10", election_timeout="100"
            ),
            # etcd's heap grows with every write it keeps in memory: collect at half again
            # (see the API server below): 4 MB less once started.
            "extraEnvs": _env(GOGC="50"),
        },
        {
            "name": "kube-apiserver",
            # No lab, grader or chart uses certificate signing requests or flow-control
            # objects (priority and fairness is off: kwokctl's in-flight limits rule), and
            # each API group served costs memory and start time: 10 MB and about 0.1 s.
            "extraArgs": _args(
                profiling="false",
                runtime_config=",".join(f"{group}=false" for group in UNUSED_API_GROUPS),
            ),
            # The API server holds most of the cluster's memory. Letting its heap grow by
            # half before a collection (the default: double) keeps about 40 MB less
            # resident. Lower values save a little more memory and collect more often.
            # The launcher relaxes this while the server starts (controlplane/startgc.go).
            "extraEnvs": _env(GOGC="50"),
        },
        {
            "name": "kube-controller-manager",
            # One instance of each controller: leader election would only make a restarted
            # component wait out the old lease (15 s) before it does anything.
            "extraArgs": [
                *_args(leader_elect="false", controllers=",".join(CONTROLLERS)),
                *serving,
            ],
        },
        {
            "name": "kube-scheduler",
            "extraArgs": [*_args(leader_elect="false"), *serving],
        },
    ]
