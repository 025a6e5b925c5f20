"""A bundle: one instrument's law as a folder of data files, loaded and cross-checked.

``bundle.yaml`` names the instrument, its sources and its final clauses; ``provisions.yaml``
holds chapters and articles; ``constants.yaml`` the dated values the product computes with;
``measures.yaml`` (where the instrument has cooperation measures) one row of facts per measure;
``screening.yaml`` the screening rules the instrument applies, each with what it cites there.
``groups.yaml`` (where a final clause counts States by what they are) dated group membership.
``obligations.yaml`` (where the instrument reaches companies) the obligations catalogue.
Beyond each file's own schema, the loader checks the bundle as a whole: every citation points
at a provision that exists and a source that is listed, a source that is only a recollection is
never marked verified, and the article count matches what the instrument declares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.errors import ProblemCollector, RogatoryError
from rogatory.law import revision as revisions
from rogatory.law.calendar import Delay
from rogatory.law.citation import (
    Attestation,
    Citation,
    Level,
    parse_provision_id,
    register_bundle,
)
from rogatory.law.dated import DatedValue, Resolution
from rogatory.law.entry_into_force import EntryIntoForceRule
from rogatory.law.groups import Group, GroupsFile
from rogatory.law.loader import M, read_yaml, validate
from rogatory.law.obligations import ObligationsFile
from rogatory.law.provisions import Article, Chapter, ProvisionsFile


class Reliability(StrEnum):
    OFFICIAL = "official"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    RECOLLECTION = "recollection"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    url: str | None = None
    reliability: Reliability
    level: Level = Field(
        description="the best verification level an item resting on this source can claim"
    )
    note: str | None = None


class SignatureWindow(BaseModel):
    """When, and for whom, the instrument is open for signature.

    ``closes`` is None for an instrument open for signature without a time limit (Budapest
    Art 36(1)); ``open_to`` says in plain words who may sign, as the clause does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    opens: date
    closes: date | None
    open_to: str | None = None
    open_to_groups: list[str] = Field(
        default_factory=list,
        description="group ids: when given, only a State that is a member of one of them on "
        "the day it signs may sign",
    )
    cite: Citation

    def describe(self) -> str:
        return f"{self.opens} to {self.closes}" if self.closes else f"from {self.opens}"


class Denunciation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    delay: Delay
    cite: Citation


class Accession(BaseModel):
    """Who may accede, and when: open to all (UNTOC) or by invitation, after entry into force,
    to States outside a group (Budapest Art 37(1): a State "which is not a member of the
    Council")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = "accession"
    after_entry_into_force: bool
    by_invitation: bool
    not_open_to: list[str] = Field(
        default_factory=list,
        description="group ids: a State that is a member of one of them on the day of its "
        "deposit cannot accede",
    )
    cite: Citation


class Permitted(BaseModel):
    """The reservations (or declarations) the instrument provides for, as provision ids.

    ``closed`` records "No other reservation may be made" (Budapest Art 42): a statement
    concerning any other provision is then refused when a declarations file is read.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    closed: bool
    provisions: list[str] = Field(min_length=1)
    when: str | None = Field(default=None, description="when they may be made, in plain words")
    cite: Citation

    def permits(self, provision_id: str) -> bool:
        """A provision listed, or a paragraph or item inside one listed (29:para-4.a)."""
        return any(
            provision_id == p
            or provision_id.startswith(p + (":para-" if p.count(":") == 1 else "."))
            for p in self.provisions
        )


class RecordedDate(BaseModel):
    """A date the depositary records (the treaty's entry into force), kept beside what the
    engine computes so that a test can show the two agree."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: date
    cite: Attestation


class FinalClauses(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    signature: SignatureWindow
    consent_kinds: list[str] = Field(min_length=1)
    accession: Accession | None = None
    entry_into_force: EntryIntoForceRule
    recorded_entry_into_force: RecordedDate | None = None
    denunciation: Denunciation
    reservations: Permitted | None = None
    declarations: Permitted | None = None


class Adoption(BaseModel):
    """The adoption is the adopting body's act, attested by a source, not an article."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: date
    by: str
    cite: Attestation


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    instrument: str = Field(pattern=r"^[A-Z][A-Z0-9]*$")
    title: str
    short_title: str
    adopted: Adoption
    articles_expected: int = Field(ge=1)
    provisions_complete: bool
    related_instruments: list[str] = Field(default_factory=list)
    sources: dict[str, Source] = Field(min_length=1)
    final_clauses: FinalClauses

    @model_validator(mode="after")
    def _accession_kind(self) -> Self:
        acc = self.final_clauses.accession
        if acc is not None and acc.kind not in self.final_clauses.consent_kinds:
            raise ValueError(
                f"final_clauses.accession: {acc.kind!r} is not one of the consent_kinds"
            )
        return self


class MeasureKind(StrEnum):
    PRESERVATION = "preservation"
    DISCLOSURE = "disclosure"
    PRODUCTION = "production"
    REAL_TIME = "real_time"
    INTERCEPTION = "interception"
    MLA = "mla"
    EMERGENCY = "emergency"


