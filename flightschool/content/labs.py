"""Labs: `labs/NN-slug/` with lab.yaml, README.md, starter/, solution/ and optional checks.py.

The lab.yaml schema is strict (unknown fields are errors) and can be exported as JSON
Schema for editors: `flightschool content schema lab`.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from flightschool.content.errors import ContentError, ContentLoadError
from flightschool.content.models import Difficulty, Slug
from flightschool.core import safeyaml, textfiles, yamlpos

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


Step = Literal["airflow", "chart", "image", "deploy"]


class CheckBase(Strict):
    # What grading must do with the learner's files before a check of this type can look:
    # run the lab's Airflow step, or render/install its chart. None: it reads the cluster.
    step: ClassVar[Step | None] = None
    # Needs containers that really run (kind): left out of the grade on a simulated cluster.
    real_containers: ClassVar[bool] = False

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
        default=0.0,
        ge=0,
        le=120,
        description="The facts this check reads may take this long to appear after a "
        "submission (a pod completing, a rollout): grading lets the cluster settle for up "
        "to the longest `wait` of a lab's checks, then reads once.",
    )


class ExpectCheck(CheckBase):
    type: Literal["expect"]
    object: ObjectRef
    match: dict[str, Any] = {}
    lists: Literal["contains", "exact", "ordered"] = "contains"
    count: int | None = Field(
        default=None, ge=0, description="With labels: how many objects must match."
    )
    defaulted: list[str] = Field(
        default=[],
        description="Fields the API server must have filled in (LimitRange, defaulting), "
        "not written by the submitter: no field manager may own them. Paths such as "
        "`spec.containers[].resources.limits`.",
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


class Permission(Strict):
    """Verbs on a resource that a least-privilege check asks about. `namespace` defaults
    to the check's; `cluster_wide` asks about every namespace at once."""

    verbs: list[str] = Field(min_length=1)
    resource: str
    subresource: str | None = None
    group: str = ""
    namespace: str | None = None
    cluster_wide: bool = False


class CanICheck(CheckBase):
    """SubjectAccessReviews: `verb` (or every one of `verbs`) on `resource` must be
    `allowed` (or refused), and every permission under `denied` must be refused, so a
    least-privilege check tests what the subject must not do as well as what it must."""

    type: Literal["can_i"]
    subject: Subject
    verb: str | None = None
    verbs: list[str] = []
    resource: str | None = None
    subresource: str | None = None
    group: str = ""
    namespace: str | None = None
    allowed: bool = True
    denied: list[Permission] = []

    @model_validator(mode="after")
    def _something(self) -> CanICheck:
        if bool(self.verb or self.verbs) != bool(self.resource):
            raise ValueError("give `resource` together with `verb` or `verbs`")
        if not self.resource and not self.denied:
            raise ValueError("say what to ask: `verb`/`verbs` and `resource`, or `denied`")
        return self

    @property
    def asked_verbs(self) -> list[str]:
        return [*([self.verb] if self.verb else []), *self.verbs]


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


_READ_KIND = re.compile(r"^([a-z0-9.-]+/)?v[0-9]+((alpha|beta)[0-9]+)?/[A-Z][A-Za-z0-9]*$")


def _read_kind(value: str) -> str:
    if not _READ_KIND.match(value):
        raise ValueError(
            f"{value!r} is not apiVersion/Kind (write v1/Pod, apps/v1/Deployment, "
            "networking.k8s.io/v1/NetworkPolicy)"
        )
    return value


ReadKind = Annotated[
    str,
    AfterValidator(_read_kind),
    Field(description="apiVersion/Kind, such as v1/Pod or apps/v1/Deployment."),
]


class PythonCheck(CheckBase):
    """A `check_*` function of the lab's checks.py. It runs in the sandbox, without the
    cluster: it sees the kinds it lists in `reads`, each listed by the grader in every lab
    namespace (cluster-scoped kinds once) just before it runs."""

    type: Literal["python"]
    function: str = Field(pattern=r"^check_[a-z0-9_]+$")
    reads: list[ReadKind] = Field(
        description="The kinds the function reads (view.get, view.objects), as "
        "apiVersion/Kind: v1/Pod, apps/v1/Deployment, v1/Node. Anything else it asks for "
        "fails the check, naming what is missing here.",
    )


