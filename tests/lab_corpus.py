"""The lab corpus: for each lab, submissions of our own under tests/labs/<lab-id>/, listed in
its cases.yaml. Correct variants (`fails: []`) are written differently from the reference and
must pass every check; near misses must fail exactly the checks they name, no more, no fewer,
so a check that starts failing for the wrong reason is caught too.

A case folder is a complete submission, unless its entry says `base: solution`: then the
lab's solution files are laid down first and the case's files replace them one by one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from flightschool.content.labs import Lab

CORPUS = Path(__file__).parent / "labs"


@dataclass(frozen=True)
class Case:
    lab: str
    name: str
    fails: tuple[str, ...]
    base: str | None
    why: str

    @property
    def folder(self) -> Path:
        return CORPUS / self.lab / self.name

    @property
    def correct(self) -> bool:
        return not self.fails

    def materialise(self, lab: Lab, into: Path) -> Path:
        """The submission folder to grade: the case alone, or the solution under it."""
        if self.base is None:
            return self.folder
        target = into / f"{self.lab}-{self.name}"
        shutil.copytree(lab.folder / self.base, target)
        shutil.copytree(self.folder, target, dirs_exist_ok=True)
        return target


def load_cases(lab_id: str) -> list[Case]:
    path = CORPUS / lab_id / "cases.yaml"
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Case(
            lab=lab_id,
            name=str(entry["name"]),
            fails=tuple(sorted(entry.get("fails") or [])),
            base=entry.get("base"),
            why=str(entry.get("why") or ""),
        )
        for entry in data.get("cases") or []
    ]


def corpus_labs() -> list[str]:
    return sorted(p.parent.name for p in CORPUS.glob("*/cases.yaml"))
