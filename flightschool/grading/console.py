"""The Lab page's console: one `kubectl ...` or `helm ...` line run as the learner.

No shell is involved: the line is split with shlex, checked here, and started as an
argument list with the learner's own kubeconfig (their ServiceAccount, bound only in the
lab's namespaces), so the API server itself refuses anything outside the lab. What is
refused here is what a browser console cannot do (a TTY, a command that never ends),
what would swap the credentials or the cluster, files outside the learner's workspace,
and anything that is not kubectl or helm.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flightschool.cluster import toolchain
from flightschool.cluster.backend import Backend
from flightschool.cluster.helm import ChartUnavailable
from flightschool.content.labs import Lab
from flightschool.core.errors import InputProblem
from flightschool.core.paths import data_dir
from flightschool.core.proc import ToolError, stream
from flightschool.grading import session
from flightschool.grading.helm import chart_path

TOOLS = ("kubectl", "helm")
WHAT_IT_RUNS = (
    "The console runs `kubectl` and `helm` commands only, one at a time, without a shell "
    "(for example `kubectl get pods` or `kubectl describe pod NAME`)."
)
TIMEOUT = 30.0
MAX_LINES = 2000
MAX_CHARS = 200_000

# Shell syntax that would mean something else in a terminal: refused rather than passed on
# as literal arguments, so the learner is not surprised.
_SHELL_TOKENS = {"|", "||", "&", "&&", ";", ";;", "<", ">", ">>", "<<", "<<<", "2>", "&>"}
_SHELL_MARKS = ("$(", "${", "`", "\n")

KUBECTL_COMMANDS = frozenset(
    {
        "annotate",
        "api-resources",
        "api-versions",
        "apply",
        "auth",
        "autoscale",
        "cluster-info",
        "config",
        "cordon",
        "create",
        "delete",
        "describe",
        "diff",
        "drain",
        "events",
        "exec",
        "explain",
        "expose",
        "get",
        "kustomize",
        "label",
        "logs",
        "patch",
        "replace",
        "rollout",
        "run",
        "scale",
        "set",
        "taint",
        "top",
        "uncordon",
        "version",
        "wait",
    }
)
HELM_COMMANDS = frozenset(
    {
        "dependency",
        "get",
        "history",
        "install",
        "lint",
        "list",
        "ls",
        "rollback",
        "show",
        "status",
        "template",
        "test",
        "uninstall",
        "upgrade",
        "version",
    }
)
# Interactive or endless: they need a terminal the page does not have.
_KUBECTL_TTY = {
    "attach": "attaches a terminal to a running container",
    "port-forward": "keeps a local port open until stopped",
    "proxy": "serves the API on a local port until stopped",
    "edit": "opens a text editor in a terminal; edit the file here and apply it instead",
}
_KUBECTL_READONLY_CONFIG = {"view", "current-context", "get-contexts", "get-clusters"}
# Flags that would use other credentials or another cluster than the learner's own.
_CREDENTIAL_FLAGS = {
    "--kubeconfig",
    "--token",
    "--server",
    "-s",
    "--as",
    "--as-group",
    "--as-uid",
    "--context",
    "--user",
    "--cluster",
    "--username",
    "--password",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--insecure-skip-tls-verify",
    "--tls-server-name",
}
_HELM_CREDENTIAL_FLAGS = {"--kubeconfig", "--registry-config", "--repository-config"}
# kubectl global flags that take the next word as their value (so that word is not the verb)
_KUBECTL_VALUE_FLAGS = {"-n", "--namespace", "-v", "--v", "--request-timeout", "--cache-dir"}
_HELM_VALUE_FLAGS = {"-n", "--namespace"}
# Flags whose value is a local file or folder: it must be inside the learner's workspace.
_FILE_FLAGS = {"-f", "--filename", "-k", "--kustomize", "--values"}
_FILE_OUTPUTS = ("go-template-file=", "jsonpath-file=", "custom-columns-file=", "template-file=")


class Refused(InputProblem, ValueError):
    """The line cannot run in the console; the message says why and what does."""


@dataclass(frozen=True)
class Command:
    tool: str  # "kubectl" or "helm"
    args: tuple[str, ...]  # after the tool's name

    @property
    def line(self) -> str:
        return shlex.join([self.tool, *self.args])


def parse(line: str, workspace: Path, extra_roots: Sequence[Path] = ()) -> Command:
    """The checked command for one typed line, or Refused saying why."""
    text = line.strip()
    if not text:
        raise Refused(WHAT_IT_RUNS)
    for mark in _SHELL_MARKS:
        if mark in text:
            shown = "a new line" if mark == "\n" else f"`{mark}`"
            raise Refused(f"{shown} is shell syntax and there is no shell here. {WHAT_IT_RUNS}")
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars="|&;<>")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError as exc:  # an unclosed quote
        raise Refused(f"the line cannot be read: {exc}") from exc
    for word in words:
        if word in _SHELL_TOKENS or (word and set(word) <= set("|&;<>")):
            raise Refused(
                f"`{word}` (pipes, redirections, `;`, `&&`) needs a shell and there is none "
                f"here: run one command at a time. {WHAT_IT_RUNS}"
            )
    tool, args = words[0], tuple(words[1:])
    if tool not in TOOLS:
        raise Refused(f"`{tool}` is not run here. {WHAT_IT_RUNS}")
    if tool == "kubectl":
        _check_kubectl(args)
    else:
        _check_helm(args)
    if not (tool == "kubectl" and _verb(args, _KUBECTL_VALUE_FLAGS)[0] == "logs"):
        _check_files(args, workspace, extra_roots)  # `logs -f` is follow, not a file
    return Command(tool, args)


def _verb(args: Sequence[str], value_flags: set[str]) -> tuple[str, list[str]]:
    """The subcommand and the words after it (flags before it skipped, with their values)."""
    skip = False
    for i, word in enumerate(args):
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in value_flags
            continue
        return word, list(args[i + 1 :])
    return "", []


def _flag_names(args: Sequence[str]) -> list[str]:
    """Every flag's name, `--x=1` as `--x`, stopping at `--` (what follows goes to a container)."""
    names: list[str] = []
    for word in args:
        if word == "--":
            break
        if word.startswith("-"):
            names.append(word.split("=", 1)[0])
    return names


