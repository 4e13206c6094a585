"""Every error class the project defines either joins a family (so the app and the CLI
catch it by its base) or is named here as internal, with the reason."""

from __future__ import annotations

import json
import sys

from flightschool.core import proc
from flightschool.core.errors import EnvironmentProblem, InputProblem

# Raised and caught inside one module, never reaching a page or the CLI as such.
INTERNAL = {
    "flightschool.grading.pycheck_child.NotInSnapshot": "caught by the child's own check loop",
    "flightschool.progress.migrations.SchemaTooNew": "stops the app at start with its message",
    "flightschool.content.errors.ContentLoadError": "carries file:line; content validation",
    "flightschool.content.scoring.AnswerError": "a quiz answer of the wrong shape, per item",
    "flightschool.dags.config.AirflowConfigError": "becomes a check's failure message",
    "flightschool.dags.inspect.DagImportError": "becomes a check's failure message",
    "flightschool.core.quantity.QuantityError": "becomes a check's failure message",
    "flightschool.progress.store.StoreFull": "the pages say the disk is full, nothing lost",
    "flightschool.grading.console._Enough": "stops a console command at its output cap",
    "flightschool.content.ledger.NotChecked": "a proof whose source is absent is counted, not shown",
}


_WALK = """
import importlib, json, pkgutil
import flightschool
from flightschool.core.errors import FlightSchoolError
found = {}
for info in pkgutil.walk_packages(flightschool.__path__, "flightschool."):
    if info.name.startswith("flightschool.ui"):
        continue  # pages import streamlit; they define no error classes
    module = importlib.import_module(info.name)
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == info.name:
            found[info.name + "." + value.__qualname__] = issubclass(value, FlightSchoolError)
print(json.dumps(found))
"""


def _project_errors() -> dict[str, bool]:
    """Every error class by dotted name, and whether it has a family. Imported in a child:
    some modules are a child's entry point and must not load in the test process."""
    result = proc.run([sys.executable, "-c", _WALK], timeout=120, check=True)
    found: dict[str, bool] = json.loads(result.stdout)
    return found


def test_every_error_joins_a_family_or_is_named_internal() -> None:
    errors = _project_errors()
    assert "flightschool.cluster.kube.KubeError" in errors  # the walk really found modules
    loose = sorted(
        name for name, in_family in errors.items() if not in_family and name not in INTERNAL
    )
    assert loose == [], f"give these a family in core/errors.py (or list them as internal): {loose}"
    stale = sorted(set(INTERNAL) - set(errors))
    assert stale == [], f"no longer defined, remove from INTERNAL: {stale}"


def test_families_are_disjoint_and_keep_their_builtin_bases() -> None:
    from flightschool.cluster.kube import ClusterUnreachable, KubeError
    from flightschool.core.settings import SettingsError
    from flightschool.grading.submit import SubmissionError

    assert issubclass(ClusterUnreachable, EnvironmentProblem)
    assert issubclass(SettingsError, ValueError) and issubclass(SettingsError, EnvironmentProblem)
    assert issubclass(SubmissionError, InputProblem)
    assert not issubclass(SubmissionError, EnvironmentProblem)
    assert not issubclass(KubeError, InputProblem)
