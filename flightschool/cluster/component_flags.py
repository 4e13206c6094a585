"""Flags and environment for the embedded cluster's processes, as kwokctl component patches.

The embedded cluster is a throwaway lab control plane on a learner's laptop: it should
start in a few seconds and stay small. What is switched off here is what no lab, grader
or chart install uses; everything labs rely on stays (admission: ResourceQuota,
LimitRanger, PodSecurity, ServiceAccount; RBAC; TokenRequest; the scheduler; the
controllers below). Each choice was measured with `benchmarks/cluster.py`.
"""

from __future__ import annotations

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


def _args(**flags: str) -> list[dict[str, str]]:
    return [{"key": key.replace("_", "-"), "value": value} for key, value in flags.items()]


def _env(**values: str) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in values.items()]


def patches() -> list[dict[str, Any]]:
    """kwokctl `componentsPatches`: extra flags and environment per component."""
    return [
        {
            "name": "etcd",
            # Every write (a pod, a label, a status) would wait for an fsync, and a workshop's
            # writes queue behind each other. The lab cluster's data is disposable: a crash
            # of the machine loses a lab attempt, which a reset makes again.
            "extraArgs": _args(unsafe_no_fsync="true"),
        },
        {
            "name": "kube-apiserver",
            "extraArgs": _args(profiling="false"),
            # The API server holds most of the cluster's memory. Letting its heap grow by
            # half before a collection (the default: double) keeps about 40 MB less
            # resident; start time did not change. Lower values save a little more
            # memory and collect more often.
            "extraEnvs": _env(GOGC="50"),
        },
        {
            "name": "kube-controller-manager",
            # One instance of each controller: leader election would only make a restarted
            # component wait out the old lease (15 s) before it does anything.
            "extraArgs": _args(leader_elect="false", controllers=",".join(CONTROLLERS)),
        },
        {
            "name": "kube-scheduler",
            "extraArgs": _args(leader_elect="false"),
        },
    ]
