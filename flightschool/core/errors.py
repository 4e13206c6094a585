"""The two families of expected problems. Their messages are written for the user: the app
and the CLI show them as they are, never a traceback. Catch the base, not a gathered list,
so a new error joins by naming its family."""

from __future__ import annotations


class FlightSchoolError(Exception):
    """An expected problem with a message meant for the user."""


class EnvironmentProblem(FlightSchoolError):
    """The lab environment is not ready or a tool failed (cluster down, toolchain missing, a
    bad cluster definition, the API refused): not the learner's fault; the CLI exits 2."""


class InputProblem(FlightSchoolError):
    """The input is wrong (a submission, a file, a field); the message names where."""
