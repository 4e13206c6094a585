"""The only module that talks to the Kubernetes API.

A thin layer over the official client: generic server-side apply and dry-run by
apiVersion/kind (resolved through API discovery, cached per group/version), plus the
few typed calls the backends and the grader need. Errors become KubeError with the API
server's own message, which is what a learner needs to read.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import shutil
import ssl
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import urllib3

from flightschool.core import safeyaml
from flightschool.core.errors import EnvironmentProblem
from flightschool.core.proc import ToolError, run

FIELD_MANAGER = "flightschool"
POOL_SIZE = 64  # connections kept per API server, per client
BACKOFF, BACKOFF_CAP = 1.2, 5.0  # wait_until's pause: grows by this, up to this times the first
T = TypeVar("T")
_GROUP_VERSION = re.compile(r"([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?v[0-9]+([a-z]+[0-9]*)?")


def segment(value: str) -> str:
    """One path segment of a URL: a name holding '/', '?', '%' or '..' stays one segment."""
    return quote(str(value), safe="")


def api_base(group_version: str) -> str:
    """/api/v1 or /apis/<group>/<version>; anything else is refused before a request."""
    if group_version == "v1":
        return "/api/v1"
    if not _GROUP_VERSION.fullmatch(group_version):
        raise KubeError(f"apiVersion {group_version[:80]!r} is not of the form group/version", 400)
    return f"/apis/{group_version}"


class KubeError(EnvironmentProblem, RuntimeError):
    def __init__(self, message: str, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class ClusterUnreachable(KubeError):
    """The API server did not answer at all: the cluster stopped, or never started."""


@dataclass(frozen=True)
class ResourceType:
    group_version: str
    kind: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None, name: str | None = None) -> str:
        """The object's URL; a namespaced kind without a namespace lists all namespaces."""
        base = api_base(self.group_version)
        if self.namespaced and namespace:
            base += f"/namespaces/{segment(namespace)}"
        elif self.namespaced and name:
            raise KubeError(f"{self.kind} is namespaced: a namespace is required")
        base += f"/{self.plural}"
        return f"{base}/{segment(name)}" if name else base


@dataclass(frozen=True)
class Endpoint:
    """Where the API server is and how to authenticate, read from a kubeconfig."""

    server: str
    ca_file: str | None
    cert_file: str | None
    key_file: str | None
    token: str | None
    verify: bool
    context: str
    token_file: str | None = None  # read on every request: the kubelet rotates pod tokens


class _CredentialFiles:
    """Kubeconfigs hold credentials as files or base64 data; urllib3 wants files. Data is
    written into one private folder per client, removed when the client is garbage
    collected (or the process exits), so no key is left behind in the temp folder."""

    def __init__(self) -> None:
        self.folder: Path | None = None

    def materialise(
        self, data: str | None, path: str | None, base: Path, suffix: str
    ) -> str | None:
        if path:
            return path if Path(path).is_absolute() else str((base / path).resolve())
        if not data:
            return None
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="flightschool-cred-"))
        handle, name = tempfile.mkstemp(dir=self.folder, suffix=suffix)
        with os.fdopen(handle, "wb") as out:
            out.write(base64.b64decode(data))
        return name


def read_kubeconfig(
    path: Path, context: str | None = None, files: _CredentialFiles | None = None
) -> Endpoint:
    files = files or _CredentialFiles()
    try:
        doc = safeyaml.load_file(path) or {}
    except safeyaml.YAMLSyntaxError as exc:
        raise KubeError(f"cannot read kubeconfig {path}:{exc.line}: {exc.message}") from exc
    if not isinstance(doc, dict):
        raise KubeError(f"kubeconfig {path} is not a YAML mapping")

    def named(section: str, name: str) -> dict[str, Any]:
        for item in doc.get(section) or []:
            if item.get("name") == name:
                return dict(item.get(section[:-1]) or {})
        raise KubeError(f"kubeconfig {path} has no {section[:-1]} named {name!r}")

    ctx_name = context or doc.get("current-context")
    if not ctx_name:
        raise KubeError(f"kubeconfig {path} has no current-context; pass a context name")
    ctx = named("contexts", ctx_name)
    cluster = named("clusters", ctx.get("cluster", ""))
    user = named("users", ctx.get("user", "")) if ctx.get("user") else {}
    base = path.parent
    token = user.get("token")
    token_file = user.get("tokenFile")
    if token_file and not Path(token_file).is_absolute():
        token_file = str((base / token_file).resolve())
    cert = files.materialise(
        user.get("client-certificate-data"), user.get("client-certificate"), base, ".crt"
    )
    key = files.materialise(user.get("client-key-data"), user.get("client-key"), base, ".key")
    if user.get("exec"):
        token, cert, key = _exec_credentials(user["exec"], files) or (token, cert, key)
    return Endpoint(
        server=str(cluster.get("server", "")).rstrip("/"),
        ca_file=files.materialise(
            cluster.get("certificate-authority-data"),
            cluster.get("certificate-authority"),
            base,
            ".crt",
        ),
        cert_file=cert,
        key_file=key,
        token=token,
        verify=not cluster.get("insecure-skip-tls-verify", False),
        context=ctx_name,
        token_file=None if token else token_file,
    )


