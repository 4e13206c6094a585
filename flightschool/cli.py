"""The `flightschool` command. Exit codes: 0 ok, 1 a check failed, 2 usage or environment."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flightschool.cluster.factory import BACKENDS
from flightschool.core.errors import EnvironmentProblem
from flightschool.core.paths import project_root
from flightschool.core.settings import SettingsError

if TYPE_CHECKING:
    from flightschool.grading.report import Report

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def _slug(value: str) -> str:
    """A lab or question id: checked before it becomes a path or a lookup."""
    if not _SLUG.fullmatch(value):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise argparse.ArgumentTypeError(
            f"{shown!r} is not an id (lowercase letters, digits and '-', at most 80)"
        )
    return value


def _learner(value: str) -> str:
    from flightschool.core.learners import LearnerIdError, check

    try:
        return check(value)
    except LearnerIdError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value[:20]!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (1-65535)")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        result: int = args.func(args)
    except SettingsError as exc:  # a FLIGHTSCHOOL_* variable holds something unusable
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flightschool", description=__doc__)
    sub = parser.add_subparsers()

    app = sub.add_parser("app", help="serve the course app (streamlit run app.py)")
    app.add_argument("--port", type=_port, default=8501)
    app.add_argument(
        "--address",
        default=None,
        help="interface to listen on (default 127.0.0.1, or FLIGHTSCHOOL_ADDRESS)",
    )
    app.add_argument(
        "--allow-remote",
        action="store_true",
        help="serve a personal-mode app beyond this machine (no sign-in: anyone who reaches "
        "the port can run code as you); workshop mode has sign-in and needs no flag",
    )
    app.set_defaults(func=_app)
    _workshop_parser(sub)

    content = sub.add_parser("content", help="lint and count course content").add_subparsers()
    validate = content.add_parser("validate", help="check every lesson and quiz; file:line errors")
    validate.add_argument("--root", type=Path, default=None)
    validate.set_defaults(func=_validate)

    cluster = sub.add_parser("cluster", help="the lab cluster").add_subparsers()
    for verb, helptext in (
        ("up", "start (or reuse) the lab cluster"),
        ("down", "stop the lab cluster"),
        ("status", "components, nodes and version"),
        ("env", "print the KUBECONFIG line"),
    ):
        cmd = cluster.add_parser(verb, help=helptext)
        cmd.add_argument("--backend", choices=BACKENDS, default=None)
        if verb in ("up", "status"):
            cmd.add_argument("--json", action="store_true")
        if verb == "up":
            cmd.add_argument(
                "--port", type=_port, default=None, help="API server port (default: a free one)"
            )
        if verb == "down":
            cmd.add_argument("--purge", action="store_true", help="also delete the cluster's data")
        cmd.set_defaults(func=_cluster, verb=verb)
    lab = sub.add_parser("lab", help="hands-on labs").add_subparsers()
    listing = lab.add_parser("list", help="every lab")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_lab_list)
    for verb, helptext in (
        ("start", "prepare the namespace and copy the starter to your workspace"),
        ("check", "grade your work"),
        ("solve", "apply the reference solution"),
        ("reset", "wipe the lab's namespaces and apply its setup again"),
        ("run", "run the lab's DAG on the cluster (airflow dags test)"),
    ):
        cmd = lab.add_parser(verb, help=helptext)
        cmd.add_argument("lab_id", metavar="ID", type=_slug)
        cmd.add_argument("--backend", choices=BACKENDS, default=None)
        cmd.add_argument(
            "--learner",
            type=_learner,
            default=None,
            help="a workshop learner's id: their namespaces, identity and workspace",
        )
        if verb in ("check", "run"):
            cmd.add_argument(
                "--dir",
                type=Path,
                default=None,
                help="your files: manifests to apply first, or the folder to grade",
            )
        if verb == "check":
            cmd.add_argument("--json", action="store_true")
            cmd.add_argument("--exam", action="store_true", help="grade with the exam checks")
            cmd.add_argument(
                "--profile",
                default=None,
                help="record the attempt in this progress profile (default: the app's first, "
                "'learner')",
            )
            cmd.add_argument("--no-record", action="store_true", help="grade only; record nothing")
        cmd.set_defaults(func=_lab, verb=verb)
    stats = content.add_parser(
        "stats", help="counts of lessons, questions and verified code blocks"
    )
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=_stats)
    ledger = content.add_parser(
        "ledger", help="the claims ledger: counts by proof kind, items missing rows, problems"
    )
    ledger.add_argument("--json", action="store_true")
    ledger.add_argument(
        "--stub",
        metavar="SOURCE",
        default=None,
        help="print a ledger skeleton for a lesson or bank",
    )
    ledger.add_argument(
        "--no-check", action="store_true", help="count and match items only; skip checking proofs"
    )
    ledger.add_argument(
        "--chart",
        type=Path,
        action="append",
        default=None,
        help="a chart .tgz or directory that `chart:` rows cite (default: the fetched chart)",
    )
    ledger.set_defaults(func=_ledger)
    schema = content.add_parser("schema", help="JSON Schema of lab.yaml, for editors")
    schema.add_argument("kind", choices=["lab"])
    schema.set_defaults(func=_schema)

    interview = sub.add_parser("interview", help="mock interviews").add_subparsers()
    score = interview.add_parser("score", help="score an answer against a question's rubric")
    score.add_argument("question_id", metavar="QUESTION_ID", type=_slug)
    score.add_argument("--answer-file", type=Path, required=True)
    score.add_argument("--json", action="store_true")
    score.set_defaults(func=_interview_score)

    chart = sub.add_parser("chart", help="the official Airflow Helm chart").add_subparsers()
    fetch = chart.add_parser(
        "fetch", help="pull the pinned official chart into the cache (never shipped with us)"
    )
    fetch.add_argument(
        "--chart", type=Path, default=None, help="use this chart directory or .tgz instead"
    )
    fetch.set_defaults(func=_chart_fetch)

    tool = cluster.add_parser("toolchain", help="find or build the embedded cluster's binaries")
    tool.add_argument("--json", action="store_true")
    tool.set_defaults(func=_toolchain)

    images = sub.add_parser(
        "images", help="the air-gapped image kit for the kind backend (no registry needed)"
    ).add_subparsers()
    build = images.add_parser("build", help="build the kit's images (cached, keyed by pins)")
    build.add_argument("--only", default=None, help="one step and what it needs")
    build.add_argument("--force", action="store_true", help="rebuild even when cached")
    build.set_defaults(func=_images, verb="build")
    listed = images.add_parser("list", help="each image: size, built when, from which pins")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(func=_images, verb="list")
    load = images.add_parser("load", help="load the workload images into the kind cluster")
    load.add_argument("--cluster", default=None, help="kind cluster name (default flightschool)")
    load.set_defaults(func=_images, verb="load")
    return parser


def _sandbox_fix(problem: str) -> str:
    """What to do about bwrap_problem()'s answer: switched off, missing, or blocked."""
    if problem.startswith("FLIGHTSCHOOL_SANDBOX"):
        return "unset FLIGHTSCHOOL_SANDBOX (workshop mode needs the sandbox on)"
    if "not installed" in problem:
        return "install bubblewrap (the `bubblewrap` package)"
    return (
        "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 or, "
        "on Ubuntu, kernel.apparmor_restrict_unprivileged_userns=0); in a container, run it "
        "with a user namespace or privileged (the Helm chart's `sandbox` values)"
    )