class DagCheck(CheckBase):
    """Facts about the learner's DAG through Airflow itself: it imports, a task exists with
    an operator class and arguments, dependencies hold; after the lab's test run, the run
    and task states and the pods the run created; after generate-dag-yaml, the worker pods."""

    step: ClassVar[Step | None] = "airflow"
    type: Literal["dag"]
    task: str | None = Field(default=None, description="A task id in the lab's DAG.")
    operator: str | None = Field(default=None, description="The task's operator class name.")
    facts: dict[str, Any] = Field(
        default={}, description="KubernetesPodOperator arguments, matched by value."
    )
    pod: dict[str, Any] = Field(
        default={}, description="The pod the task would create, built without a cluster."
    )
    dependencies: list[str] = Field(default=[], description='Chains such as "a >> b >> c".')
    run_state: str | None = Field(default=None, description="State of the lab's test run.")
    task_states: dict[str, str] = {}
    pods: list[dict[str, Any]] = Field(
        default=[], description="Pods the test run created, in creation order."
    )
    worker_pods: dict[str, Any] = Field(
        default={}, description="Every pod from generate-dag-yaml must match this."
    )
    admitted: bool | None = Field(
        default=None, description="The generated worker pods were accepted by the API server."
    )

    @model_validator(mode="after")
    def _task_facts_need_a_task(self) -> DagCheck:
        if (self.operator or self.facts or self.pod) and not self.task:
            raise ValueError("`operator`, `facts` and `pod` need a `task`")
        for chain in self.dependencies:
            if len(_chain(chain)) < 2:
                raise ValueError(f"dependency {chain!r} must look like 'a >> b'")
        return self

    @property
    def needs_run(self) -> bool:
        return bool(self.run_state or self.task_states or self.pods)

    @property
    def needs_worker_pods(self) -> bool:
        return bool(self.worker_pods) or self.admitted is not None


def _chain(text: str) -> list[str]:
    return [part.strip() for part in text.split(">>") if part.strip()]


def dependency_pairs(chain: str) -> list[tuple[str, str]]:
    """'a >> b >> c' -> [(a, b), (b, c)]."""
    parts = _chain(chain)
    return list(itertools.pairwise(parts))


class AirflowConfigCheck(CheckBase):
    """The learner's airflow.cfg and pod template, as the installed Airflow loads them."""

    step: ClassVar[Step | None] = "airflow"
    type: Literal["airflow_config"]
    options: dict[str, str] = Field(
        default={}, description='"section.option": the value Airflow must read.'
    )
    known_options: bool = Field(
        default=False, description="Every option in the file exists in the installed Airflow."
    )
    pod_template: dict[str, Any] = Field(
        default={}, description="The pod template as Airflow deserialises it, matched."
    )


class HelmCheck(CheckBase):
    """The lab's chart rendered (or installed) with the learner's values."""

    step: ClassVar[Step | None] = "chart"
    type: Literal["helm"]
    schema_valid: bool = Field(default=False, description="The values pass the chart's schema.")
    object: ObjectRef | None = Field(default=None, description="A rendered object to match.")
    match: dict[str, Any] = {}
    lists: Literal["contains", "exact", "ordered"] = "contains"
    installed: bool = Field(default=False, description="The release installed into the lab.")
    present: bool = Field(default=True, description="false: the chart must NOT make `object`.")
    ready: list[str] = Field(
        default=[],
        description="Components (the chart's `component` label) whose pods must all become "
        "Ready after the install; the lab's `chart.ready_timeout` says how long they may take.",
    )
    yaml_field: list[str] = Field(
        default=[],
        description="Path to a string field holding YAML (a ConfigMap's pod template): "
        "`match` applies to that document.",
    )

    @model_validator(mode="after")
    def _something(self) -> HelmCheck:
        if not (self.schema_valid or self.object or self.installed):
            raise ValueError("say what to check: `schema_valid`, `object` or `installed`")
        if self.ready and not self.installed:
            raise ValueError("`ready` needs `installed: true` (only installed pods become Ready)")
        return self


DockerfileRule = Literal[
    "base-image-pinned", "airflow-pinned-on-install", "requirements-copied", "runs-as-airflow"
]


class DockerfileCheck(CheckBase):
    """A rule about the learner's Dockerfile, read with a Dockerfile parser."""

    type: Literal["dockerfile"]
    file: str = "Dockerfile"
    rule: DockerfileRule
    repository: str = Field(default="apache/airflow", description="For base-image-pinned.")
    tag: str = Field(default=r"^3\.\d+\.\d+", description="Regex the base tag must match.")


