"""Bottom layer: process execution and well-known paths, shared by every other package."""