def _app(args: argparse.Namespace) -> int:
    from flightschool.core import settings
    from flightschool.core.proc import replace_process

    try:
        config = settings.current()  # every setting checked before the app starts
    except settings.SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    address, mode = args.address or config.address, config.mode
    if mode == "workshop":
        from flightschool.progress.db import database_url
        from flightschool.progress.workshop import SharedDatabaseRequired, require_shared_database

        try:
            require_shared_database(database_url())
        except SharedDatabaseRequired as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        from flightschool.core.sandbox import bwrap_problem

        if problem := bwrap_problem():  # learner code would be refused on every click
            print(
                f"error: workshop mode runs learner code only inside bubblewrap, and {problem}: "
                f"{_sandbox_fix(problem)}",
                file=sys.stderr,
            )
            return 2
    if mode == "personal" and not settings.is_loopback(address) and not args.allow_remote:
        why = "personal mode has no sign-in"
        print(
            f"error: refusing to serve on {address}: {why}, so anyone who reaches the port "
            "could run code on this machine. Serve on 127.0.0.1, or pass --allow-remote on a "
            "network you trust if you accept that risk.",
            file=sys.stderr,
        )
        return 2
    app = project_root() / "app.py"
    replace_process(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            app,
            "--server.port",
            str(args.port),
            "--server.address",
            address,
        ]
    )
    return 0  # not reached