class ImageCheck(CheckBase):
    """The learner's image really builds and runs: `docker build` of their files, the image
    put on the cluster's nodes, then a pod running `command` from it. Needs real containers:
    on the embedded cluster this check is not part of the grade."""

    step: ClassVar[Step | None] = "image"
    real_containers: ClassVar[bool] = True

    type: Literal["image"]
    file: str = "Dockerfile"
    command: list[str] = Field(min_length=1, description="What the pod runs from the image.")
    output: str = Field(default="", description="Regex the pod's log must contain.")

    @field_validator("output")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class AirflowRunCheck(CheckBase):
    """After the deploy step triggered the lab's DAG on the installed Airflow: the run's state
    and each task instance's, as Airflow's own REST API reports them."""

    step: ClassVar[Step | None] = "deploy"
    real_containers: ClassVar[bool] = True
    type: Literal["airflow_run"]
    run_state: str | None = Field(default=None, description="The DAG run's state.")
    task_states: dict[str, str] = Field(
        default={}, description="Task id -> the state its task instance must end in."
    )
    all_tasks: str | None = Field(
        default=None, description="Every task instance of the run must end in this state."
    )

    @model_validator(mode="after")
    def _something(self) -> AirflowRunCheck:
        if not (self.run_state or self.task_states or self.all_tasks):
            raise ValueError("say what to check: `run_state`, `task_states` or `all_tasks`")
        return self


class TaskPodsCheck(CheckBase):
    """The pods the deploy step's DAG run created, read from the Kubernetes API: one per
    listed task, made by the KubernetesExecutor (`executor`: worker pods from the pod
    template) or by a KubernetesPodOperator (`pod_operator`), in `phase`, matching `match`."""

    step: ClassVar[Step | None] = "deploy"
    real_containers: ClassVar[bool] = True
    type: Literal["task_pods"]
    made_by: Literal["executor", "pod_operator"]
    tasks: list[str] = Field(min_length=1, description="Task ids that must each have a pod.")
    phase: str | None = Field(default="Succeeded", description="The pod's phase; null: any.")
    match: dict[str, Any] = Field(default={}, description="Every task's pod must match this.")
    lists: Literal["contains", "exact", "ordered"] = "contains"


Check = Annotated[
    ExpectCheck
    | AbsentCheck
    | RejectedCheck
    | CanICheck
    | ScheduledCheck
    | PythonCheck
    | DagCheck
    | AirflowConfigCheck
    | HelmCheck
    | DockerfileCheck
    | ImageCheck
    | AirflowRunCheck
    | TaskPodsCheck,
    Field(discriminator="type"),
]
CHECK_CLASSES: tuple[type[CheckBase], ...] = get_args(get_args(Check)[0])
CHECK_TYPES: tuple[str, ...] = tuple(
    get_args(cls.model_fields["type"].annotation)[0] for cls in CHECK_CLASSES
)


class AirflowStep(Strict):
    """What grading does with Airflow before the checks: import the DAG (always), then
    `test` runs it on the lab cluster, `generate-yaml` creates the executor's worker pods
    (from the learner's config and pod template) in the lab namespace."""

    dag_file: str = Field(description="Path of the DAG file in the learner's files.")
    dag_id: str
    action: Literal["import", "test", "generate-yaml"] = "import"
    config: str | None = Field(default=None, description="The learner's airflow.cfg, if any.")
    pod_template: str | None = Field(
        default=None, description="The learner's pod template file, if any."
    )
    timeout: float = Field(default=180, gt=0, le=600)


class ChartSpec(Strict):
    """The chart a helm lab renders and installs. `source: airflow` is the official
    Airflow chart (fetched into the cache, never shipped); a path is a chart in the lab."""

    source: str = "airflow"
    release: str = "airflow"
    values: str = Field(default="values.yaml", description="The learner's values file.")
    install: bool = False
    timeout: float = Field(default=120, gt=0, le=600)
    ready_timeout: float = Field(
        default=240,
        gt=0,
        le=900,
        description="Seconds the release's pods may take to become Ready after the install "
        "(for checks with `ready`).",
    )