def _short_flags(names: Sequence[str]) -> set[str]:
    """Single-dash clusters split into letters: `-it` holds `i` and `t`."""
    return {c for n in names if n.startswith("-") and not n.startswith("--") for c in n[1:]}


def _refuse_credentials(names: Sequence[str], is_credential: Callable[[str], bool]) -> None:
    """Both tools: a flag that swaps the identity or the cluster is refused, by name."""
    for name in names:
        if is_credential(name):
            raise Refused(
                f"`{name}` would use other credentials or another cluster; the console always "
                "acts as you, on this lab's cluster."
            )


def _check_kubectl(args: Sequence[str]) -> None:
    names = _flag_names(args)
    _refuse_credentials(names, lambda name: name in _CREDENTIAL_FLAGS)
    verb, rest = _verb(args, _KUBECTL_VALUE_FLAGS)
    if not verb:
        raise Refused(f"kubectl needs a command. {WHAT_IT_RUNS}")
    if verb in _KUBECTL_TTY:
        raise Refused(f"`kubectl {verb}` {_KUBECTL_TTY[verb]}: the console has no terminal for it.")
    if verb not in KUBECTL_COMMANDS:
        raise Refused(
            f"`kubectl {verb}` is not available in the console. It runs: "
            + ", ".join(sorted(KUBECTL_COMMANDS))
            + "."
        )
    letters = _short_flags(names)
    interactive = bool(letters & {"i", "t"}) or bool({"--stdin", "--tty", "--attach"} & set(names))
    if verb in {"exec", "run"} and interactive:
        raise Refused(
            f"`kubectl {verb}` with -i/-t needs an interactive terminal; the console shows "
            f"output only (for example `kubectl exec POD -- ls /`)."
        )
    bounded = any(n == "--request-timeout" for n in names)
    if verb == "logs" and ("f" in letters or "--follow" in names) and not bounded:
        raise Refused(
            "`kubectl logs -f` follows the log forever: drop -f to see what is there "
            "(`kubectl logs POD --tail=50`), or bound it with --request-timeout=20s."
        )
    watching = "w" in letters or {"--watch", "--watch-only"} & set(names)
    if verb == "get" and watching and not bounded:
        raise Refused(
            "`kubectl get -w` watches forever: run it again to refresh, look at the cluster "
            "panel, or bound it with --request-timeout=20s."
        )
    if verb == "config":
        sub = next((w for w in rest if not w.startswith("-")), "")
        if sub not in _KUBECTL_READONLY_CONFIG:
            raise Refused(
                "the console's kubeconfig is yours and read-only here: `kubectl config` "
                "runs only " + ", ".join(sorted(_KUBECTL_READONLY_CONFIG)) + "."
            )


def _check_helm(args: Sequence[str]) -> None:
    _refuse_credentials(
        _flag_names(args),
        lambda name: name.startswith("--kube-") or name in _HELM_CREDENTIAL_FLAGS,
    )
    verb, _ = _verb(args, _HELM_VALUE_FLAGS)
    if not verb:
        raise Refused(f"helm needs a command. {WHAT_IT_RUNS}")
    if verb not in HELM_COMMANDS:
        raise Refused(
            f"`helm {verb}` is not available in the console. It runs: "
            + ", ".join(sorted(HELM_COMMANDS))
            + "."
        )


