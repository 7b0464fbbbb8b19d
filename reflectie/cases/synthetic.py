"""Synthetic data for benchmarks (`reflectie bench seed`): plausible Dutch, deterministic.

`synthetic_cases` writes the case texts; `synthetic_teams` the wijkteams they are spread over
(with a few members each, in fictitious gemeenten); `synthetic_placements` says, per case,
which team, which member and when (spread over the last YEARS years, oldest first, so case
ids follow the dates as they would in use). Each draws from its own random stream, so the
texts for a given seed are the same whether or not the cases are spread over teams.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from reflectie.cases.services import CaseInput
from reflectie.permissions import Role
from reflectie.threads.services import slugify

PEOPLE = [
    "mevrouw A.",
    "meneer B.",
    "de moeder",
    "de zoon",
    "een buurvrouw",
    "de huisarts",
    "de mantelzorger",
    "een vrijwilliger",
    "de woningcorporatie",
    "de school",
    "de wijkagent",
]
SITUATIONS = [
    "heeft al maanden schulden",
    "woont alleen en vereenzaamt",
    "weigert thuiszorg",
    "raakt zijn huis kwijt",
    "zorgt voor haar zieke vader",
    "heeft psychische klachten",
    "krijgt ruzie met de buren",
    "komt niet meer naar de dagbesteding",
    "verwaarloost de administratie",
    "vraagt om een zwaardere indicatie",
]
ACTIONS = [
    "een huisbezoek afgelegd",
    "het netwerk bij elkaar gehaald",
    "een keukentafelgesprek gevoerd",
    "de schuldhulpverlening ingeschakeld",
    "met de huisarts overlegd",
    "een vrijwilliger gekoppeld",
    "een melding overwogen",
    "de casus in het team besproken",
]
VALUES = [
    "autonomie",
    "zelfredzaamheid",
    "veiligheid",
    "rechtvaardigheid",
    "zorgzaamheid",
    "privacy",
    "gelijkwaardigheid",
    "solidariteit",
    "participatie",
    "vertrouwen",
]
TAGS = ["schulden", "jeugd", "ggz", "mantelzorg", "eenzaamheid", "wonen", "vrijwilligers",
        "ouderen", "armoede", "huiselijk-geweld", "werk", "gezondheid"]  # fmt: skip


def _sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(PEOPLE).capitalize()} {rng.choice(SITUATIONS)}; "
        f"ik heb {rng.choice(ACTIONS)} samen met {rng.choice(PEOPLE)}."
    )


def synthetic_cases(count: int, seed: int = 1) -> Iterator[CaseInput]:
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    for n in range(count):
        kwesties = rng.sample(range(1, 8), rng.randint(1, 3))
        yield CaseInput(
            title=f"{rng.choice(PEOPLE).capitalize()} {rng.choice(SITUATIONS)} ({n + 1})",
            situation="\n\n".join(" ".join(_sentence(rng) for _ in range(3)) for _ in range(3)),
            help_question=f"Hoe ga ik verder nu {rng.choice(PEOPLE)} {rng.choice(SITUATIONS)}?",
            dilemma=(
                f"Moet ik {rng.choice(ACTIONS)}, met als gevolg meer {rng.choice(VALUES)}, "
                f"of afwachten, met als gevolg minder {rng.choice(VALUES)}?"
            ),
            stakeholders=", ".join(rng.sample(PEOPLE, 3)),
            own_role=_sentence(rng),
            values=rng.sample(VALUES, 2),
            kwesties=kwesties,
            tags=rng.sample(TAGS, rng.randint(1, 3)),
        )


# --- teams and dates ---------------------------------------------------------------------------

CASES_PER_TEAM = 400  # one team per ~400 cases; a wijkteam writes a few hundred in six years
MIN_TEAMS = 3  # even a small run spreads over more than one team
YEARS = 6  # cases are spread over this many years before `now`
# Fictitious gemeenten, each an organisation of up to len(WIJKEN) teams; past 20 * 14 teams
# (~112,000 cases) the names come round again with a number.
GEMEENTEN = [
    "Heuvelrade", "Zandvoorde", "Dijkhuizen", "Kanaalstad", "Veenwijk", "Polderdam",
    "Havenburg", "Lindewaard", "Eikendaal", "Molenveld", "Brugwaarde", "Beekhoven",
    "Waalstede", "Vennebroek", "Hoogmeer", "Oosterlaan", "Weidebroek", "Kreekdorp",
    "Duinhaven", "Geestdam",
]  # fmt: skip
WIJKEN = [
    "Noord", "Oost", "Zuid", "West", "Centrum", "Noord-Oost", "Noord-West", "Zuid-Oost",
    "Zuid-West", "Binnenstad", "Oude Haven", "Stationskwartier", "De Akkers", "Buitengebied",
]  # fmt: skip
FIRST_NAMES = [
    "Anouk", "Bram", "Chantal", "Daan", "Eline", "Fatima", "Gerrit", "Hanneke", "Ilse", "Jeroen",
    "Karim", "Lotte", "Marieke", "Nadia", "Olaf", "Petra", "Rachid", "Sanne", "Thijs", "Yvonne",
]  # fmt: skip
LAST_NAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos",
    "El Amrani", "Yilmaz", "van Dijk", "Hoekstra", "Kramer", "de Graaf", "Postma", "Koster",
]  # fmt: skip


@dataclass(frozen=True)
class SyntheticMember:
    email: str
    name: str
    handle: str
    role: Role


@dataclass(frozen=True)
class SyntheticTeam:
    slug: str
    name: str
    organisation_slug: str
    organisation_name: str
    members: tuple[SyntheticMember, ...]  # the first is the team's leercoach
    weight: float  # its share of the cases, relative to the others


def team_count(cases: int) -> int:
    return max(min(cases, MIN_TEAMS), -(-cases // CASES_PER_TEAM))


def synthetic_teams(cases: int, seed: int = 1) -> list[SyntheticTeam]:
    """The wijkteams `cases` cases are spread over: one per ~CASES_PER_TEAM, grouped by
    gemeente (an organisation of up to len(WIJKEN) teams), each with 3 to 6 members."""
    rng = random.Random(f"teams-{seed}")  # noqa: S311 - repeatable test data, not secrets
    teams = []
    for n in range(team_count(cases)):
        org_number, wijk = divmod(n, len(WIJKEN))
        rounds, gemeente_number = divmod(org_number, len(GEMEENTEN))
        gemeente = GEMEENTEN[gemeente_number] + (f" {rounds + 1}" if rounds else "")
        slug = f"{slugify(gemeente)}-{slugify(WIJKEN[wijk])}"
        members = []
        for m in range(rng.randint(3, 6)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            role = Role.LEERCOACH if m == 0 else Role.TEAMLEIDER if m == 1 else Role.LID
            members.append(
                SyntheticMember(
                    email=f"{slugify(first)}.{slugify(last)}.{m + 1}@{slug}.bench",
                    name=f"{first} {last}",
                    # As unique as the address (another --seed may pick other names).
                    handle=f"{slugify(first + last).replace('-', '')[:28]}{n + 1}x{m + 1}",
                    role=role,
                )
            )
        teams.append(
            SyntheticTeam(
                slug=slug,
                name=f"Wijkteam {WIJKEN[wijk]}",
                organisation_slug=slugify(gemeente),
                organisation_name=f"Sociale wijkteams {gemeente}",
                members=tuple(members),
                weight=rng.uniform(0.5, 1.5),
            )
        )
    return teams


@dataclass(frozen=True)
class Placement:
    team: int  # index into the list of teams
    author: int  # index into that team's members
    created_at: datetime
    updated_at: datetime


def synthetic_placements(
    count: int, seed: int, teams: list[SyntheticTeam], now: datetime
) -> Iterator[Placement]:
    """Per case (in order): its team (by weight), author and dates. The n-th case is written
    in the n-th of `count` equal slices of the YEARS years before `now`, so dates rise with
    the case ids; it was last changed up to two months later (never after `now`)."""
    rng = random.Random(f"placements-{seed}")  # noqa: S311 - repeatable test data, not secrets
    weights = [t.weight for t in teams] if teams else [1.0]
    span = timedelta(days=365.25 * YEARS)
    start = now - span
    for n in range(count):
        team = rng.choices(range(len(weights)), weights)[0]
        members = len(teams[team].members) if teams else 1
        created = start + span * ((n + rng.random()) / count)
        updated = min(now, created + timedelta(days=min(60.0, rng.expovariate(1 / 10))))
        yield Placement(team, rng.randrange(members), created, updated)