def _validate(args: argparse.Namespace) -> int:
    from flightschool.content.catalog import load_catalog

    root = (args.root or project_root()).resolve()
    if not root.is_dir():
        print(f"error: {root} is not a folder", file=sys.stderr)
        return 2
    catalog = load_catalog(root)
    for error in catalog.errors:
        print(error.relative_to(root))
    questions = sum(1 for _ in catalog.questions())
    summary = (
        f"{len(catalog.lessons)} lessons, {len(catalog.banks)} quiz banks, "
        f"{len(catalog.interviews)} interview tracks, {len(catalog.labs)} labs, {questions} questions"
    )
    if catalog.errors:
        print(f"{len(catalog.errors)} problem(s); {summary}", file=sys.stderr)
        return 1
    print(f"content OK: {summary}")
    return 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cluster(args: argparse.Namespace) -> int:
    from flightschool.cluster.factory import get_backend

    try:
        backend = get_backend(args.backend)
        if args.verb == "up":
            status = backend.up(_progress, port=args.port)
        elif args.verb == "down":
            backend.down(purge=args.purge)
            print(f"cluster stopped{' and its data removed' if args.purge else ''}")
            return 0
        elif args.verb == "env":
            print(f"export KUBECONFIG={backend.kubeconfig()}")
            return 0
        else:
            status = backend.status()
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(status.as_dict(), indent=2))
    else:
        _print_status(status)
    return 0 if status.healthy or args.verb == "status" else 1


def _print_status(status: object) -> None:
    data = status.as_dict()  # type: ignore[attr-defined]
    state = "healthy" if data["healthy"] else ("not created" if not data["exists"] else "unhealthy")
    print(f"{data['backend']} cluster {data['name']}: {state} {data['server_version']}".rstrip())
    for comp in data["components"]:
        print(
            f"  {comp['name']:<24} {'running' if comp['alive'] else 'STOPPED':<8} pid {comp['pid']}"
        )
    for node in data["nodes"]:
        taints = (
            ",".join(f"{t['key']}={t.get('value', '')}:{t['effect']}" for t in node["taints"])
            or "-"
        )
        print(
            f"  node {node['name']:<12} {'Ready' if node['ready'] else 'NotReady':<9} taints {taints}"
        )
    for problem in data["problems"]:
        print(f"  ! {problem}")
    if data["kubeconfig"]:
        print(f"export KUBECONFIG={data['kubeconfig']}")


def _toolchain(args: argparse.Namespace) -> int:
    from flightschool.cluster import toolchain

    try:
        tc = toolchain.ensure(_progress)
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    info = {"source": tc.source, "bin_dir": str(tc.bin_dir), "versions": tc.versions.__dict__}
    print(json.dumps(info, indent=2) if args.json else f"toolchain ({tc.source}): {tc.bin_dir}")
    return 0


def _images(args: argparse.Namespace) -> int:
    from flightschool.cluster import images

    try:
        if args.verb == "build":
            built = images.build(args.only, _progress, force=args.force)
            print(f"images ready ({len(built)} steps built, the rest cached)")
        elif args.verb == "load":
            from flightschool.core import settings

            cluster = args.cluster or settings.current().cluster_name
            images.load(cluster, _progress)
        else:
            rows = images.listing()
            if args.json:
                print(json.dumps([row.__dict__ for row in rows], indent=2))
            for row in [] if args.json else rows:
                size = f"{row.size_mb:.0f} MB" if row.size_mb is not None else "not built"
                when = row.built_at or "-"
                stale = " (stale: pins changed)" if row.stale else ""
                print(f"{row.tag:<62} {size:>10}  {when:<25} {', '.join(row.pins)}{stale}")
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _stats(args: argparse.Namespace) -> int:
    from flightschool.content.catalog import load_catalog
    from flightschool.content.stats import stats

    data = stats(load_catalog(project_root()))
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(
            f"{data['lessons']} lessons, {data['labs']} labs, {data['questions']['total']} questions, "
            f"{data['code_blocks']['verified']}/{data['code_blocks']['total']} code blocks verified"
        )
    return 0