class RequiredItem(BaseModel):
    """One item a request for the measure must contain: the request field that holds it, and
    what the provision asks for, in its words (``(a) the authority seeking the
    preservation``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(min_length=1, description="the request document's dotted field name")
    asks: str = Field(min_length=1)


class DeadlineKind(StrEnum):
    """What a time limit of a measure governs."""

    ACT = "act"  # how fast the requested State acts on the request ("expeditiously")
    PRESERVE_AT_LEAST = "preserve_at_least"  # the shortest preservation (a number of days)
    CONTINUE_PENDING = "continue_pending"  # preservation continues pending a decision (yes/no)


# The kinds whose value is a dated constant (the number or the yes/no the product computes
# with), and those that are the treaty's words only.
CONSTANT_DEADLINES = (DeadlineKind.PRESERVE_AT_LEAST, DeadlineKind.CONTINUE_PENDING)


class MeasureDeadline(BaseModel):
    """One time limit the treaty sets for a measure. A number the product computes with
    (the 60-day minimum) stays a dated, cited constant, named here, so a hold, the screening
    and ``rogatory basis`` read the same value on the same date; a limit the treaty puts in
    words only ("expeditiously", "as soon as possible") is quoted with its citation, and a
    case's response dates, which no treaty fixes, stay the service's policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DeadlineKind
    constant: str | None = Field(
        default=None, description="the dated constant that holds the value (constants.yaml)"
    )
    words: str | None = Field(default=None, description="the treaty's words, quoted")
    cite: Citation | None = Field(
        default=None, description="where the words are (a constant carries its own citation)"
    )

    @model_validator(mode="after")
    def _value_or_words(self) -> Self:
        if self.kind in CONSTANT_DEADLINES:
            if self.constant is None:
                raise ValueError(f"a {self.kind.value} deadline names its constant")
        elif self.constant is not None:
            raise ValueError(f"a {self.kind.value} deadline is words, not a constant")
        if self.constant is None and (self.words is None or self.cite is None):
            raise ValueError("a deadline in words quotes them (words) and cites them (cite)")
        return self


class MeasureFacts(BaseModel):
    """One measure's facts, stated once: every rule, form and guard that needs them reads them
    here, so a measure's articles or grounds can never differ between two places."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    articles: list[int] = Field(
        min_length=1,
        description="the article a request for the measure is made under first, then the "
        "powers it rests on; a reservation concerning any of them concerns the measure",
    )
    kind: MeasureKind
    evidence: bool = Field(
        description="collects, obtains, preserves or shares evidence in electronic form: in "
        "scope for any serious crime, not only for the instrument's own offences"
    )
    intrusive: bool = False
    intrusive_categories: list[str] = Field(
        default_factory=list, description="data categories that make a request intrusive"
    )
    step_of: str | None = Field(
        default=None,
        description="the measure this one is a step of, taken while executing it; it is "
        "not requested on its own",
    )
    grounds: list[str] = Field(
        description="the grounds for refusal (rule ids) that apply to this measure"
    )
    grounds_closed: bool = Field(
        description="'may only be refused' on these grounds: no other ground applies"
    )
    grounds_cite: Citation
    required: list[RequiredItem] = Field(
        default_factory=list,
        description="what a request for the measure must contain, as the treaty lists it "
        "(none: the treaty lists no contents for it)",
    )

    deadlines: list[MeasureDeadline] = Field(
        default_factory=list,
        description="the time limits the treaty sets for the measure (none: it sets none)",
    )

    @model_validator(mode="after")
    def _one_deadline_per_kind(self) -> Self:
        kinds = [d.kind for d in self.deadlines]
        twice = sorted({k.value for k in kinds if kinds.count(k) > 1})
        if twice:
            raise ValueError(f"deadlines: more than one of kind {', '.join(twice)}")
        return self

    def deadline(self, kind: DeadlineKind) -> MeasureDeadline | None:
        """The measure's time limit of ``kind``, if the treaty sets one."""
        return next((d for d in self.deadlines if d.kind is kind), None)

    def intrusive_because(self, categories: Iterable[str]) -> list[str]:
        """Why a request for this measure asking for ``categories`` is intrusive (empty if it
        is not): the one definition the screening's safeguards and the four-eyes guard share."""
        why = [f"{c} data" for c in categories if c in self.intrusive_categories]
        return [*why, self.title.lower()] if self.intrusive else why


class MeasuresFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    measures: dict[str, MeasureFacts] = Field(min_length=1)