def _file_values(args: Sequence[str]) -> list[str]:
    """The words that name local files: values of -f/--filename/-k/--values, a
    `*-file=` output format, and `--set-file key=path`."""
    found: list[str] = []
    for i, word in enumerate(args):
        if word == "--":
            break
        name, eq, value = word.partition("=")
        following = args[i + 1] if i + 1 < len(args) else ""
        if name in _FILE_FLAGS or name == "--set-file":
            raw = value if eq else following
            if name == "--set-file":
                found.extend(part.partition("=")[2] for part in raw.split(","))
            else:
                found.append(raw)
        elif name in {"-o", "--output"}:
            fmt = value if eq else following
            for prefix in _FILE_OUTPUTS:
                if fmt.startswith(prefix):
                    found.append(fmt[len(prefix) :])
        elif word.startswith("-f") and len(word) > 2 and not word.startswith("--"):
            found.append(word[2:])  # -fpod.yaml
    return found


def _check_files(args: Sequence[str], workspace: Path, extra_roots: Sequence[Path]) -> None:
    roots = [workspace.resolve(), *(r.resolve() for r in extra_roots)]
    for value in _file_values(args):
        if not value:
            continue
        if value == "-":
            raise Refused("the console has no standard input: name a file of your workspace.")
        if "://" in value:
            raise Refused(f"`{value}`: the console reads files of your workspace, not URLs.")
        path = (workspace / Path(value).expanduser()).resolve()
        if not any(path == r or path.is_relative_to(r) for r in roots):
            raise Refused(
                f"`{value}` is outside your lab files: the console reads files of your "
                f"workspace only (paths relative to it, such as `pod.yaml`)."
            )


class _Enough(Exception):
    """Raised from the line callback once the output cap is reached: stops the program."""


@dataclass(frozen=True)
class Outcome:
    command: Command
    returncode: int | None  # None when it was stopped (time limit or output cap)
    output: str
    note: str = ""  # why it was stopped, for the page


def run(
    command: Command,
    executable: Path,
    kubeconfig: Path,
    workspace: Path,
    home: Path,
    on_line: Callable[[str], None] | None = None,
    timeout: float = TIMEOUT,
) -> Outcome:
    """Run a checked command with only the learner's kubeconfig in its environment (no
    admin credentials inherited), in the workspace folder so `-f pod.yaml` finds the file.
    Output is streamed to `on_line` and capped."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "KUBECONFIG": str(kubeconfig),
        "PATH": str(executable.parent),  # nothing else to find: no plugins, no shell
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_DATA_HOME": str(home / "helm-data"),
        "KUBECTL_INTERACTIVE_DELETE": "false",
        "NO_COLOR": "1",
        "TERM": "dumb",
    }
    lines: list[str] = []
    size = 0

    def take(line: str) -> None:
        nonlocal size
        if len(lines) >= MAX_LINES or size >= MAX_CHARS:
            raise _Enough
        lines.append(line)
        size += len(line) + 1
        if on_line is not None:
            on_line(line)

    try:
        code: int | None = stream(
            [executable, *command.args],
            timeout=timeout,
            on_line=take,
            cwd=workspace,
            env=env,
            inherit_env=False,
        )
        note = ""
    except _Enough:
        code, note = None, f"output cut at {MAX_LINES} lines / {MAX_CHARS:,} characters"
    except ToolError as exc:
        code, note = None, f"stopped: {exc}"
    return Outcome(command, code, "\n".join(lines), note)


def run_line(
    lab: Lab,
    backend: Backend,
    line: str,
    on_line: Callable[[str], None] | None = None,
    timeout: float = TIMEOUT,
    workspace: Path | None = None,
    *,
    learner: str | None = None,
) -> Outcome:
    """Check and run one typed line in this lab as the learner, in `workspace` (the
    practice one by default; an exam passes its own copy). Raises Refused for a line the
    console does not run, and the environment errors when the cluster is not ready."""
    workspace = workspace or session.workspace(lab, learner)
    if not workspace.is_dir():
        raise Refused("Start the lab first: the console works in your copy of the lab files.")
    roots: list[Path] = []
    if lab.spec.chart is not None:
        # no chart here: helm says what is missing when the learner names it
        with contextlib.suppress(ChartUnavailable):
            roots.append(chart_path(lab))
    command = parse(line, workspace, roots)
    tools = toolchain.find()
    if tools is None:
        raise Refused(
            "kubectl and helm come with the lab toolchain, which is not built yet: "
            "run `flightschool cluster toolchain`."
        )
    access = session.learner_access(lab, backend, learner=learner)
    home = data_dir() / "console" / access.kubeconfig.stem
    return run(
        command,
        tools.path(command.tool),
        access.kubeconfig,
        workspace,
        home,
        on_line=on_line,
        timeout=timeout,
    )