def _ledger(args: argparse.Namespace) -> int:
    from flightschool.cluster.helm import ChartUnavailable, airflow_chart
    from flightschool.content import ledger

    root = project_root()
    if args.stub is not None:
        if args.stub not in ledger.course_sources(root):
            print(
                f"error: {args.stub} is not a lesson, quiz bank or interview track", file=sys.stderr
            )
            return 2
        print("\n".join(ledger.stub(ledger.course_items(root, [args.stub])[args.stub])))
        return 0
    charts: tuple[Path, ...] = tuple(args.chart or ())
    if not charts:
        try:
            charts = (airflow_chart(),)
        except ChartUnavailable:
            charts = ()
    missing = [c for c in charts if not c.exists()]
    if missing:
        print(f"error: no chart at {missing[0]}", file=sys.stderr)
        return 2
    sources = ledger.Sources(root, charts, ledger.default_go_mod_cache())
    report = ledger.audit(root, sources, check_proofs=not args.no_check)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.by_kind.items()))
        print(
            f"{report.items} items ({report.claim_free} without a factual claim), "
            f"{report.claims} claims, {report.proven} proven ({kinds})"
        )
        if report.not_checked:
            print(f"{len(report.not_checked)} proofs not checked here (source not on this machine)")
        for problem in report.problems:
            print(f"  {problem.message}")
    return 1 if report.problems else 0


