"""Course content: lessons (Markdown), quiz banks (YAML) and their validation."""
