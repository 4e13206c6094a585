"""Where things live: the course content, the user's data, and caches.

Each location can be moved with a setting (FLIGHTSCHOOL_CONTENT_DIR, _DATA_DIR, _CACHE_DIR;
see settings.py), so tests and workshops can point Flight School at their own directories.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from flightschool.core import settings

APP_NAME = "flightschool"


def project_root() -> Path:
    """The folder holding lessons/, quizzes/, labs/ and cluster/."""
    override = settings.current().content_dir
    if override:
        return override.resolve()
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The learner's own data (progress, workspaces, credentials): owner-only (0700)."""
    path = settings.current().data_dir or Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def cache_dir() -> Path:
    path = settings.current().cache_dir or Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path
