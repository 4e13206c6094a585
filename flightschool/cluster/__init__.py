"""Lab clusters: the toolchain, the embedded/kind/kubeconfig backends, and the kube client."""
