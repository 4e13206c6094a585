"""Transparent rubric scoring of free-text interview answers.

A key point is a fact (synonym phrases, case-insensitive and whole-word, or regex patterns).
A point with a `subject` is earned only when the fact is tied to that subject in the same
clause: each fact is attributed to the nearest mention before it of the subjects competing
for it (CPU or memory for "throttled"), else the nearest after it, else the subject carried
over from earlier in the sentence (or from the previous sentence when this one opens with
"it" or "they"). The same fact tied to the wrong subject earns nothing and, when the question
lists that swap, is a misconception: shown with its sentence, it lowers the score. A negated
mention ("you should not set limits") counts for neither. Every verdict carries its evidence.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache

from flightschool.content.models import Concept, Interview, KeyPoint, Misconception

NEGATORS = re.compile(
    r"\b(not|never|no|don't|dont|doesn't|doesnt|didn't|shouldn't|shouldnt|mustn't|can't|cannot|won't|wouldn't|"
    r"couldn't|needn't|"
    r"isn't|aren't|avoid|avoiding|without|instead of|rather than|neither|nor)\b",
    re.IGNORECASE,
)
NEGATION_WINDOW = 6  # words before the match that can negate it
# A negator followed by a verb of its own negates that verb, not the match.
_OWN_VERB = re.compile(r"\b(is|are|was|were|gets?|got|becomes?)\b", re.IGNORECASE)
# "a LimitRange isn't needed", "pools don't matter": negated by what follows.
_NEGATED_AFTER = re.compile(
    r"^\W*(\w+\W+){0,2}?(isn't|is not|aren't|are not|doesn't|does not|don't|do not|never|won't|"
    r"will not|wouldn't)\s+(\w+\s+)?(needed|required|necessary|matters?|happens?|apply|applies|"
    r"relevant|used|works?|helps?|useful|important)\b",
    re.IGNORECASE,
)
MAX_ANSWER_CHARS = 20_000  # a long written answer is ~3,000; the rest is not read
# Sentence ends, blank lines and list items end a sentence; a wrapped line does not.
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n\s*\n|\n\s*(?=[-*•]|\d+[.)]\s)")
# Clause breaks inside a sentence: semicolons, dashes, contrasts, ", and"/", so" joins.
_CLAUSES = re.compile(
    r"\s*;\s*|\s+[—–-]\s+|,\s+(?=(?:and|but|so|while|whereas|whilst|yet|unlike|though)\b)"
    r"|\s+(?=(?:but|whereas|while|whilst|although)\b)",
    re.IGNORECASE,
)
# A subject named after these is the contrast, not who the clause is about.
_CONTRAST = re.compile(
    r"\b(unlike|than|not|rather than|instead of|as opposed to|compared (?:with|to)|except)\s*$",
    re.IGNORECASE,
)
# A sentence opening with these continues the previous sentence's subject.
_CARRIES_ON = re.compile(r"^\W*(it|its|it's|they|their|them|this|that|these|those|then)\b", re.I)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ENGLISH = re.compile(
    r"\b(the|a|an|is|are|it|to|of|and|in|on|for|with|that|this|be|by|as|or|if|when|so|you|your|"
    r"its|they|their|then|which|from|not|can|will|would|was|has|have|do|does|at)\b",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]")
_FOREIGN_LETTER = re.compile(r"[^\W\d_a-zA-Z]")


@dataclass(frozen=True)
class PointResult:
    id: str
    text: str
    weight: float
    found: bool
    evidence: str = ""  # the clause that earned the point
    negated: str = ""  # a sentence that mentioned the point but negated it


@dataclass(frozen=True)
class MisconceptionResult:
    id: str
    said: str
    correction: str
    weight: float
    evidence: str  # the sentence that said it

    @property
    def message(self) -> str:
        return f"You said {self.said}: {self.correction}"


@dataclass(frozen=True)
class Scored:
    question: str
    coverage: float
    points: float
    max_points: float
    key_points: tuple[PointResult, ...]
    misconceptions: tuple[MisconceptionResult, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def missed(self) -> tuple[PointResult, ...]:
        return tuple(p for p in self.key_points if not p.found)

    @property
    def covered(self) -> tuple[PointResult, ...]:
        return tuple(p for p in self.key_points if p.found)

    def as_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "coverage": self.coverage,
            "score": self.points,
            "max_score": self.max_points,
            "misconceptions": [asdict(m) | {"message": m.message} for m in self.misconceptions],
            "key_points": [asdict(p) for p in self.key_points],
            "notes": list(self.notes),
        }


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _matchers(concepts: Sequence[Concept]) -> list[re.Pattern[str]]:
    phrases = tuple(
        sorted({p for c in concepts for p in c.any if p.strip()}, key=len, reverse=True)
    )
    return ([_phrases(phrases)] if phrases else []) + [
        _pattern(p) for c in concepts for p in c.patterns
    ]


@cache
def _phrases(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """All phrases in one regex, longest first: one pass over the answer instead of many."""
    alternatives = (r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def sentences(answer: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.split(answer) if s.strip()]


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    clause: int


class _Text:
    """The answer cut into sentences and clauses once; hits are located by offset."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.clauses: list[tuple[int, int, int]] = []  # start, end, sentence index
        for number, (s_start, s_end) in enumerate(_spans(text, _SENTENCES, 0, len(text))):
            for c_start, c_end in _spans(text, _CLAUSES, s_start, s_end):
                self.clauses.append((c_start, c_end, number))
        self.sentence_spans: dict[int, tuple[int, int]] = {}
        for start, end, number in self.clauses:
            first, _ = self.sentence_spans.get(number, (start, end))
            self.sentence_spans[number] = (first, end)
        self._starts = [c[0] for c in self.clauses]

    def hits(self, matchers: Sequence[re.Pattern[str]]) -> list[_Hit]:
        out = []
        for matcher in matchers:
            for m in matcher.finditer(self.text):
                if m.end() > m.start():
                    out.append(_Hit(m.start(), m.end(), self.clause_of(m.start())))
        return out

    def clause_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def clause(self, index: int) -> str:
        start, end, _ = self.clauses[index]
        return self.text[start:end].strip()

    def sentence(self, index: int) -> str:
        start, end = self.sentence_spans[self.clauses[index][2]]
        return self.text[start:end].strip()

    def negated(self, hit: _Hit, inside: bool = False) -> bool:
        """A negator in the words before the hit (or, for a claim, inside it) negates it,
        unless a verb of its own sits between them ("a pod that doesn't set them is rejected")."""
        lead = self.text[self.clauses[hit.clause][0] : hit.start]
        before = lead[lead.rfind(":") + 1 :].split()[-NEGATION_WINDOW:]  # "no X: use Y"
        said = " ".join(before) + (" " + self.text[hit.start : hit.end] if inside else "")
        after = self.text[hit.end : self.clauses[hit.clause][1]]
        negators = list(NEGATORS.finditer(said))
        if negators and not _OWN_VERB.search(said[negators[-1].end() :]):
            return True
        return bool(_NEGATED_AFTER.search(after))