def _interview_score(args: argparse.Namespace) -> int:
    from flightschool.content.catalog import load_catalog
    from flightschool.content.models import Interview
    from flightschool.core import textfiles
    from flightschool.interview.rubric import MAX_ANSWER_CHARS, score_answer

    catalog = load_catalog(project_root())
    question = catalog.question(args.question_id)
    if not isinstance(question, Interview):
        print(f"error: no interview question {args.question_id!r}", file=sys.stderr)
        return 2
    try:
        answer = textfiles.read(args.answer_file, max_bytes=MAX_ANSWER_CHARS * 4)
    except textfiles.TextFileError as exc:
        print(f"error: {args.answer_file}:{exc.line}: {exc.message}", file=sys.stderr)
        return 2
    others = [
        q for t in catalog.interviews.values() for q in t.bank.questions if isinstance(q, Interview)
    ]
    scored = score_answer(question, answer, others)
    if args.json:
        print(json.dumps(scored.as_json(), indent=2))
    else:
        print(f"coverage {scored.coverage:.0%} of the rubric")
        for note in scored.notes:
            print(f"  NOTE   {note}")
        for wrong in scored.misconceptions:
            print(f"  WRONG  (-{wrong.weight:g}) {wrong.message}")
            print(f"         you wrote: {wrong.evidence}")
        for point in (*scored.missed, *scored.covered):
            mark = "FOUND " if point.found else "MISSED"
            print(f"  {mark} ({point.weight:g}) {point.text}")
            if point.evidence:
                print(f"         evidence: {point.evidence}")
            elif point.negated:
                print(f"         negated: {point.negated}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from flightschool.content.labs import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _lab_list(args: argparse.Namespace) -> int:
    from flightschool.content.catalog import load_catalog

    catalog = load_catalog(project_root())
    rows = [
        {
            "id": lab.id,
            "title": lab.spec.title,
            "difficulty": lab.spec.difficulty.value,
            "minutes": lab.spec.minutes,
            "checks": len(lab.spec.checks),
            "max_score": lab.spec.max_score,
            "backends": lab.spec.backends,
        }
        for lab in catalog.labs.values()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['id']:<28} {row['difficulty']:<9} {row['minutes']:>3} min  {row['title']}")
    for broken in catalog.broken:
        if broken.kind == "lab":
            print(f"{broken.name:<28} BROKEN: {broken.errors[0]}", file=sys.stderr)
    return 0


def _lab(args: argparse.Namespace) -> int:
    from flightschool.cluster.factory import get_backend
    from flightschool.content.errors import ContentLoadError
    from flightschool.content.labs import load_lab
    from flightschool.grading import session
    from flightschool.grading.submit import SubmissionError

    folder = project_root() / "labs" / args.lab_id
    if not (folder / "lab.yaml").exists():
        print(f"error: no lab {args.lab_id!r}; see `flightschool lab list`", file=sys.stderr)
        return 2
    try:
        lab = load_lab(folder)
        backend = get_backend(args.backend)
        if args.verb == "start":
            target = session.start(lab, backend, learner=args.learner)
            names = ", ".join(session.namespace_map(lab, backend, args.learner).values())
            print(f"Lab {lab.id} is ready in namespace(s) {names}.")
            print(f"Your files: {target}")
            kubeconfig = session.learner_kubeconfig_path(lab, backend, args.learner)
            print(f"Read {lab.readme}, edit the files, then run:")
            print(f"  export KUBECONFIG={kubeconfig}   # you, inside the lab's namespaces")
            print(f"  flightschool lab check {lab.id} --dir {target}")
            return 0
        if args.verb == "reset":
            session.prepare(lab, backend, learner=args.learner)
            print(f"Lab {lab.id} reset: namespaces wiped, setup applied again.")
            return 0
        if args.verb == "solve":
            applied = session.solve(lab, backend, learner=args.learner)
            print(f"Applied the reference solution: {', '.join(applied)}")
            return 0
        if args.verb == "run":
            if lab.spec.airflow is None:
                print(
                    f"error: lab {lab.id} has no DAG to run: `lab run` is for the Airflow labs; "
                    f"grade this one with `flightschool lab check {lab.id}`",
                    file=sys.stderr,
                )
                return 2
            run = session.run_dag(lab, backend, args.dir, on_line=print, learner=args.learner)
            states = ", ".join(f"{t}={s}" for t, s in run.tasks.items())
            print(f"Run {run.state or 'failed'} in {run.seconds:g} s: {states or run.error}")
            return 0 if run.succeeded else 1
        quiet = args.json
        report = session.check(
            lab,
            backend,
            args.dir,
            "exam" if args.exam else "practice",
            on_output=None if quiet else lambda line: print(f"  | {line}", file=sys.stderr),
            learner=args.learner,
        )
    except ContentLoadError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except SubmissionError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    profile = args.profile or args.learner  # a workshop learner's attempts are theirs
    recorded = 0 if args.no_record else _record_lab(profile, report)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        for c in report.checks:
            mark = "PASS" if c.passed else "FAIL"
            print(f"{mark}  {c.points:g}/{c.max_points:g}  {c.title}")
            if not c.passed:
                print(f"      {c.message}")
        print(
            f"Score {report.score:g}/{report.max_score:g}: {'passed' if report.passed else 'not yet'}"
        )
    if recorded:
        return recorded
    return 0 if report.passed else 1


def _record_lab(profile: str | None, report: Report) -> int:
    """Record a graded lab in the learner's progress, as the Lab page does; 2 if it could
    not be (the report is still printed)."""
    from sqlalchemy.exc import SQLAlchemyError

    from flightschool.progress import record
    from flightschool.progress.migrations import SchemaTooNew
    from flightschool.progress.store import (
        DEFAULT_PROFILE,
        ProfileError,
        ProgressStore,
        StoreFull,
    )

    name = profile if profile is not None else DEFAULT_PROFILE
    try:
        store = ProgressStore()
        store.ensure_profile(name)
        record.lab_graded(
            store,
            " ".join(name.split()),
            report.lab,
            score=report.score,
            max_score=report.max_score,
            passed=report.passed,
            checks=report.rows(),
        )
    except (ProfileError, StoreFull, SchemaTooNew, SQLAlchemyError, OSError) as exc:
        print(f"error: the attempt was graded but not recorded: {exc}", file=sys.stderr)
        return 2
    return 0


def _chart_fetch(args: argparse.Namespace) -> int:
    from flightschool.cluster.helm import HelmError, fetch_airflow_chart

    try:
        path = fetch_airflow_chart(args.chart)
    except HelmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"The Airflow chart is ready: {path}")
    return 0


