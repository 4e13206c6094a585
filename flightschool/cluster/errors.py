"""The errors that mean "the lab environment is not ready" (cluster down, toolchain missing,
bad cluster definition, API refused): callers show the message, never a traceback."""

from __future__ import annotations


def environment_errors(*extra: type[Exception]) -> tuple[type[Exception], ...]:
    """Imported on use, so a CLI command that never touches a cluster starts fast.
    `extra` adds the caller's own expected errors (a refused submission, say)."""
    from flightschool.cluster.backend import ClusterError
    from flightschool.cluster.helm import HelmError
    from flightschool.cluster.kube import KubeError
    from flightschool.cluster.nodes import ClusterConfigError
    from flightschool.cluster.toolchain import ToolchainError
    from flightschool.core.proc import ToolError
    from flightschool.core.settings import SettingsError

    return (
        SettingsError,
        ClusterError,
        ClusterConfigError,
        ToolchainError,
        ToolError,
        KubeError,
        HelmError,
        *extra,
    )