def _spans(text: str, splitter: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    out, at = [], start
    for sep in splitter.finditer(text, start, end):
        if text[at : sep.start()].strip():
            out.append((at, sep.start()))
        at = sep.end()
    if text[at:end].strip():
        out.append((at, end))
    return out


class _Attribution:
    """Who a fact in a clause is about, among the subjects competing for it."""

    def __init__(self, text: _Text, question: Interview) -> None:
        self.text = text
        self.mentions: dict[str, list[_Hit]] = {}
        for name, concept in question.subjects.items():
            found = [
                h
                for h in text.hits(_matchers([concept]))
                if not _CONTRAST.search(text.text[text.clauses[h.clause][0] : h.start])
            ]
            self.mentions[name] = sorted(found, key=lambda h: h.start)

    def subject_of(self, fact: _Hit, competitors: set[str]) -> tuple[str | None, bool]:
        """The subject the fact is tied to, and whether it was carried over (not in the clause)."""
        inside = [
            (name, h)
            for name in competitors
            for h in self.mentions.get(name, ())
            if h.clause == fact.clause and (h.end <= fact.start or h.start >= fact.end)
        ]
        before = [(h.end, name) for name, h in inside if h.end <= fact.start]
        if before:
            return max(before)[1], False
        after = [(h.start, name) for name, h in inside if h.start >= fact.end]
        if after:
            return min(after)[1], False
        clauses = self.text.clauses
        sentence = clauses[fact.clause][2]
        allowed = {sentence}
        if _CARRIES_ON.search(self.text.sentence(fact.clause)):
            allowed.add(sentence - 1)  # one sentence back, only for "it"/"they" openings
        index = fact.clause - 1
        while index >= 0 and clauses[index][2] in allowed:
            earlier = [
                (h.end, name)
                for name in competitors
                for h in self.mentions.get(name, ())
                if h.clause == index
            ]
            if earlier:
                return max(earlier)[1], True
            index -= 1
        return None, False


@dataclass
class _Entry:
    """A rubric point or a misconception, with its fact hits in this answer."""

    id: str
    subject: str | None
    hits: list[_Hit]
    claim: bool = False  # a misconception's own claim: a negator inside it negates it too


def _language_note(text: str) -> str:
    """A note when the answer is mostly another script, or has almost no English words."""
    letters = len(_LETTER.findall(text))
    if letters < 20:
        return ""
    words = len(_WORD.findall(text))
    foreign = len(_FOREIGN_LETTER.findall(text)) / letters
    english = len(_ENGLISH.findall(text)) / max(1, words)
    if foreign > 0.3 or (words >= 8 and english < 0.08):
        return (
            "Few English sentences were found. The rubric reads English wording and how terms "
            "relate within a sentence, so points made in another language or as a bare list "
            "of terms mostly go unscored (names such as option keys still count). Write full "
            "English sentences for a fair score."
        )
    return ""


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return frozenset(tuple(words[i : i + 3]) for i in range(len(words) - 2))


@cache
def _model_shingles(model_answer: str) -> frozenset[tuple[str, ...]]:
    return _shingles(model_answer)


def _borrowed_from(answer: str, others: Sequence[Interview]) -> str:
    """The id of another question whose model answer this answer mostly repeats."""
    mine = _shingles(answer)
    if len(mine) < 25:
        return ""
    best, best_id = 0.0, ""
    for other in others:
        share = len(mine & _model_shingles(other.model_answer)) / len(mine)
        if share > best:
            best, best_id = share, other.id
    return best_id if best >= 0.5 else ""


def score_answer(question: Interview, answer: str, others: Sequence[Interview] = ()) -> Scored:
    """Score an answer; `others` (the rest of the bank) lets a pasted model answer of another
    question be named in the notes."""
    notes: list[str] = []
    if not answer.strip():
        notes.append("The answer is empty, so there is nothing to score.")
    if len(answer) > MAX_ANSWER_CHARS:
        notes.append(
            f"The answer is {len(answer):,} characters long; only the first "
            f"{MAX_ANSWER_CHARS:,} were scored. An interview answer is rarely above 3,000."
        )
    text = _Text(answer[:MAX_ANSWER_CHARS])
    if note := _language_note(text.text):
        notes.append(note)
    foreign = [q for q in others if q.id != question.id]
    if borrowed := _borrowed_from(text.text, foreign):
        notes.append(
            f"This reads like the model answer of another question ({borrowed}); only what "
            "answers this question counts."
        )

    who = _Attribution(text, question)
    points = {
        p.id: _Entry(p.id, p.subject, text.hits(_matchers(p.concepts))) for p in question.rubric
    }
    wrongs = {
        w.id: _Entry(
            w.id,
            w.subject,
            text.hits(_matchers(question.point(w.swaps).concepts if w.swaps else w.concepts)),
            claim=not w.swaps and not w.negative,
        )
        for w in question.misconceptions
    }
    by_clause: dict[int, list[tuple[_Hit, str | None]]] = {}
    for entry in (*points.values(), *wrongs.values()):
        for hit in entry.hits:
            by_clause.setdefault(hit.clause, []).append((hit, entry.subject))

    def tied(
        entry: _Entry, wrong_clauses: frozenset[int] = frozenset()
    ) -> tuple[_Hit | None, bool, _Hit | None]:
        """The first hit tied to the entry's subject (outside clauses that stated a
        misconception), whether it was carried over, and the first negated hit."""
        negated = None
        for hit in sorted(entry.hits, key=lambda h: h.start):
            if hit.clause in wrong_clauses:
                continue
            if text.negated(hit, entry.claim):
                negated = negated or hit
                continue
            if entry.subject is None:
                return hit, False, negated
            competitors = {
                s
                for other, s in by_clause.get(hit.clause, ())
                if s and other.start < hit.end and hit.start < other.end
            } | {entry.subject}
            subject, carried = who.subject_of(hit, competitors)
            if subject == entry.subject:
                return hit, carried, negated
        return None, False, negated

    found: list[MisconceptionResult] = []
    wrong_clauses: set[int] = set()
    for wrong in question.misconceptions:
        entry = wrongs[wrong.id]
        while True:
            said, _, _ = tied(entry)
            if said is None:
                break
            if _excused(wrong, text.sentence(said.clause)):
                entry.hits = [h for h in entry.hits if h != said]
                continue
            wrong_clauses.add(said.clause)
            if all(m.id != wrong.id for m in found):
                found.append(_misconception_result(wrong, _clip(text.sentence(said.clause))))
            entry.hits = [h for h in entry.hits if h.clause != said.clause]
    results = []
    for point in question.rubric:
        earned_by, carried, negated = tied(points[point.id], frozenset(wrong_clauses))
        evidence = (
            ""
            if earned_by is None
            else (text.sentence if carried else text.clause)(earned_by.clause)
        )
        results.append(_point_result(point, earned_by is not None, evidence, negated, text))
    total = sum(p.weight for p in results)
    earned = sum(p.weight for p in results if p.found) - sum(m.weight for m in found)
    coverage = round(max(0.0, earned) / total, 4) if total else 0.0
    return Scored(
        question.id,
        coverage,
        round(question.points * coverage, 4),
        question.points,
        tuple(results),
        tuple(found),
        tuple(notes),
    )


def _excused(wrong: Misconception, sentence: str) -> bool:
    return any(m.search(sentence) for m in _matchers(wrong.unless))


def _point_result(
    point: KeyPoint, found: bool, evidence: str, negated: _Hit | None, text: _Text
) -> PointResult:
    said = "" if found or negated is None else _clip(text.sentence(negated.clause))
    return PointResult(point.id, point.text, point.weight, found, _clip(evidence), said)


def _misconception_result(wrong: Misconception, evidence: str) -> MisconceptionResult:
    return MisconceptionResult(wrong.id, wrong.said, wrong.correction, wrong.weight, evidence)


def _clip(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
