"""Where things live: the course content, the user's data, and caches.

Each location can be moved with an environment variable, so tests and workshops can
point Flight School at their own directories.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "flightschool"


def project_root() -> Path:
    """The folder holding lessons/, quizzes/, labs/ and cluster/."""
    override = os.environ.get("FLIGHTSCHOOL_CONTENT_DIR")
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The learner's own data (progress, workspaces, credentials): owner-only (0700)."""
    override = os.environ.get("FLIGHTSCHOOL_DATA_DIR")
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def cache_dir() -> Path:
    override = os.environ.get("FLIGHTSCHOOL_CACHE_DIR")
    path = Path(override).expanduser() if override else Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path