class RuleCites(BaseModel):
    """One screening rule as this treaty applies it: the provisions it rests on, and how its
    reasons name them (the rule functions are shared; the words of each treaty are its own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cites: list[str] = Field(min_length=1)
    basis: str | None = Field(
        default=None,
        description="how the rule's reasons name the provision it rests on in this treaty, "
        "e.g. 'Art 27(8)' or 'the model UNTOC Art 18(20)'",
    )
    statement: str | None = Field(
        default=None,
        description="the rule's statement in this treaty's terms, where the shared rule's "
        "own statement speaks of another treaty's provisions",
    )
    governed: bool = Field(
        default=False,
        description="the provision applies only where no other treaty governs the request "
        "(Budapest Art 27(1)): another governing treaty makes the finding not applicable",
    )


class OffenceArticles(BaseModel):
    """The articles establishing the treaty's offences (UN Convention Arts 7-17, Budapest Arts
    2-11): a request names the conduct by them, and the scope rule reads them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: int = Field(ge=1)
    last: int = Field(ge=1)
    forms_article: int = Field(
        ge=1, description="the article on participation and attempt (UN Art 19, Budapest Art 11)"
    )
    forms: list[str] = Field(
        description="the forms of taking part, besides commission, that article establishes"
    )
    optional_forms: list[str] = Field(
        default_factory=list,
        description="forms that article lets each State choose to establish or not (UN Art 19: "
        "attempt and preparation): an offence in such a form is the treaty's offence only once "
        "the requested State says it has established it",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last < self.first:
            raise ValueError("offences.last is before offences.first")
        if not set(self.optional_forms) <= set(self.forms):
            raise ValueError("offences.optional_forms must be among offences.forms")
        return self

    @property
    def label(self) -> str:
        return f"Arts {self.first}-{self.last}"

    def __contains__(self, article: object) -> bool:
        return isinstance(article, int) and self.first <= article <= self.last


class ScreeningFacts(BaseModel):
    """What the shared screening rules need to know of a treaty beyond its measures table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offences: OffenceArticles
    evidence_of: str = Field(
        pattern=r"^(serious_crime|any_offence)$",
        description="beyond the treaty's own offences, the offences whose evidence in "
        "electronic form is in scope: serious_crime (a threshold, the constant "
        "serious_crime.min_statutory_max_years) or any_offence (no threshold)",
    )
    related_offences: bool = Field(
        default=False,
        description="every form of co-operation is in scope for any criminal offence related "
        "to computer systems and data, not only the treaty's own (Budapest Arts 23, 25(1))",
    )
    general_articles: list[int] = Field(
        default_factory=list,
        description="articles whose reservations concern every measure",
    )
    preservation_reservation_article: int | None = Field(
        default=None,
        description="the article whose reservation (dual criminality for preservation) "
        "reaches only offences other than the treaty's own",
    )
    fiscal_not_a_ground_for: str = Field(
        default="any_offence",
        pattern=r"^(any_offence|treaty_offences)$",
        description="the fiscal character of the offence alone is no ground for refusal: for "
        "any offence, or only for the treaty's own (Budapest Art 25(4))",
    )
    definitions: dict[str, str] = Field(
        default_factory=dict,
        description="where the treaty defines each data category, e.g. traffic: 'Art 1(d)'",
    )


class ScreeningFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    treaty: ScreeningFacts
    rules: dict[str, RuleCites] = Field(min_length=1)


class ConstantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    constants: dict[str, DatedValue]


@dataclass(frozen=True)
class FinalClauseValue:
    name: str
    description: str
    value: int | bool | str
    unit: str | None
    cite: Citation


@dataclass(frozen=True)
class Bundle:
    """A loaded, validated bundle."""

    root: Path
    manifest: Manifest
    chapters: tuple[Chapter, ...]
    articles: tuple[Article, ...]
    constants: dict[str, DatedValue]
    measures: dict[str, MeasureFacts]
    screening: dict[str, tuple[str, ...]]
    groups: dict[str, Group] = field(default_factory=dict)
    screening_facts: ScreeningFacts | None = None
    screening_rules: dict[str, RuleCites] = field(default_factory=dict)
    obligations: ObligationsFile | None = None

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def instrument(self) -> str:
        return self.manifest.instrument

    @cached_property
    def revision(self) -> str:
        return revisions.revision(self.root)

    @cached_property
    def _articles(self) -> dict[int, Article]:
        return {a.number: a for a in self.articles}

    def article(self, number: int) -> Article | None:
        return self._articles.get(number)

    def chapter(self, number: str) -> Chapter | None:
        return next((c for c in self.chapters if c.number == number), None)

    def place(self, article: Article) -> str:
        """ "Chapter II, Section 2, Title 3": where the article stands in the instrument."""
        chapter = self.chapter(article.chapter)
        parts = [f"Chapter {article.chapter}"]
        if chapter is not None:
            parts += [
                f"{d.kind.capitalize()} {d.number}" for d in chapter.divisions_of(article.number)
            ]
        return ", ".join(parts)

    def measure_deadline(self, measure: str, kind: DeadlineKind) -> MeasureDeadline | None:
        """The time limit of ``kind`` the measures table sets for ``measure``. A preservation
        limit (the minimum period, continuing pending the decision) governs every hold made on
        request, so a measure that sets none itself takes that of the measure it is a step of,
        and then that of the treaty's preservation measure; a limit on acting is the
        measure's own."""
        facts = self.measures.get(measure)
        own = facts.deadline(kind) if facts else None
        if own is not None or kind not in CONSTANT_DEADLINES:
            return own
        parent = self.measures.get(facts.step_of) if facts and facts.step_of else None
        found = parent.deadline(kind) if parent else None
        if found is not None:
            return found
        return next(
            (
                d
                for f in self.measures.values()
                if f.kind is MeasureKind.PRESERVATION
                for d in f.deadlines
                if d.kind is kind
            ),
            None,
        )

    def constant(self, name: str, on: date) -> Resolution:
        if name not in self.constants:
            raise RogatoryError("law.unknown_constant", f"{self.id} has no constant {name!r}")
        return self.constants[name].at(name, on)

    def values_from(self) -> date | None:
        """The first day on which every dated constant of the bundle has an entry in effect:
        before it the law data gives some values none (not yet effective), so a case looked
        at as of an earlier date could not be worked (no minimum for a hold, for one)."""
        firsts = [
            min((e.effective_from for e in c.history if e.effective_from is not None), default=None)
            for c in self.constants.values()
        ]
        known = [d for d in firsts if d is not None]
        return max(known) if known else None

    def citation(self, article: int, paragraph: str | None = None) -> Citation:
        """The citation of an encoded provision, with its own verification status."""
        art = self.article(article)
        if art is None:
            raise RogatoryError(
                "rules.unknown_provision", f"{self.instrument} has no Article {article}"
            )
        try:
            return art.citation(self.instrument, paragraph)
        except KeyError:
            raise RogatoryError(
                "rules.unknown_provision",
                f"{self.instrument} Article {article} has no paragraph {paragraph!r}",
            ) from None

    def content_citation(self, article: int, paragraph: str | None = None) -> Citation:
        """The citation a rule resting on a provision's content gives: a paragraph's own, or,
        for a whole article, the level of its summary and conditions (``summary_cite``), not
        that of its number and title; a finding cites what it rests on."""
        cite = self.citation(article, paragraph)
        art = self.article(article)
        if paragraph is not None or art is None or not (art.summary or art.conditions):
            return cite
        return Citation(
            instrument=self.instrument,
            article=article,
            paragraph=None,
            **art.summary_attestation.model_dump(),
        )

    def part_citations(self, rule_id: str) -> list[Citation]:
        """The parts of articles (statements at their own level) a rule's findings rest on."""
        return [
            Citation(instrument=self.instrument, article=art.number, **part.cite.model_dump())
            for art in self.articles
            for part in art.parts
            if rule_id in part.rules
        ]

    def has_provision(self, provision_id: str) -> bool:
        """Whether ``uncc:art-40:para-21`` names a provision encoded in this bundle."""
        try:
            instrument, article, paragraph = parse_provision_id(provision_id)
            if instrument != self.id:
                return False
            self.citation(article, paragraph)
        except (ValueError, RogatoryError):
            return False
        return True

    def final_clause_values(self) -> list[FinalClauseValue]:
        """The final clauses as named values, for lists beside the dated constants.

        They are derived from bundle.yaml, the one place the engine reads them from, so the
        list can never disagree with what the entry-into-force calculus applies.
        """
        fc = self.manifest.final_clauses
        eif, first, later = (
            fc.entry_into_force,
            fc.entry_into_force.cite[0],
            fc.entry_into_force.later_parties_cite[0],
        )
        return [
            FinalClauseValue(
                "signature.opens",
                "Open for signature from",
                fc.signature.opens.isoformat(),
                None,
                fc.signature.cite,
            ),
            FinalClauseValue(
                "signature.closes",
                "Open for signature until",
                fc.signature.closes.isoformat() if fc.signature.closes else "no closing date",
                None,
                fc.signature.cite,
            ),
            FinalClauseValue(
                "entry_into_force.instruments_required",
                "Instruments needed for entry into force",
                eif.instruments_required,
                "instruments",
                first,
            ),
            *(
                FinalClauseValue(
                    f"entry_into_force.including.{q.group}",
                    f"Of which at least this many members of {self.groups[q.group].title}"
                    if q.group in self.groups
                    else f"Of which at least this many members of {q.group}",
                    q.at_least,
                    "instruments",
                    first,
                )
                for q in eif.including
            ),
            FinalClauseValue(
                "entry_into_force.delay",
                "Entry into force after the last needed deposit",
                eif.delay.describe(),
                None,
                first,
            ),
            FinalClauseValue(
                "entry_into_force.reio_instruments_counted",
                "An REIO's instrument counts towards the number",
                eif.reio_instruments_counted,
                None,
                first,
            ),
            FinalClauseValue(
                "entry_into_force.later_parties_delay",
                "For a later party, after its deposit",
                eif.later_parties_delay.describe(),
                None,
                later,
            ),
            *(
                [
                    FinalClauseValue(
                        "accession.by_invitation",
                        "Accession only by invitation",
                        fc.accession.by_invitation,
                        None,
                        fc.accession.cite,
                    ),
                    FinalClauseValue(
                        "accession.after_entry_into_force",
                        "Accession only after entry into force",
                        fc.accession.after_entry_into_force,
                        None,
                        fc.accession.cite,
                    ),
                ]
                if fc.accession
                else []
            ),
            FinalClauseValue(
                "denunciation.delay",
                "A denunciation takes effect after receipt",
                fc.denunciation.delay.describe(),
                None,
                fc.denunciation.cite,
            ),
            *(
                FinalClauseValue(
                    f"{name}.permitted",
                    f"{name.capitalize()} provided for"
                    + (" (no other may be made)" if permitted.closed else ""),
                    ", ".join(permitted.provisions),
                    None,
                    permitted.cite,
                )
                for name, permitted in (
                    ("reservations", fc.reservations),
                    ("declarations", fc.declarations),
                )
                if permitted is not None
            ),
        ]

    def final_clause_citations(self) -> list[tuple[str, Citation]]:
        """Every citation of the final clauses, with its key path in bundle.yaml."""
        return _manifest_citations(self.manifest)

    def tests_dir(self) -> Path:
        return self.root / "tests"


# The levels a text may name in brackets, "[recollection, UNVERIFIED]" or "[model: ...]".
_LABEL = re.compile(r"\[(recollection|model|secondary|UNVERIFIED)\b")


def _check_labels(
    number: int,
    what: str,
    att: Attestation,
    texts: list[str],
    problems: ProblemCollector,
    file: str,
    where: str,
) -> None:
    """A text never claims less than its attestation shows: a sentence labelled
    "[recollection" is shown at level recollection, "[model" at model or weaker, and a text
    at a verified level holds nothing labelled "[UNVERIFIED". Otherwise a recollected sentence
    reads at the level of the source beside it (split it into a part of its own)."""
    for label in {m.group(1) for t in texts for m in _LABEL.finditer(t)}:
        level = Level.RECOLLECTION if label == "UNVERIFIED" else Level(label)
        too_high = att.verified if label == "UNVERIFIED" else att.verification.better_than(level)
        if too_high:
            problems.add(
                "rules.summary_level_mixed",
                f"Article {number} {what}: a sentence is labelled [{label}...] but is shown at "
                f"level {att.verification.value!r}; give it a part of its own at its level "
                "(parts: [{text, cite}]) or lower the attestation",
                file=file,
                location=where,
            )


def _check_attestation(
    att: Attestation, manifest: Manifest, problems: ProblemCollector, file: str, where: str
) -> None:
    source = manifest.sources.get(att.source)
    if source is None:
        problems.add(
            "rules.unknown_source",
            f"source {att.source!r} is not listed in bundle.yaml "
            f"(known: {', '.join(sorted(manifest.sources))})",
            file=file,
            location=where,
        )
    elif att.verification not in (source.level, Level.RECOLLECTION):
        problems.add(
            "rules.level_exceeds_source",
            f"source {att.source!r} supports the level {source.level.value!r} at best, "
            f"so the item cannot claim {att.verification.value!r} (use "
            f"{source.level.value!r}, or 'recollection' for what the source does not show)",
            file=file,
            location=where,
        )


def _check_citation(
    cite: Citation,
    manifest: Manifest,
    articles: dict[int, Article],
    problems: ProblemCollector,
    file: str,
    where: str,
) -> None:
    _check_attestation(cite, manifest, problems, file, where)
    if cite.instrument != manifest.instrument:
        if cite.instrument not in manifest.related_instruments:
            problems.add(
                "rules.unknown_instrument",
                f"instrument {cite.instrument!r} is neither "
                f"{manifest.instrument} nor a related instrument",
                file=file,
                location=where,
            )
        return
    art = articles.get(cite.article)
    if art is None:
        problems.add(
            "rules.unknown_provision",
            f"{cite.label}: no such article is encoded",
            file=file,
            location=where,
        )
    elif cite.paragraph is not None and art.find(cite.paragraph.split(".")) is None:
        problems.add(
            "rules.unknown_provision",
            f"{cite.label}: Article {cite.article} has no paragraph {cite.paragraph!r} encoded",
            file=file,
            location=where,
        )


def _check_provisions(
    provisions: ProvisionsFile, manifest: Manifest, problems: ProblemCollector, file: str
) -> None:
    numbers = [a.number for a in provisions.articles]
    for n in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.add("rules.duplicate_article", f"Article {n} is defined more than once", file=file)
    if manifest.provisions_complete and sorted(set(numbers)) != list(
        range(1, manifest.articles_expected + 1)
    ):
        missing = sorted(set(range(1, manifest.articles_expected + 1)) - set(numbers))
        extra = sorted(set(numbers) - set(range(1, manifest.articles_expected + 1)))
        problems.add(
            "rules.article_count",
            f"the instrument has {manifest.articles_expected} "
            f"articles; missing {missing or 'none'}, unexpected {extra or 'none'}",
            file=file,
        )
    chapter_numbers = {c.number for c in provisions.chapters}
    for i, art in enumerate(provisions.articles):
        where = f"articles[{i}]"
        chapter = next((c for c in provisions.chapters if c.number == art.chapter), None)
        if art.chapter not in chapter_numbers or chapter is None:
            problems.add(
                "rules.unknown_chapter",
                f"Article {art.number}: chapter {art.chapter} is not defined",
                file=file,
                location=where,
            )
        elif not chapter.holds(art.number):
            problems.add(
                "rules.chapter_range",
                f"Article {art.number} is outside chapter "
                f"{chapter.number} (Arts {chapter.first_article}-{chapter.last_article})",
                file=file,
                location=where,
            )
        _check_attestation(art.cite, manifest, problems, file, f"{where}.cite")
        if art.summary_cite is not None:
            _check_attestation(art.summary_cite, manifest, problems, file, f"{where}.summary_cite")
        elif (art.summary or art.conditions) and art.cite.verification is not Level.RECOLLECTION:
            problems.add(
                "rules.summary_level_missing",
                f"Article {art.number}: its number and title are attested at level "
                f"{art.cite.verification.value!r}; its summary must carry its own level "
                "(summary_cite), so the title's level is not read as the summary's",
                file=file,
                location=where,
            )
        for j, part in enumerate(art.parts):
            _check_attestation(part.cite, manifest, problems, file, f"{where}.parts[{j}].cite")
        labelled = [
            ("summary", art.summary_attestation, [art.summary or "", *art.conditions]),
            *((f"parts[{j}]", p.cite, [p.text]) for j, p in enumerate(art.parts)),
            *((f"para {path}", p.cite, [p.text, *p.conditions]) for path, p in art.walk()),
        ]
        for what, att, texts in labelled:
            _check_labels(art.number, what, att, texts, problems, file, where)
        for path, para in art.walk():
            _check_attestation(para.cite, manifest, problems, file, f"{where} para {path}.cite")
    for i, chap in enumerate(provisions.chapters):
        _check_attestation(chap.cite, manifest, problems, file, f"chapters[{i}].cite")
        pending = [(f"chapters[{i}].divisions[{j}]", d) for j, d in enumerate(chap.divisions)]
        while pending:
            where, div = pending.pop()
            _check_attestation(div.cite, manifest, problems, file, f"{where}.cite")
            pending += [(f"{where}.divisions[{k}]", d) for k, d in enumerate(div.divisions)]


def _manifest_citations(manifest: Manifest) -> list[tuple[str, Citation]]:
    fc = manifest.final_clauses
    cites = [
        ("final_clauses.signature.cite", fc.signature.cite),
        ("final_clauses.denunciation.cite", fc.denunciation.cite),
    ]
    cites += [
        (f"final_clauses.entry_into_force.cite[{i}]", c)
        for i, c in enumerate(fc.entry_into_force.cite)
    ]
    cites += [
        (f"final_clauses.entry_into_force.later_parties_cite[{i}]", c)
        for i, c in enumerate(fc.entry_into_force.later_parties_cite)
    ]
    if fc.accession is not None:
        cites.append(("final_clauses.accession.cite", fc.accession.cite))
    for name, permitted in (("reservations", fc.reservations), ("declarations", fc.declarations)):
        if permitted is not None:
            cites.append((f"final_clauses.{name}.cite", permitted.cite))
    return cites


def _check_groups(
    manifest: Manifest,
    groups: dict[str, Group],
    articles: dict[int, Article],
    problems: ProblemCollector,
    label: str,
) -> None:
    """Every group a final clause names exists; every membership period cites a listed source;
    every provision a reservation list names is encoded."""
    fc = manifest.final_clauses
    named = [
        (f"final_clauses.entry_into_force.including[{i}].group", q.group)
        for i, q in enumerate(fc.entry_into_force.including)
    ]
    named += [
        (f"final_clauses.signature.open_to_groups[{i}]", g)
        for i, g in enumerate(fc.signature.open_to_groups)
    ]
    if fc.accession is not None:
        named += [
            (f"final_clauses.accession.not_open_to[{i}]", g)
            for i, g in enumerate(fc.accession.not_open_to)
        ]
    for where, group in named:
        if group not in groups:
            problems.add(
                "rules.unknown_group",
                f"group {group!r} is not defined in groups.yaml "
                f"(defined: {', '.join(sorted(groups)) or 'none'})",
                file=f"{label}/bundle.yaml",
                location=where,
            )
    for gid, group_def in groups.items():
        for i, m in enumerate(group_def.members):
            _check_attestation(
                m.cite,
                manifest,
                problems,
                f"{label}/groups.yaml",
                f"groups.{gid}.members[{i}].cite",
            )
    for name, permitted in (("reservations", fc.reservations), ("declarations", fc.declarations)):
        for i, pid in enumerate(permitted.provisions if permitted else []):
            ok = False
            try:
                instrument, number, paragraph = parse_provision_id(pid)
                art = articles.get(number)
                ok = (
                    instrument == manifest.id
                    and art is not None
                    and (paragraph is None or art.find(paragraph.split(".")) is not None)
                )
            except ValueError:
                pass
            if not ok:
                problems.add(
                    "rules.unknown_provision",
                    f"{pid!r} is not an encoded provision of {manifest.instrument}",
                    file=f"{label}/bundle.yaml",
                    location=f"final_clauses.{name}.provisions[{i}]",
                )


def _check_facts(
    facts: ScreeningFacts,
    articles: dict[int, Article],
    constants: ConstantsFile | None,
    problems: ProblemCollector,
    file: str,
) -> None:
    """Every article the screening facts name is encoded, and the constant a threshold reads
    exists: a treaty folder that names a wrong article fails when it is loaded."""
    named = [
        ("treaty.offences.first", facts.offences.first),
        ("treaty.offences.last", facts.offences.last),
        ("treaty.offences.forms_article", facts.offences.forms_article),
        *((f"treaty.general_articles[{i}]", n) for i, n in enumerate(facts.general_articles)),
    ]
    if facts.preservation_reservation_article is not None:
        named.append(
            ("treaty.preservation_reservation_article", facts.preservation_reservation_article)
        )
    for where, number in named:
        if number not in articles:
            problems.add(
                "rules.unknown_provision",
                f"Article {number} is not encoded",
                file=file,
                location=where,
            )
    threshold = "serious_crime.min_statutory_max_years"
    if facts.evidence_of == "serious_crime" and (
        constants is None or threshold not in constants.constants
    ):
        problems.add(
            "rules.unknown_constant",
            f"evidence_of serious_crime needs the constant {threshold}",
            file=file,
            location="treaty.evidence_of",
        )


def _check_deadlines(
    name: str,
    facts: MeasureFacts,
    constants: ConstantsFile | None,
    manifest: Manifest,
    articles: dict[int, Article],
    problems: ProblemCollector,
    file: str,
) -> None:
    """A measure's deadlines name constants the bundle has, of the right kind (a number of
    days for a minimum period, yes/no for continuing), and cite encoded provisions."""
    for i, deadline in enumerate(facts.deadlines):
        where = f"measures.{name}.deadlines[{i}]"
        if deadline.cite is not None:
            _check_citation(deadline.cite, manifest, articles, problems, file, f"{where}.cite")
        if deadline.constant is None:
            continue
        known = constants.constants.get(deadline.constant) if constants else None
        if known is None:
            problems.add(
                "rules.unknown_constant",
                f"measure {name}: no constant {deadline.constant!r}",
                file=file,
                location=f"{where}.constant",
            )
            continue
        days = deadline.kind is DeadlineKind.PRESERVE_AT_LEAST
        fits = all(
            (isinstance(e.value, int) and not isinstance(e.value, bool))
            if days
            else isinstance(e.value, bool)
            for e in known.history
            if e.value is not None
        )
        if not fits or (days and known.unit != "days"):
            problems.add(
                "rules.invalid_value",
                f"measure {name}: a {deadline.kind.value} deadline needs "
                + ("a number of days" if days else "a yes/no constant")
                + f"; {deadline.constant} is not one",
                file=file,
                location=f"{where}.constant",
            )


def _check_obligations(
    catalogue: ObligationsFile,
    constants: ConstantsFile | None,
    manifest: Manifest,
    articles: dict[int, Article],
    problems: ProblemCollector,
    file: str,
) -> None:
    """Every obligation rests on encoded articles and listed sources at levels they can give,
    and every constant a duty reads is in the bundle: a catalogue entry citing a provision
    nobody encoded fails when it is loaded, not when a company reads it."""
    for oid, ob in catalogue.obligations.items():
        where = f"obligations.{oid}"
        for n in ob.articles:
            if n not in articles:
                problems.add(
                    "rules.unknown_provision",
                    f"obligation {oid}: Article {n} is not encoded",
                    file=file,
                    location=f"{where}.articles",
                )
        for i, cite in enumerate(ob.cites):
            _check_citation(cite, manifest, articles, problems, file, f"{where}.cites[{i}]")
        for i, duty in enumerate(ob.duties):
            at = f"{where}.duties[{i}]"
            _check_citation(duty.cite, manifest, articles, problems, file, f"{at}.cite")
            if duty.constant is not None and (
                constants is None or duty.constant not in constants.constants
            ):
                problems.add(
                    "rules.unknown_constant",
                    f"obligation {oid}: no constant {duty.constant!r}",
                    file=file,
                    location=f"{at}.constant",
                )
    for nid, item in catalogue.not_required.items():
        for i, cite in enumerate(item.cites):
            _check_citation(
                cite, manifest, articles, problems, file, f"not_required.{nid}.cites[{i}]"
            )


def _optional(
    model: type[M], root: Path, name: str, label: str, problems: ProblemCollector
) -> M | None:
    """A bundle file only some treaties have (measures, screening rules, groups, obligations):
    validated like the others when it is there, none when it is not."""
    path = root / name
    if not path.exists():
        return None
    return validate(model, read_yaml(path, problems, label=label), problems, file=label)


def load_bundle(root: Path) -> Bundle:
    """Load and cross-check a bundle folder; raise ProblemList with every problem found."""
    problems = ProblemCollector()
    label = root.name
    manifest = validate(
        Manifest,
        read_yaml(root / "bundle.yaml", problems, label=f"{label}/bundle.yaml"),
        problems,
        file=f"{label}/bundle.yaml",
    )
    if manifest is not None:
        register_bundle(manifest.instrument, manifest.id)
    prov_file = f"{label}/provisions.yaml"
    provisions = validate(
        ProvisionsFile,
        read_yaml(root / "provisions.yaml", problems, label=prov_file),
        problems,
        file=prov_file,
    )
    const_file = f"{label}/constants.yaml"
    constants = validate(
        ConstantsFile,
        read_yaml(root / "constants.yaml", problems, label=const_file),
        problems,
        file=const_file,
    )
    measures_file = f"{label}/measures.yaml"
    measures = _optional(MeasuresFile, root, "measures.yaml", measures_file, problems)
    screening_file = f"{label}/screening.yaml"
    screening = _optional(ScreeningFile, root, "screening.yaml", screening_file, problems)
    groups_file = f"{label}/groups.yaml"
    groups = _optional(GroupsFile, root, "groups.yaml", groups_file, problems)
    obligations_file = f"{label}/obligations.yaml"
    obligations = _optional(ObligationsFile, root, "obligations.yaml", obligations_file, problems)
    if manifest is not None and provisions is not None:
        _check_provisions(provisions, manifest, problems, prov_file)
        articles = {a.number: a for a in provisions.articles}
        _check_groups(manifest, dict(groups.groups) if groups else {}, articles, problems, label)
        if manifest.final_clauses.recorded_entry_into_force is not None:
            _check_attestation(
                manifest.final_clauses.recorded_entry_into_force.cite,
                manifest,
                problems,
                f"{label}/bundle.yaml",
                "final_clauses.recorded_entry_into_force.cite",
            )
        _check_attestation(
            manifest.adopted.cite, manifest, problems, f"{label}/bundle.yaml", "adopted.cite"
        )
        for where, cite in _manifest_citations(manifest):
            _check_citation(cite, manifest, articles, problems, f"{label}/bundle.yaml", where)
        for name, facts in (measures.measures if measures else {}).items():
            _check_citation(
                facts.grounds_cite,
                manifest,
                articles,
                problems,
                measures_file,
                f"measures.{name}.grounds_cite",
            )
            for n in facts.articles:
                if n not in articles:
                    problems.add(
                        "rules.unknown_provision",
                        f"measure {name}: Article {n} is not encoded",
                        file=measures_file,
                        location=f"measures.{name}.articles",
                    )
            _check_deadlines(name, facts, constants, manifest, articles, problems, measures_file)
            if facts.step_of is not None and measures and facts.step_of not in measures.measures:
                problems.add(
                    "rules.unknown_measure",
                    f"measure {name} is a step of unknown measure {facts.step_of!r}",
                    file=measures_file,
                    location=f"measures.{name}.step_of",
                )
        for rule_id, rule in (screening.rules if screening else {}).items():
            for i, pid in enumerate(rule.cites):
                try:
                    instrument, article, paragraph = parse_provision_id(pid)
                except ValueError as exc:
                    problems.add(
                        "rules.invalid_value",
                        str(exc),
                        file=screening_file,
                        location=f"rules.{rule_id}.cites[{i}]",
                    )
                    continue
                known = instrument == manifest.id and (
                    article in articles
                    and (paragraph is None or articles[article].find(paragraph.split(".")))
                )
                if not known:
                    problems.add(
                        "rules.unknown_provision",
                        f"rule {rule_id} cites {pid!r}, which is not encoded in {manifest.id}",
                        file=screening_file,
                        location=f"rules.{rule_id}.cites[{i}]",
                    )
        if screening is not None:
            _check_facts(screening.treaty, articles, constants, problems, screening_file)
        if obligations is not None:
            _check_obligations(
                obligations, constants, manifest, articles, problems, obligations_file
            )
        if constants is not None:
            for name, value in constants.constants.items():
                for i, cite in enumerate(value.citations()):
                    _check_citation(
                        cite,
                        manifest,
                        articles,
                        problems,
                        const_file,
                        f"constants.{name}.history[{i}].cite",
                    )
    problems.raise_if_any("rules.invalid_bundle", f"bundle {label!r} is invalid")
    assert manifest is not None and provisions is not None and constants is not None
    return Bundle(
        root,
        manifest,
        tuple(provisions.chapters),
        tuple(provisions.articles),
        dict(constants.constants),
        dict(measures.measures) if measures else {},
        {rule_id: tuple(r.cites) for rule_id, r in screening.rules.items()} if screening else {},
        dict(groups.groups) if groups else {},
        screening.treaty if screening else None,
        dict(screening.rules) if screening else {},
        obligations,
    )
