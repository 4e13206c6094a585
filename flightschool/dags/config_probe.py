"""Runs INSIDE a sandboxed child process: loads the learner's airflow.cfg (AIRFLOW_CONFIG)
and pod template the way Airflow does, and writes one JSON object with the run's nonce on
the private channel (see dags/probe.py). Started by `flightschool.dags.config`.

Output: the options asked for (as Airflow reads them, defaults included), every option in
the file that the installed Airflow and its providers do not define (with its line), the
pod template deserialised by the provider, or the error that loading it raised, and, when
`core.executor` is asked for, Airflow's short executor names with the module path of each.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from pathlib import Path
from typing import Any

REFUSED_SUFFIXES = ("_cmd", "_secret")
_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_OPTION = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*[=:]")


def _options_in_file(text: str) -> list[tuple[str, str, int]]:
    out, section = [], ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("#", ";")):
            continue
        if m := _SECTION.match(line):
            section = m.group(1).strip()
            out.append((section, "", number))
        elif (m := _OPTION.match(line)) and section:
            out.append((section, m.group(1).lower(), number))
    return out


def probe(config_file: str, wanted: list[str], template: str | None) -> dict[str, Any]:
    from airflow.configuration import conf

    conf.load_providers_configuration()
    known = conf.configuration_description
    unknown = []
    entries = _options_in_file(Path(config_file).read_text(encoding="utf-8"))
    for section, option, line in entries:
        if section not in known:
            if not option:
                unknown.append({"line": line, "option": f"[{section}]", "why": "no such section"})
            continue
        if option and option not in known[section].get("options", {}):
            unknown.append({"line": line, "option": f"{section}.{option}", "why": "no such option"})
    options = {}
    for name in wanted:
        section, _, option = name.partition(".")
        options[name] = conf.get(section, option, fallback=None)
    out: dict[str, Any] = {"options": options, "unknown": unknown}
    if "core.executor" in wanted:
        out["executors"] = core_executors()
    if template:
        from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator
        from kubernetes.client import ApiClient

        try:
            pod = PodGenerator.deserialize_model_file(template)
            out["template"] = ApiClient().sanitize_for_serialization(pod)
        except Exception as exc:
            out["template_error"] = f"{type(exc).__name__}: {exc}"
    return out


def core_executors() -> dict[str, str]:
    """The executors Airflow knows by a short name, with the module path each name loads
    (`KubernetesExecutor` -> `airflow.providers.cncf.kubernetes...KubernetesExecutor`)."""
    from airflow.executors.executor_constants import CORE_EXECUTOR_NAMES
    from airflow.executors.executor_loader import ExecutorLoader

    return {
        name: str(ExecutorLoader.executors[name])
        for name in sorted(CORE_EXECUTOR_NAMES)
        if name in ExecutorLoader.executors
    }


def refused_options(text: str) -> list[tuple[str, str, int]]:
    """Options that make Airflow run a command or ask a secrets backend (`*_cmd`,
    `*_secret`): (section, option, line) for each."""
    return [
        (section, option, line)
        for section, option, line in _options_in_file(text)
        if option.endswith(REFUSED_SUFFIXES)
    ]


def main(argv: list[str]) -> int:
    from flightschool.dags.probe import open_channel

    channel, nonce = open_channel()
    config_file, template, wanted = argv[0], argv[1] or None, argv[2:]
    try:
        result = probe(config_file, wanted, template)
    except Exception:
        result = {"error": traceback.format_exc().strip().splitlines()[-1]}
    channel.write(json.dumps({"nonce": nonce, "result": result}).encode() + b"\n")
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
