"""Reviewer credentials in both styles real letters print them.

Specialty and state names come from the project vocabularies
(`indexer/vocab/specialties.toml`, `states.toml`), sometimes in an alias
wording, so the parser's canonicalisation is exercised; the expected values
are always the canonical names.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

VOCAB = Path(__file__).resolve().parent.parent / "vocab"

# Relative frequency of reviewer specialties (PM&R, occupational medicine and
# orthopedics decide most cases; many others appear).
_SPECIALTY_WEIGHTS = {
    "Physical Medicine & Rehabilitation": 20,
    "Occupational Medicine": 12,
    "Orthopedic Surgery": 12,
    "Anesthesiology": 8,
    "Pain Management": 6,
    "Internal Medicine": 6,
    "Family Medicine": 6,
    "Neurology": 4,
    "Psychiatry": 3,
    "Psychology": 3,
    "Chiropractic": 3,
    "Acupuncture": 2,
    "Neurological Surgery": 2,
    "Sports Medicine": 2,
    "Hand Surgery": 1,
    "Podiatric Surgery": 1,
    "Preventive Medicine": 1,
    "Emergency Medicine": 1,
    "Plastic Surgery": 0.5,
    "Rheumatology": 0.5,
    "Dentistry": 0.3,
    "Urology": 0.3,
    "Ophthalmology": 0.3,
    "Otolaryngology": 0.3,
    "General Surgery": 0.5,
    "Addiction Medicine": 0.3,
}
_SECOND_SPECIALTY = (
    "Pain Management",
    "Pain Management",
    "Sports Medicine",
    "Electrodiagnostic Medicine",
    "Spine Surgery",
    "Addiction Medicine",
    "Occupational Medicine",
    "Internal Medicine",
)
_OTHER_STATES = (
    "Arizona",
    "Nevada",
    "Texas",
    "New York",
    "Florida",
    "Massachusetts",
    "Illinois",
    "Oregon",
    "Washington",
    "Pennsylvania",
    "Ohio",
    "Colorado",
    "Georgia",
    "Maryland",
    "Michigan",
    "New Jersey",
    "North Carolina",
    "Virginia",
    "Tennessee",
    "Utah",
    "Connecticut",
    "Minnesota",
    "Wisconsin",
    "Missouri",
    "Indiana",
    "Kentucky",
    "Louisiana",
    "Hawaii",
    "New Mexico",
    "District of Columbia",
)


@lru_cache(maxsize=1)
def specialty_aliases() -> dict[str, list[str]]:
    """Canonical specialty -> alias wordings fit to print (no bare acronyms)."""
    path = VOCAB / "specialties.toml"
    out: dict[str, list[str]] = {}
    if path.exists():
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("specialty", []):
            out[entry["name"]] = [a for a in entry.get("aliases", []) if len(a) > 5 and not a.isupper()]
    return out


@lru_cache(maxsize=1)
def known_states() -> set[str]:
    path = VOCAB / "states.toml"
    if not path.exists():
        return set(_OTHER_STATES) | {"California"}
    return set(tomllib.loads(path.read_text(encoding="utf-8")).get("states", {}))


@dataclass
class Credentials:
    style: str  # "sentence" | "block"
    specialties: list[str]  # canonical, in letter order
    printed: list[str]  # as printed
    licensure: list[str]

    def sentence(self, reviewer: str) -> str:
        """`The expert reviewer is Board Certified in X and is licensed to practice in Y.`"""
        if len(self.printed) > 1:
            spec = f"{self.printed[0]}, has a subspecialty in {self.printed[1]}"
        else:
            spec = self.printed[0]
        return (
            f"The {reviewer} is Board Certified in {spec} and is licensed to practice in "
            f"{' and '.join(self.licensure)}."
        )

    def block_lines(self) -> list[str]:
        return [
            f"State(s) of Licensure: {', '.join(self.licensure)} ",
            f"Certification(s)/Specialty: {', '.join(self.printed)} ",
        ]


def pick_credentials(rng: random.Random) -> Credentials:
    aliases = specialty_aliases()
    names = [n for n in _SPECIALTY_WEIGHTS if not aliases or n in aliases]
    first = rng.choices(names, [_SPECIALTY_WEIGHTS[n] for n in names])[0]
    specs = [first]
    style = "sentence" if rng.random() < 0.5 else "block"
    if rng.random() < (0.35 if style == "block" else 0.12):
        second = rng.choice(_SECOND_SPECIALTY)
        if second != first and (not aliases or second in aliases):
            specs.append(second)
    printed = [rng.choice(aliases[s]) if aliases.get(s) and rng.random() < 0.2 else s for s in specs]
    states = known_states()
    if rng.random() < 0.8:
        lic = ["California"]
    else:
        lic = [rng.choice([s for s in _OTHER_STATES if s in states])]
    if rng.random() < 0.1:
        extra = rng.choice([s for s in _OTHER_STATES if s in states and s not in lic])
        lic.append(extra)
    return Credentials(style, specs, printed, lic)