def _exec_credentials(
    spec: dict[str, Any], files: _CredentialFiles
) -> tuple[str | None, str | None, str | None] | None:
    """Run a kubeconfig exec credential plugin (cloud clusters) and read its ExecCredential."""
    env = {e["name"]: e["value"] for e in spec.get("env") or []}
    try:
        result = run([spec["command"], *(spec.get("args") or [])], timeout=60, env=env, check=True)
        status = json.loads(result.stdout).get("status", {})
    except (ToolError, ValueError, KeyError) as exc:
        raise KubeError(f"the kubeconfig's credential plugin failed: {exc}") from exc
    cert = key = None
    if status.get("clientCertificateData"):
        cert = files.materialise(
            base64.b64encode(status["clientCertificateData"].encode()).decode(),
            None,
            Path(),
            ".crt",
        )
        key = files.materialise(
            base64.b64encode(status["clientKeyData"].encode()).decode(), None, Path(), ".key"
        )
    return status.get("token"), cert, key


class Kube:
    def __init__(self, kubeconfig: Path, context: str | None = None, timeout: float = 10.0) -> None:
        self.kubeconfig = kubeconfig
        self.timeout = timeout
        credentials = _CredentialFiles()
        self.endpoint = read_kubeconfig(kubeconfig, context, credentials)
        if credentials.folder is not None:
            weakref.finalize(self, shutil.rmtree, credentials.folder, ignore_errors=True)
        if not self.endpoint.server.startswith(("https://", "http://")):
            raise KubeError(
                f"kubeconfig {kubeconfig}: server {self.endpoint.server!r} is not a URL"
            )
        # One client serves every thread of an app process (a workshop: dozens of learners
        # grading at once). A pool smaller than that opens a new TLS connection for each
        # request past it and throws it away after, a handshake every time. Idle
        # connections cost next to nothing.
        self.http = urllib3.PoolManager(
            num_pools=4,
            maxsize=POOL_SIZE,
            cert_reqs=ssl.CERT_REQUIRED if self.endpoint.verify else ssl.CERT_NONE,
            ca_certs=self.endpoint.ca_file,
            cert_file=self.endpoint.cert_file,
            key_file=self.endpoint.key_file,
            retries=False,
        )
        self._types: dict[str, dict[str, ResourceType]] = {}
        self.acting_as: tuple[str, tuple[str, ...]] | None = None
        self._shares_credentials_of: Kube | None = None

    def impersonating(self, user: str, groups: Iterable[str] = ()) -> Kube:
        """The same connection acting as another identity (Kubernetes impersonation): the
        API server authorises every request as `user`, so a learner's submission gets
        exactly the learner's permissions while the credentials stay with the grader."""
        clone = copy.copy(self)
        clone.acting_as = (user, tuple(groups))
        clone._shares_credentials_of = self  # keeps the credential files while in use
        return clone

    # ------------------------------------------------------------------ plumbing
    def _headers(
        self, content_type: str, extra: Mapping[str, str] | None = None
    ) -> urllib3.HTTPHeaderDict:
        headers = urllib3.HTTPHeaderDict(
            {
                "Content-Type": content_type,
                "Accept": "application/json",
                "User-Agent": "flightschool",
                **(extra or {}),
            }
        )
        token = self.endpoint.token or self._file_token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.acting_as is not None:
            user, groups = self.acting_as
            headers["Impersonate-User"] = user
            for group in groups:  # one header line per group, as the API server expects
                headers.add("Impersonate-Group", group)
        return headers

    def _file_token(self) -> str | None:
        if not self.endpoint.token_file:
            return None
        try:
            return Path(self.endpoint.token_file).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise KubeError(
                f"cannot read the token file {self.endpoint.token_file}: {exc}"
            ) from exc

    def _url(self, path: str, query: list[tuple[str, str]] | None) -> str:
        return self.endpoint.server + path + (("?" + urlencode(query)) if query else "")

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """One API request; JSON in and out. Non-2xx answers raise KubeError with the server's message.
        `headers` adds request headers (a cookie for a service reached through the API's proxy)."""
        payload = (
            None if body is None else (body if isinstance(body, str | bytes) else json.dumps(body))
        )
        try:
            response = self.http.request(
                method,
                self._url(path, query),
                body=payload,
                headers=self._headers(content_type, headers),
                timeout=urllib3.Timeout(total=timeout or self.timeout),
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ClusterUnreachable(
                f"the Kubernetes API at {self.endpoint.server} is not reachable: {exc}"
            ) from exc
        text = response.data.decode("utf-8", errors="replace")
        if response.status >= 400:
            try:
                status = json.loads(text)
                message, reason = status.get("message") or text, status.get("reason", "")
            except ValueError:
                message, reason = text.strip() or f"HTTP {response.status}", ""
            raise KubeError(str(message), response.status, str(reason))
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text

    def stream(
        self, path: str, query: list[tuple[str, str]], timeout: float
    ) -> Iterator[dict[str, Any]]:
        """A watch: yields each event object until the server closes the stream."""
        try:
            response = self.http.request(
                "GET",
                self._url(path, query),
                headers=self._headers("application/json"),
                preload_content=False,
                timeout=urllib3.Timeout(connect=self.timeout, read=timeout),
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise KubeError(f"watch failed: {exc}") from exc
        try:
            if response.status >= 400:
                raise KubeError(f"watch failed: HTTP {response.status}", response.status)
            buffer = b""
            for chunk in response.stream(65536):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise KubeError(f"watch interrupted: {exc}") from exc
        finally:
            response.release_conn()

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        if api_version not in self._types:
            path = api_base(api_version)
            try:
                listing = self.raw("GET", path)
            except KubeError as exc:
                if exc.status == 404:
                    raise KubeError(f"unknown apiVersion {api_version!r}", 404) from exc
                raise
            self._types[api_version] = {
                r["kind"]: ResourceType(api_version, r["kind"], r["name"], bool(r["namespaced"]))
                for r in listing.get("resources", [])
                if "/" not in r["name"]
            }
        found = self._types[api_version].get(kind)
        if found is None:
            raise KubeError(f"the API server has no kind {kind!r} in {api_version!r}", 404)
        return found

    def collectable_types(self) -> list[ResourceType]:
        """Every namespaced kind that supports deletecollection (preferred versions only)."""
        versions = ["v1"] + [
            g["preferredVersion"]["groupVersion"]
            for g in self.raw("GET", "/apis").get("groups", [])
        ]
        found: list[ResourceType] = []
        for gv in versions:
            path = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            try:
                listing = self.raw("GET", path)
            except KubeError:
                continue  # an aggregated API that is down must not block a reset
            for r in listing.get("resources", []):
                if (
                    r.get("namespaced")
                    and "/" not in r["name"]
                    and "deletecollection" in r.get("verbs", [])
                ):
                    found.append(ResourceType(gv, r["kind"], r["name"], True))
        return found

    # ------------------------------------------------------------------ generic objects
    def apply(
        self,
        manifest: dict[str, Any],
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        force: bool = True,
    ) -> dict[str, Any]:
        """Server-side apply (create or update) one object; `namespace` fills in a missing one."""
        kind, api_version = manifest.get("kind"), manifest.get("apiVersion")
        name = (manifest.get("metadata") or {}).get("name")
        if not kind or not api_version or not name:
            raise KubeError("every object needs apiVersion, kind and metadata.name")
        rtype = self.resource_type(str(api_version), str(kind))
        ns = (manifest.get("metadata") or {}).get("namespace") or namespace
        query = [("fieldManager", FIELD_MANAGER), ("force", "true" if force else "false")]
        if dry_run:
            query.append(("dryRun", "All"))
        body = json.dumps(manifest)
        result: dict[str, Any] = self.raw(
            "PATCH",
            rtype.path(ns if rtype.namespaced else None, str(name)),
            body,
            query,
            content_type="application/apply-patch+yaml",
        )
        return result

    def create(
        self, manifest: dict[str, Any], namespace: str | None = None, *, dry_run: bool = False
    ) -> dict[str, Any]:
        rtype = self.resource_type(str(manifest.get("apiVersion")), str(manifest.get("kind")))
        ns = (manifest.get("metadata") or {}).get("namespace") or namespace
        query = [("fieldManager", FIELD_MANAGER)] + ([("dryRun", "All")] if dry_run else [])
        result: dict[str, Any] = self.raw(
            "POST", rtype.path(ns if rtype.namespaced else None), manifest, query
        )
        return result

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        rtype = self.resource_type(api_version, kind)
        try:
            found: dict[str, Any] = self.raw(
                "GET", rtype.path(namespace if rtype.namespaced else None, name)
            )
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise
        return found

    def list_objects(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        rtype = self.resource_type(api_version, kind)
        query = [("labelSelector", label_selector)] if label_selector else []
        path = rtype.path(namespace if rtype.namespaced else None)
        items: list[dict[str, Any]] = self.raw("GET", path, query=query).get("items", [])
        return items

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        grace_seconds: int | None = None,
    ) -> bool:
        rtype = self.resource_type(api_version, kind)
        query = [("gracePeriodSeconds", str(grace_seconds))] if grace_seconds is not None else []
        body = {"propagationPolicy": "Background"}
        try:
            self.raw(
                "DELETE", rtype.path(namespace if rtype.namespaced else None, name), body, query
            )
        except KubeError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    # ------------------------------------------------------------------ typed helpers
    def server_version(self) -> str:
        return str(self.raw("GET", "/version").get("gitVersion", ""))

    def healthy(self) -> bool:
        try:
            return str(self.raw("GET", "/readyz", timeout=2)) == "ok"
        except KubeError:
            return False

    def nodes(self) -> list[dict[str, Any]]:
        return self.list_objects("v1", "Node")

    def namespace_exists(self, name: str) -> bool:
        found = self.get("v1", "Namespace", name)
        return found is not None and not (found.get("metadata") or {}).get("deletionTimestamp")

    def ensure_namespace(self, name: str, labels: dict[str, str] | None = None) -> None:
        self.apply(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": labels or {}},
            }
        )

    def can_i(
        self,
        verb: str,
        resource: str,
        namespace: str | None,
        *,
        user: str | None = None,
        groups: Iterable[str] = (),
        subresource: str | None = None,
        group: str = "",
    ) -> tuple[bool, str]:
        spec: dict[str, Any] = {
            "resourceAttributes": {
                "verb": verb,
                "resource": resource,
                "group": group,
                **({"namespace": namespace} if namespace else {}),
                **({"subresource": subresource} if subresource else {}),
            },
            "user": user or "",
            "groups": list(groups),
        }
        review = self.raw(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec},
        )
        status = review.get("status", {})
        return bool(status.get("allowed")), str(
            status.get("reason", "") or status.get("evaluationError", "")
        )

    def events(self, namespace: str, involved: str | None = None) -> list[dict[str, Any]]:
        events = self.list_objects("v1", "Event", namespace)
        if involved:
            events = [e for e in events if e.get("involvedObject", {}).get("name") == involved]
        return sorted(events, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")


def wait_until(
    predicate: Callable[[], T | None], timeout: float, interval: float = 0.1
) -> T | None:
    """Ask `predicate` until it returns something true or `timeout` passes. The pause
    between asks starts at `interval`, grows a little each time (up to BACKOFF_CAP times
    it) and is never shorter than the last ask took: fifty learners each waiting for a
    ServiceAccount or a quota's status asked a busy API server twenty times a second
    apiece, which slowed the very controllers they were waiting for."""
    deadline = time.monotonic() + timeout
    pause = interval
    while True:
        asked = time.monotonic()
        value = predicate()
        if value:
            return value
        now = time.monotonic()
        if now >= deadline:
            return None
        time.sleep(min(max(pause, now - asked), max(0.0, deadline - now)))
        pause = min(pause * BACKOFF, interval * BACKOFF_CAP)


class PodWatch:
    """List, then watch, every pod in the cluster; hands each pod to `handle`."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube
        self.stopped = False

    def run(self, handle: Callable[[str, dict[str, Any]], None]) -> None:
        while not self.stopped:
            try:
                listing = self.kube.raw("GET", "/api/v1/pods")
                for pod in listing.get("items", []):
                    handle("ADDED", pod)
                version = listing["metadata"]["resourceVersion"]
                query = [
                    ("watch", "1"),
                    ("resourceVersion", version),
                    ("timeoutSeconds", "55"),
                    ("allowWatchBookmarks", "false"),
                ]
                for event in self.kube.stream("/api/v1/pods", query, timeout=70):
                    if self.stopped:
                        return
                    if event.get("type") == "ERROR":
                        break  # e.g. resourceVersion too old: list again
                    handle(str(event.get("type")), event.get("object") or {})
            except KubeError:
                time.sleep(1.0)  # the API server restarts with the cluster; try again

    def merge_labels(self, pod: dict[str, Any], labels: dict[str, str]) -> None:
        meta = pod["metadata"]
        path = f"/api/v1/namespaces/{segment(meta['namespace'])}/pods/{segment(meta['name'])}"
        self.kube.raw(
            "PATCH",
            path,
            {"metadata": {"labels": labels}},
            content_type="application/merge-patch+json",
        )
