"""What a team's cases and meetings show over a period: the kwesties they touch per quarter,
the values most in play, the methods used, meetings held versus planned, open and overdue
actions, cases not yet brought in. The signalering report adds the dilemmas of approved,
anonymised copies and names only the values of the seeded list. An organisation view adds teams
up without any case text and hides small counts, also from its totals, so that no single case
can be recognised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from reflectie.accounts.models import Organisation, Team, User
from reflectie.cases.models import CaseStatus
from reflectie.cases.services import all_values
from reflectie.cases.stats import CaseFact, case_facts
from reflectie.db import db
from reflectie.errors import NotFound
from reflectie.permissions import Perm, has
from reflectie.publishing.access import team_publications
from reflectie.publishing.models import Publication, PublicationStatus
from reflectie.sessions.models import Meeting, MeetingOutcome, MeetingStatus, OutcomeKind

ZONE = ZoneInfo("Europe/Amsterdam")
MAX_QUARTERS = 12
SMALL = 5  # counts below this are shown as "< 5" in the organisation view


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @property
    def label(self) -> str:
        return f"{self.year} K{self.number}"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.number}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, 3 * self.number - 2, 1, tzinfo=ZONE)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    @classmethod
    def of(cls, moment: datetime | date) -> Quarter:
        if isinstance(moment, datetime):
            moment = moment.astimezone(ZONE)
        return cls(moment.year, (moment.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None) -> Quarter | None:
        year, _sep, number = (text or "").partition("-")
        if year.isdecimal() and number in {"1", "2", "3", "4"} and 2000 <= int(year) <= 2100:
            return cls(int(year), int(number))
        return None


def period(first: Quarter | None, last: Quarter | None, *, today: date) -> list[Quarter]:
    """The quarters from `first` to `last` (the last four by default; at most twelve)."""
    last = last or Quarter.of(today)
    if first is None or first > last:
        first = last.previous().previous().previous()
    quarters = [first]
    while quarters[-1] < last and len(quarters) < MAX_QUARTERS:
        quarters.append(quarters[-1].next())
    return quarters


@dataclass(frozen=True)
class Dilemma:
    """The dilemma of a case's approved anonymised copy: the only case text the report holds."""

    kwestie: int | None  # the copy's primary kwestie
    text: str


@dataclass
class TeamInsights:
    quarters: list[Quarter]
    kwesties: dict[Quarter, Counter[int]]  # every kwestie a case touches, by quarter
    primary: Counter[int]  # the primary kwestie of each case in the period
    values: list[tuple[str, int]]  # free values too: the page stays within the team
    methods: list[tuple[str, int]]
    held: dict[Quarter, int]
    planned: dict[Quarter, int]  # not cancelled (held ones included)
    open_actions: list[MeetingOutcome]
    overdue_actions: list[MeetingOutcome]
    waiting: int  # team cases still concept: not yet brought in
    cases: int
    # For the report, which leaves the team: values of the seeded list by name; a value a user
    # typed (it may be a name) only counted, as the cases that name one.
    report_values: list[tuple[str, int]]
    other_values: int
    dilemmas: list[Dilemma]  # of the period's cases, from approved copies only


def _by_quarter(facts: list[CaseFact], quarters: list[Quarter]) -> dict[Quarter, Counter[int]]:
    counts: dict[Quarter, Counter[int]] = {q: Counter() for q in quarters}
    for fact in facts:
        quarter = Quarter.of(fact.created_at)
        if quarter in counts:
            counts[quarter].update(fact.kwesties)
    return counts


def _meetings(team_ids: list[int], quarters: list[Quarter]) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(
                Meeting.team_id.in_(team_ids),
                Meeting.starts_at >= quarters[0].start,
                Meeting.starts_at < quarters[-1].next().start,
            )
        )
    )


def _seeded_values() -> set[str]:
    return {name.casefold() for value in all_values() for name in (value.slug, value.name)}


def _dilemmas(actor: User, team: Team, facts: list[CaseFact]) -> list[Dilemma]:
    """The dilemma of each case's approved anonymised copy (the latest approved one), in the
    order of the cases: never a concept, a copy under review, sent back or withdrawn, and
    never the original's text."""
    if not facts:
        return []
    latest = {
        pub.case_id: pub
        for pub in db.session.scalars(
            team_publications(actor, team.id)
            .where(
                Publication.status == PublicationStatus.PUBLISHED,
                Publication.case_id.in_([f.id for f in facts]),
            )
            .order_by(Publication.published_at, Publication.id)
        )
    }
    return [
        Dilemma(pub.primary_kwestie, " ".join(pub.dilemma.split()))
        for fact in facts
        if (pub := latest.get(fact.id)) is not None and pub.dilemma.strip()
    ]