def _workshop_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    workshop = sub.add_parser(
        "workshop", help="instructor-led workshops: join links, revocation, announcements"
    ).add_subparsers()
    create = workshop.add_parser(
        "create", help="a workshop with one join link per learner and one for the instructor"
    )
    create.add_argument("name")
    create.add_argument("--learners", type=int, required=True)
    create.add_argument("--expires", default="8h", help="how long the links work (8h, 2d)")
    add = workshop.add_parser("add", help="one more join link (a learner, or --instructor)")
    add.add_argument("name")
    add.add_argument("--learner", default=None, help="the learner's id (default: next number)")
    add.add_argument("--instructor", action="store_true")
    for cmd in (create, add):
        cmd.add_argument(
            "--url",
            default=None,
            help="the app's address as learners reach it (default FLIGHTSCHOOL_PUBLIC_URL)",
        )
        cmd.add_argument(
            "--print", type=Path, default=None, help="write a printable page with QR codes"
        )
    create.set_defaults(func=_workshop, action="create")
    add.set_defaults(func=_workshop, action="add")
    for verb, helptext in (
        ("revoke", "the learner's link stops working (their progress is kept)"),
        ("renew", "a new link for a learner (the old one stops working)"),
    ):
        cmd = workshop.add_parser(verb, help=helptext)
        cmd.add_argument("learner")
        cmd.add_argument("--url", default=None)
        cmd.set_defaults(func=_workshop, action=verb, print=None)
    listing = workshop.add_parser("list", help="the workshop's people and their links' state")
    listing.add_argument("name")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_workshop, action="list")
    announce = workshop.add_parser("announce", help="the banner on every learner page")
    announce.add_argument("text", help="the message ('' takes the banner down)")
    announce.set_defaults(func=_workshop, action="announce")


def _workshop(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlalchemy.exc import SQLAlchemyError

    from flightschool.core import settings
    from flightschool.progress.db import database_url, make_engine
    from flightschool.progress.store import ProgressStore
    from flightschool.progress.workshop import (
        SharedDatabaseRequired,
        WorkshopError,
        Workshops,
        parse_duration,
        require_shared_database,
    )
    from flightschool.ui.printable import html_page, text_list

    base = getattr(args, "url", None) or settings.current().public_url or "http://localhost:8501"
    try:
        url = database_url()
        require_shared_database(url)
        shop = Workshops(ProgressStore(make_engine(url)))
        if args.action == "create":
            links = shop.create(args.name, args.learners, parse_duration(args.expires))
        elif args.action == "add":
            links = [
                shop.add(
                    args.name,
                    role="instructor" if args.instructor else "learner",
                    learner=args.learner,
                )
            ]
        elif args.action == "renew":
            links = [shop.renew(args.learner)]
        elif args.action == "revoke":
            shop.revoke(args.learner)
            print(f"Revoked {args.learner}'s link; their progress is kept.")
            return 0
        elif args.action == "announce":
            shop.announce(args.text, by="cli")
            print("Announcement taken down." if not args.text.strip() else "Announced.")
            return 0
        else:
            now = datetime.now(UTC)
            people = [
                {
                    "learner": m.learner,
                    "role": m.role,
                    "state": m.state(now),
                    "expires_at": m.expires_at.isoformat(),
                }
                for m in shop.members(args.name)
            ]
            if args.json:
                print(json.dumps(people, indent=2))
            else:
                for p in people:
                    print(f"{p['learner']:<28} {p['role']:<11} {p['state']:<8} {p['expires_at']}")
            return 0
    except (WorkshopError, SharedDatabaseRequired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(
            f"error: the progress database is unreachable: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0][:200]}",
            file=sys.stderr,
        )
        return 2
    print(text_list(links, base), end="")
    if args.print is not None:
        title = getattr(args, "name", "") or links[0].learner
        try:  # owner-only from the first byte: the links are keys
            handle = os.open(args.print, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(html_page(title, links, base))
        except OSError as exc:
            print(f"error: could not write {args.print}: {exc}", file=sys.stderr)
            return 2
        print(f"Printable page with QR codes: {args.print}")
    print("These links are shown once: only their hashes are stored.", file=sys.stderr)
    return 0


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
