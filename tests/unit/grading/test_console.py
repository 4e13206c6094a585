"""The console's line checks: what runs, what is refused and why, and the run itself
(a stand-in program prints its arguments and environment)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from flightschool.grading import console
from flightschool.grading.console import Command, Refused, parse


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "pod.yaml").write_text("kind: Pod\n")
    return folder


@pytest.mark.parametrize(
    ("line", "tool", "args"),
    [
        ("kubectl get pods", "kubectl", ("get", "pods")),
        ("  kubectl   describe pod  web-0 ", "kubectl", ("describe", "pod", "web-0")),
        ("kubectl -n other get pods", "kubectl", ("-n", "other", "get", "pods")),
        ("kubectl apply -f pod.yaml", "kubectl", ("apply", "-f", "pod.yaml")),
        ("kubectl apply -f=./pod.yaml", "kubectl", ("apply", "-f=./pod.yaml")),
        (
            "kubectl get pods -l 'app in (web,db)' -o jsonpath='{.items[*].metadata.name}'",
            "kubectl",
            ("get", "pods", "-l", "app in (web,db)", "-o", "jsonpath={.items[*].metadata.name}"),
        ),
        (
            "kubectl get pods -o 'jsonpath={.a|b}'",
            "kubectl",
            ("get", "pods", "-o", "jsonpath={.a|b}"),
        ),
        ("kubectl logs web --tail=20", "kubectl", ("logs", "web", "--tail=20")),
        (
            "kubectl logs -f web --request-timeout=10s",
            "kubectl",
            ("logs", "-f", "web", "--request-timeout=10s"),
        ),
        (
            "kubectl get pods -w --request-timeout=5s",
            "kubectl",
            ("get", "pods", "-w", "--request-timeout=5s"),
        ),
        ("kubectl exec web -- ls /", "kubectl", ("exec", "web", "--", "ls", "/")),
        ("kubectl config view", "kubectl", ("config", "view")),
        ("kubectl auth can-i list nodes", "kubectl", ("auth", "can-i", "list", "nodes")),
        ("helm list", "helm", ("list",)),
        ("helm status web -n lab", "helm", ("status", "web", "-n", "lab")),
        ("helm template x . -f values.yaml", "helm", ("template", "x", ".", "-f", "values.yaml")),
    ],
)
def test_accepted_lines_keep_their_words(
    line: str, tool: str, args: tuple[str, ...], ws: Path
) -> None:
    assert parse(line, ws) == Command(tool, args)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("rm -rf /", "`rm` is not run here"),
        ("bash", "`bash` is not run here"),
        ("ls", "runs `kubectl` and `helm` commands only"),
        ("", "runs `kubectl` and `helm` commands only"),
        ("kubectl get pods | grep web", "`|`"),
        ("kubectl get pods > out.txt", "`>`"),
        ("kubectl get pods; rm -rf /", "`;`"),
        ("kubectl get pods && rm x", "`&&`"),
        ("kubectl get pods &", "`&`"),
        ("kubectl get pods $(whoami)", "`$(`"),
        ("kubectl get pods `id`", "is shell syntax"),
        ("kubectl get pods ${HOME}", "`${`"),
        ("kubectl get pods\nrm -rf /", "a new line"),
        ("kubectl get 'pods", "cannot be read"),
        ("kubectl", "kubectl needs a command"),
        ("kubectl exec -it web -- sh", "needs an interactive terminal"),
        ("kubectl exec web -i -- sh", "needs an interactive terminal"),
        ("kubectl exec --stdin --tty web -- sh", "needs an interactive terminal"),
        ("kubectl run x --image=busybox -it", "needs an interactive terminal"),
        ("kubectl attach web", "no terminal"),
        ("kubectl port-forward web 8080:80", "no terminal"),
        ("kubectl proxy", "no terminal"),
        ("kubectl edit pod web", "no terminal"),
        ("kubectl logs -f web", "follows the log forever"),
        ("kubectl logs web --follow", "follows the log forever"),
        ("kubectl get pods -w", "watches forever"),
        ("kubectl get pods --watch", "watches forever"),
        ("kubectl get pods --watch-only", "watches forever"),
        ("kubectl get pods --kubeconfig /admin.conf", "`--kubeconfig` would use other credentials"),
        ("kubectl get pods --kubeconfig=/admin.conf", "`--kubeconfig`"),
        ("kubectl get pods --token abc", "`--token`"),
        ("kubectl get pods --server https://x", "`--server`"),
        ("kubectl get pods -s https://x", "`-s`"),
        ("kubectl get pods --as system:admin", "`--as`"),
        ("kubectl get pods --as-group system:masters", "`--as-group`"),
        ("kubectl get pods --context admin", "`--context`"),
        ("kubectl get pods --user admin", "`--user`"),
        ("kubectl get pods --cluster other", "`--cluster`"),
        ("kubectl config use-context admin", "read-only"),
        ("kubectl config set-credentials x --token=y", "`--token`"),
        ("kubectl config set-context x", "read-only"),
        ("kubectl cp web:/etc/passwd here", "not available in the console"),
        ("kubectl plugin list", "not available in the console"),
        ("kubectl foo", "not available in the console"),
        ("kubectl apply -f /etc/passwd", "outside your lab files"),
        ("kubectl apply -f ../../secrets.yaml", "outside your lab files"),
        ("kubectl apply --filename=/etc/passwd", "outside your lab files"),
        ("kubectl apply -k ~/elsewhere", "outside your lab files"),
        ("kubectl apply -f -", "no standard input"),
        ("kubectl apply -f https://example.invalid/x.yaml", "not URLs"),
        ("kubectl get pods -o go-template-file=/etc/passwd", "outside your lab files"),
        ("kubectl get pods -o=jsonpath-file=/etc/passwd", "outside your lab files"),
        ("helm list --kube-context admin", "`--kube-context`"),
        ("helm list --kube-token=abc", "`--kube-token`"),
        ("helm list --kube-apiserver https://x", "`--kube-apiserver`"),
        ("helm list --kubeconfig /admin.conf", "`--kubeconfig`"),
        ("helm plugin install x", "`helm plugin` is not available"),
        ("helm repo add x y", "`helm repo` is not available"),
        ("helm install x . -f /etc/passwd", "outside your lab files"),
        ("helm install x . --set-file a=/etc/passwd", "outside your lab files"),
        ("helm", "helm needs a command"),
    ],
)
def test_refused_lines_say_why(line: str, says: str, ws: Path) -> None:
    with pytest.raises(Refused) as caught:
        parse(line, ws)
    assert says in str(caught.value)


def test_other_tools_are_refused_with_what_the_console_runs(ws: Path) -> None:
    with pytest.raises(Refused) as caught:
        parse("rm -rf /", ws)
    assert "kubectl" in str(caught.value) and "helm" in str(caught.value)


def test_files_under_an_extra_root_are_allowed(ws: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    chart.mkdir()
    line = f"helm template x {chart} -f {chart}/values.yaml"
    assert parse(line, ws, [chart]).args[-1] == f"{chart}/values.yaml"
    with pytest.raises(Refused):
        parse(line, ws)


def test_logs_dash_f_with_a_bound_is_not_taken_for_a_file(ws: Path) -> None:
    command = parse("kubectl logs -f /etc/x --request-timeout=5s", ws)
    assert command.args[0] == "logs"


def test_command_line_is_quoted_back(ws: Path) -> None:
    assert parse("kubectl get pods -l 'a in (b)'", ws).line == "kubectl get pods -l 'a in (b)'"


def _fake_tool(tmp_path: Path, body: str) -> Path:
    tool = tmp_path / "bin" / "kubectl"
    tool.parent.mkdir()
    tool.write_text(f"#!{sys.executable}\n" + body)
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return tool


def test_run_passes_only_the_learner_kubeconfig(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", "/admin.kubeconfig")
    monkeypatch.setenv("SECRET_OF_THE_APP", "x")
    tool = _fake_tool(
        tmp_path,
        "import os, sys\n"
        "print('args', *sys.argv[1:])\n"
        "print('kubeconfig', os.environ.get('KUBECONFIG'))\n"
        "print('secret', os.environ.get('SECRET_OF_THE_APP'))\n"
        "print('cwd', os.getcwd())\n",
    )
    seen: list[str] = []
    learner = tmp_path / "learner.kubeconfig"
    outcome = console.run(
        parse("kubectl get pods", ws), tool, learner, ws, tmp_path / "home", on_line=seen.append
    )
    assert outcome.returncode == 0
    assert seen == [
        "args get pods",
        f"kubeconfig {learner}",
        "secret None",
        f"cwd {ws}",
    ]
    assert outcome.output == "\n".join(seen)


def test_run_caps_the_output(ws: Path, tmp_path: Path) -> None:
    tool = _fake_tool(
        tmp_path, "import itertools\nfor i in itertools.count():\n    print(i, flush=True)\n"
    )
    outcome = console.run(parse("kubectl get pods", ws), tool, tmp_path / "k", ws, tmp_path / "h")
    assert outcome.returncode is None
    assert "output cut" in outcome.note
    assert len(outcome.output.splitlines()) == console.MAX_LINES


def test_run_stops_at_the_time_limit(ws: Path, tmp_path: Path) -> None:
    tool = _fake_tool(tmp_path, "import time\nprint('started', flush=True)\ntime.sleep(30)\n")
    outcome = console.run(
        parse("kubectl get pods", ws), tool, tmp_path / "k", ws, tmp_path / "h", timeout=1
    )
    assert outcome.returncode is None
    assert "did not finish within 1 s" in outcome.note
    assert outcome.output == "started"