class DeploySpec(Strict):
    """What grading does for a lab that runs Airflow for real: build the learner's image
    from their Dockerfile (tagged `image`, which their values must name), load it into the
    kind cluster, install the lab's chart with their values (the `chart:` block), wait for
    Airflow to be Ready, then trigger `dag_id` through Airflow's REST API and wait for the
    run. Needs real containers: such a lab leaves `embedded` out of its `backends`."""

    image: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
        description="repository:tag the learner's image is built as.",
    )
    dockerfile: str = "Dockerfile"
    dag_id: str
    api_service: str = Field(
        default="airflow-api-server", description="The API server's Service (port 8080)."
    )
    api_port: int = Field(default=8080, gt=0, lt=65536)
    build_timeout: float = Field(default=900, gt=0, le=3600)
    ready_timeout: float = Field(
        default=300, gt=0, le=900, description="Seconds for Airflow's pods to become Ready."
    )
    run_timeout: float = Field(
        default=240, gt=0, le=1800, description="Seconds for the DAG to appear and its run to end."
    )


LAB_NAMESPACE_PREFIX = "lab-"


class NamespaceSpec(Strict):
    name: str = Field(
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        max_length=50,
        description="Starts with `lab-`: resets wipe what a lab namespace holds.",
    )
    labels: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _inside_lab_prefix(cls, name: str) -> str:
        if not name.startswith(LAB_NAMESPACE_PREFIX):
            raise ValueError(
                f"lab namespaces start with {LAB_NAMESPACE_PREFIX!r} (resets wipe them, so a lab "
                "never names kube-system, default or anyone else's namespace)"
            )
        return name


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
    submission: Literal["manifests", "files"] = Field(
        default="manifests",
        description="manifests: applied to the cluster; files: read by the checks.",
    )
    files: list[str] = Field(default=[], description="The learner's files (files labs).")
    airflow: AirflowStep | None = None
    chart: ChartSpec | None = None
    deploy: DeploySpec | None = None
    allowed_kinds: list[str] = Field(default=[], description="Kinds a submission may contain.")
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
        if self.submission == "manifests" and not self.allowed_kinds:
            raise ValueError("a manifests lab needs `allowed_kinds`")
        if self.submission == "files" and not self.files:
            raise ValueError("a files lab lists its `files`")
        for step, block, present in (
            ("airflow", "airflow", self.airflow),
            ("chart", "chart", self.chart),
            ("deploy", "deploy", self.deploy),
        ):
            needing = sorted({c.type for c in self.checks if c.step == step})
            if needing and present is None:
                raise ValueError(f"{', '.join(needing)} checks need a `{block}:` block")
        if any(c.step == "image" for c in self.checks) and self.submission != "files":
            raise ValueError("image checks build the learner's files: use `submission: files`")
        if self.deploy is not None and (self.chart is None or not self.chart.install):
            raise ValueError(
                "a `deploy:` lab installs its chart: give `chart:` with `install: true`"
            )
        if self.deploy is not None and "embedded" in self.backends:
            raise ValueError(
                "a `deploy:` lab runs real containers: leave `embedded` out of `backends`"
            )
        unknown = sorted(set(self.starter_fails) - set(ids))
        if unknown:
            raise ValueError(f"starter_fails names unknown checks: {unknown}")
        return self

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def checks_for(self, real_containers: bool) -> list[Check]:
        """The checks graded on a cluster whose containers really run, or not."""
        return [c for c in self.checks if real_containers or not c.real_containers]

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
        located = yamlpos.load_file(path)
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
    for i, name in enumerate(spec.files):
        for where in ("starter", "solution"):
            if not (folder / where / name).is_file():
                errors.append(
                    ContentError(
                        path, located.line_of(("files", i)), f"{where}/{name} does not exist"
                    )
                )
    for name in ("README.md", "starter", "solution"):
        if not (folder / name).exists():
            errors.append(ContentError(path, 1, f"the lab needs {name} next to lab.yaml"))
    if (folder / "README.md").is_file():
        try:
            textfiles.read(folder / "README.md")
        except textfiles.TextFileError as exc:
            errors.append(ContentError(folder / "README.md", exc.line, exc.message))
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
    try:
        tree = ast.parse(safeyaml.read_text(path), filename=str(path))
    except safeyaml.YAMLSyntaxError as exc:
        raise ContentLoadError([ContentError(path, exc.line, exc.message)]) from exc
    except SyntaxError as exc:
        raise ContentLoadError([ContentError(path, exc.lineno or 1, f"{exc.msg}")]) from exc
    return {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("check_")
    }


def json_schema() -> dict[str, Any]:
    return LabSpec.model_json_schema()
