"""The `flightschool` command. Exit codes: 0 ok, 1 a check failed, 2 usage or environment."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flightschool", description=__doc__)
    sub = parser.add_subparsers()

    app = sub.add_parser("app", help="serve the course app (streamlit run app.py)")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(func=_app)

    content = sub.add_parser("content", help="lint and count course content").add_subparsers()
    validate = content.add_parser("validate", help="check every lesson and quiz; file:line errors")
    validate.add_argument("--root", type=Path, default=None)
    validate.set_defaults(func=_validate)
    return parser


def _app(args: argparse.Namespace) -> int:
    from streamlit.web import cli as stcli

    sys.argv = ["streamlit", "run", str(project_root() / "app.py"), "--server.port", str(args.port)]
    return int(stcli.main() or 0)  # type: ignore[func-returns-value]


def _validate(args: argparse.Namespace) -> int:
    root = (args.root or project_root()).resolve()
    catalog = load_catalog(root)
    for error in catalog.errors:
        print(error.relative_to(root))
    questions = sum(1 for _ in catalog.questions())
    summary = f"{len(catalog.lessons)} lessons, {len(catalog.banks)} quiz banks, {questions} questions"
    if catalog.errors:
        print(f"{len(catalog.errors)} problem(s); {summary}", file=sys.stderr)
        return 1
    print(f"content OK: {summary}")
    return 0


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
