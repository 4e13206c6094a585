"""Learner DAGs, run safely: imports in a subprocess, `dags test`, pod YAML."""
