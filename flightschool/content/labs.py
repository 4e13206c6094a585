"""Labs: `labs/NN-slug/` with lab.yaml, README.md, starter/, solution/ and optional checks.py.

The lab.yaml schema is strict (unknown fields are errors) and can be exported as JSON
Schema for editors: `flightschool content schema lab`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flightschool.content.errors import ContentError, ContentLoadError
from flightschool.content.models import Difficulty, Slug
from flightschool.core import yamlpos

Backend = Literal["embedded", "kind", "kubeconfig"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectRef(Strict):
    """Which object(s) a check looks at: by name, or every object matching labels."""

    apiVersion: str
    kind: str
    name: str | None = None
    namespace: str | None = None  # a lab namespace name; default: the lab's first namespace
    labels: dict[str, str] = {}


class CheckBase(Strict):
    id: Slug
    title: str = Field(min_length=3)
    points: float = Field(default=1.0, gt=0)
    message: str = Field(min_length=3, description="What the learner reads when the check fails.")
    hint: str = ""
    concept: str = Field(
        default="", description="The idea this check tests (used for review cards)."
    )
    visibility: Literal["practice", "exam", "both"] = "both"
    timeout: float = Field(default=5.0, gt=0, le=120, description="Seconds this check may take.")
    wait: float = Field(
        default=0.0, ge=0, le=120, description="Keep retrying a failing check this long."
    )


class ExpectCheck(CheckBase):
    type: Literal["expect"]
    object: ObjectRef
    match: dict[str, Any] = {}
    lists: Literal["contains", "exact", "ordered"] = "contains"
    count: int | None = Field(
        default=None, ge=0, description="With labels: how many objects must match."
    )


class AbsentCheck(CheckBase):
    type: Literal["absent"]
    object: ObjectRef
    match: dict[str, Any] = {}


class RejectedCheck(CheckBase):
    """This manifest must be refused by the API server (admission, validation, quota)."""

    type: Literal["rejected"]
    manifest: dict[str, Any]
    reason: str = Field(description="A regex searched in the API server's refusal message.")


class Subject(Strict):
    user: str | None = None
    groups: list[str] = []
    serviceaccount: str | None = Field(
        default=None, description="namespace/name of a ServiceAccount"
    )

    @model_validator(mode="after")
    def _one(self) -> Subject:
        if bool(self.user) == bool(self.serviceaccount):
            raise ValueError("give exactly one of `user` or `serviceaccount`")
        return self


class CanICheck(CheckBase):
    type: Literal["can_i"]
    subject: Subject
    verb: str
    resource: str
    subresource: str | None = None
    group: str = ""
    namespace: str | None = None
    allowed: bool = True


class ScheduledCheck(CheckBase):
    """A pod is bound to a node with these labels, or stays Pending for a reason."""

    type: Literal["scheduled"]
    pod: ObjectRef
    node_labels: dict[str, str] = {}
    pending_reason: str | None = Field(
        default=None, description="A regex searched in the scheduler's message."
    )

    @model_validator(mode="after")
    def _one(self) -> ScheduledCheck:
        if bool(self.node_labels) == bool(self.pending_reason):
            raise ValueError("give exactly one of `node_labels` or `pending_reason`")
        return self


class PythonCheck(CheckBase):
    type: Literal["python"]
    function: str = Field(pattern=r"^check_[a-z0-9_]+$")


Check = Annotated[
    ExpectCheck | AbsentCheck | RejectedCheck | CanICheck | ScheduledCheck | PythonCheck,
    Field(discriminator="type"),
]
CHECK_TYPES = ("expect", "absent", "rejected", "can_i", "scheduled", "python", "dag", "helm")


class NamespaceSpec(Strict):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=50)
    labels: dict[str, str] = {}


class LabSpec(Strict):
    id: Slug
    title: str = Field(min_length=3)
    summary: str = Field(min_length=3)
    lesson: Slug
    difficulty: Difficulty
    minutes: int = Field(gt=0, le=240)
    backends: list[Backend] = Field(default=["embedded", "kind", "kubeconfig"], min_length=1)
    namespaces: list[NamespaceSpec] = Field(min_length=1)
    setup: list[str] = Field(
        default=[], description="Manifest files (in the lab folder) applied at start."
    )
    allowed_kinds: list[str] = Field(min_length=1, description="Kinds a submission may contain.")
    tasks: list[str] = Field(min_length=1)
    hints: list[str] = Field(min_length=2)
    checks: list[Check] = Field(min_length=1)
    starter_fails: list[str] = Field(
        description="Check ids the starter must fail (the lab tests prove it)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> LabSpec:
        ids = [c.id for c in self.checks]
        if len(set(ids)) != len(ids):
            raise ValueError(
                f"check ids must be unique: {sorted({i for i in ids if ids.count(i) > 1})}"
            )
        unknown = sorted(set(self.starter_fails) - set(ids))
        if unknown:
            raise ValueError(f"starter_fails names unknown checks: {unknown}")
        return self

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def namespace_names(self) -> list[str]:
        return [n.name for n in self.namespaces]


@dataclass(frozen=True)
class Lab:
    spec: LabSpec
    folder: Path

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"

    @property
    def starter(self) -> Path:
        return self.folder / "starter"

    @property
    def solution(self) -> Path:
        return self.folder / "solution"

    @property
    def checks_py(self) -> Path:
        return self.folder / "checks.py"


def load_lab(folder: Path) -> Lab:
    path = folder / "lab.yaml"
    try:
        located = yamlpos.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentLoadError([ContentError(path, 1, f"cannot read: {exc.strerror}")]) from exc
    except yamlpos.YAMLSyntaxError as exc:
        raise ContentLoadError([ContentError(path, exc.line, exc.message)]) from exc
    try:
        spec = LabSpec.model_validate(located.data)
    except ValidationError as exc:
        raise ContentLoadError(
            yamlpos.validation_errors(exc, path, located, ignore=CHECK_TYPES)
        ) from exc
    errors: list[ContentError] = []
    if spec.id != folder.name:
        errors.append(
            ContentError(
                path,
                located.line_of(("id",)),
                f"id {spec.id!r} must match the folder {folder.name!r}",
            )
        )
    for name in ("README.md", "starter", "solution"):
        if not (folder / name).exists():
            errors.append(ContentError(path, 1, f"the lab needs {name} next to lab.yaml"))
    for i, setup in enumerate(spec.setup):
        if not (folder / setup).is_file():
            errors.append(
                ContentError(
                    path, located.line_of(("setup", i)), f"setup file {setup} does not exist"
                )
            )
    functions = _check_functions(folder / "checks.py")
    for i, check in enumerate(spec.checks):
        if isinstance(check, PythonCheck) and check.function not in functions:
            errors.append(
                ContentError(
                    path,
                    located.line_of(("checks", i, "function")),
                    f"checks.py has no function {check.function}",
                )
            )
    if errors:
        raise ContentLoadError(errors)
    return Lab(spec, folder)


def _check_functions(path: Path) -> set[str]:
    """Names of check_* functions, read without importing the file."""
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("check_")
    }


def json_schema() -> dict[str, Any]:
    return LabSpec.model_json_schema()
