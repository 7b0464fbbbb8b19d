"""Synthetic cases for benchmarks (`reflectie bench seed`): plausible Dutch, deterministic."""

from __future__ import annotations

import random
from collections.abc import Iterator

from reflectie.cases.services import CaseInput

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