def team_insights(actor: User, team: Team, quarters: list[Quarter], *, today: date) -> TeamInsights:
    """For the team's leercoaches and teamleiders (NotFound for anyone else)."""
    if not has(actor, Perm.INSIGHTS_READ, team_id=team.id):
        raise NotFound
    since, until = quarters[0].start, quarters[-1].next().start
    facts = case_facts([team.id], since=since, until=until)
    meetings = _meetings([team.id], quarters)
    held = Counter(Quarter.of(m.starts_at) for m in meetings if m.status == MeetingStatus.CLOSED)
    planned = Counter(
        Quarter.of(m.starts_at) for m in meetings if m.status != MeetingStatus.CANCELLED
    )
    methods = Counter(m.method.name for m in meetings if m.status == MeetingStatus.CLOSED)
    open_actions = list(
        db.session.scalars(
            select(MeetingOutcome)
            .join(Meeting)
            .where(
                Meeting.team_id == team.id,
                MeetingOutcome.kind == OutcomeKind.ACTIEPUNT,
                MeetingOutcome.done_at.is_(None),
            )
            .order_by(MeetingOutcome.due_on, MeetingOutcome.id)
        )
    )
    all_facts = case_facts([team.id])
    seeded = _seeded_values()
    return TeamInsights(
        quarters=quarters,
        kwesties=_by_quarter(facts, quarters),
        primary=Counter(f.kwesties[0] for f in facts if f.kwesties),
        values=Counter(v for f in facts for v in f.values).most_common(10),
        methods=methods.most_common(),
        held={q: held[q] for q in quarters},
        planned={q: planned[q] for q in quarters},
        open_actions=open_actions,
        overdue_actions=[a for a in open_actions if a.due_on and a.due_on < today],
        waiting=sum(1 for f in all_facts if f.status == CaseStatus.CONCEPT),
        cases=len(facts),
        report_values=Counter(
            v for f in facts for v in f.values if v.casefold() in seeded
        ).most_common(10),
        other_values=sum(1 for f in facts if any(v.casefold() not in seeded for v in f.values)),
        dilemmas=_dilemmas(actor, team, facts),
    )


@dataclass
class TeamRow:
    team: Team
    cases: int | None  # None: fewer than SMALL, shown as "< 5"
    held: int | None
    open_actions: int | None


@dataclass(frozen=True)
class Total:
    """A column's total. With a cell of the column hidden it is only the sum of the shown cells
    (`exact` False, shown as "minstens"): the real total minus the shown cells would give the
    hidden cell away."""

    value: int
    exact: bool


@dataclass
class OrganisationInsights:
    quarters: list[Quarter]
    teams: list[TeamRow]
    cases: Total
    held: Total
    open_actions: Total
    # Over the teams whose case count is shown: with a hidden team in them, a kwestie counted
    # more often than the shown teams have cases would show that team's count.
    kwesties: dict[int, int | None] = field(default_factory=dict)
    # Kwesties of five or more withheld as well ("verborgen"), see _withheld.
    withheld: set[int] = field(default_factory=set)


def _shown(count: int) -> int | None:
    return count if count >= SMALL else None


def _total(cells: list[int | None]) -> Total:
    return Total(sum(c for c in cells if c is not None), exact=None not in cells)


def _withheld(counts: dict[int, int], cases: int) -> set[int]:
    """Every case has a kwestie, so the kwesties hidden as "< 5" add up to at least the cases
    less the shown kwesties' counts: with one hidden and a gap of 4 its count would be exact,
    and any gap above what the other hidden ones could hold proves one of them above zero.
    Then the smallest shown kwestie is withheld too; an unknown count of five or more absorbs
    any gap."""
    small = [n for n, c in counts.items() if c < SMALL]
    shown = [n for n, c in counts.items() if c >= SMALL]
    gap = cases - sum(counts[n] for n in shown)
    if not small or not shown or gap <= (SMALL - 1) * (len(small) - 1):
        return set()
    return {min(shown, key=lambda n: (counts[n], n))}


def organisation_insights(
    organisation: Organisation, quarters: list[Quarter]
) -> OrganisationInsights:
    """For beheerders (the caller checks): counts per team and kwestie, never any text, every
    count below five hidden, and nothing on the page from which a hidden count can be worked
    out (totals and kwesties leave the hidden teams out)."""
    teams = sorted(organisation.teams, key=lambda t: t.name.casefold())
    ids = [t.id for t in teams]
    since, until = quarters[0].start, quarters[-1].next().start
    facts = case_facts(ids, since=since, until=until) if ids else []
    meetings = _meetings(ids, quarters) if ids else []
    actions = Counter(
        team_id
        for team_id in db.session.scalars(
            select(Meeting.team_id)
            .join(MeetingOutcome)
            .where(
                Meeting.team_id.in_(ids),
                MeetingOutcome.kind == OutcomeKind.ACTIEPUNT,
                MeetingOutcome.done_at.is_(None),
            )
        )
    )
    cases_per_team = Counter(f.team_id for f in facts)
    held_per_team = Counter(m.team_id for m in meetings if m.status == MeetingStatus.CLOSED)
    rows = [
        TeamRow(
            t,
            _shown(cases_per_team[t.id]),
            _shown(held_per_team[t.id]),
            _shown(actions[t.id]),
        )
        for t in teams
    ]
    shown = {row.team.id for row in rows if row.cases is not None}
    kwesties = Counter(k for f in facts if f.team_id in shown for k in f.kwesties)
    counts = {n: kwesties[n] for n in range(1, 8)}
    return OrganisationInsights(
        quarters=quarters,
        teams=rows,
        cases=_total([row.cases for row in rows]),
        held=_total([row.held for row in rows]),
        open_actions=_total([row.open_actions for row in rows]),
        kwesties={n: _shown(c) for n, c in counts.items()},
        withheld=_withheld(counts, sum(cases_per_team[t] for t in shown)),
    )
