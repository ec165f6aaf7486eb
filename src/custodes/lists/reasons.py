"""Sort a published reason for a listing into one category of conduct."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

__all__ = ["REASON_CATEGORIES", "RULES", "VIRGINIA_SECTIONS", "categorise", "most_serious"]

#: Categories from the most serious to the least: a reason naming several takes the first.
REASON_CATEGORIES = (
    "sexual offence",
    "sexual misconduct",
    "domestic abuse",
    "violence",
    "dishonesty",
    "drugs",
    "other",
)

#: Words that put a reason in a category; patterns are case-insensitive regular expressions.
RULES: dict[str, tuple[str, ...]] = {
    "sexual offence": (
        # Crimes in the criminal law; the wording of the Virginia list and of court records.
        r"sexual\s+(battery|assault|abuse|penetration)",
        r"carnal\s+knowledge",
        r"indecent\s+(liberties|act|exposure)",
        r"\brape\b",
        r"sodomy",
        r"incest",
        r"child\s+porn",
        r"obscen",
        r"crimes?\s+against\s+nature",
        r"procuring\s+a\s+minor",
        # Virginia 18.2-374.3: using a phone or the internet to solicit a child.
        r"offenses?\s+involving\s+children",
        r"solicit\w*.{0,40}\b(minor|child)",
        r"prostitution|commercial\s+sex",
        # Voyeurism and intimate images (Virginia 18.2-386.1 and 18.2-386.2).
        r"unlawful\s+creation\s+of\s+image|images?\s+of\s+another",
    ),
    "sexual misconduct": (
        # Breaches of conduct standards rather than crimes: the CCRB's "Sex Miscon" allegations,
        # harassment, and the Prison Rape Elimination Act's staff-misconduct standards.
        r"sex(ual)?\s*miscon",
        r"sexual\s+harass",
        r"sexual\s+humiliation",
        r"sexually\s+motiv",
        r"romantic\s+proposition",
        r"\bprea\b",
        r"inappropriate\s+relationship",
        r"sexual\s+(contact|relationship|advances?|comments?)",
        # Abuse of position for a sexual purpose, as England and Wales name it (custodes' own
        # barred and advisory list reports).
        r"for\s+a\s+sexual\s+purpose",
        # Never a bare "sexual": the CCRB's "Offensive Language: Sexual orientation" is not.
    ),
    "domestic abuse": (
        r"family\s+(or\s+household\s+)?member",
        r"household\s+member",
        # Not the "Juvenile and Domestic Relations District Court" that tries many cases.
        r"\bdomestic\b(?!\s+relations)",
        # Protective orders are almost always made to protect a partner or relative.
        r"protective\s+order",
    ),
    "violence": (
        r"assault",
        r"batter(y|ies)",
        # CCRB "Force: ..." allegations and departmental use-of-force findings.
        r"\bforce\b",
        r"wounding",
        r"manslaughter|murder|homicide",
        r"strangl",
        r"abduct|kidnap",
        r"brandish",
        r"chokehold",
        r"gun\s+(pointed|drawn|fired)",
        r"\bas\s+(a\s+)?club\b",
        r"pepper\s+spray",
        r"cruelty\s+to\s+animals",
        # Material support for terrorism: the intent is violence, whatever the charge's form.
        r"terroris",
    ),
    "dishonesty": (
        # Virginia's "credibility, integrity or honesty" ground (15.2-1707(B)(vi)) and the
        # Brady/Giglio impeachment ground (vii) go to whether the officer can be believed.
        r"untruth",
        r"\bfalse",
        r"falsif",
        r"fraud",
        r"forg(ery|ed|ing)",
        r"embezzl",
        r"larceny|theft|shoplift|stealing|robbery",
        r"perjur",
        # Crimes against the administration of justice: lying to or thwarting the courts.
        r"obstruct\w*\s+(of\s+)?(justice|official)|obstruction\b",
        r"brib|briver",
        r"obtain\w*\s+money",
        r"bad\s+checks?",
        r"integrity|honesty|credi\w*bility",
        r"misleading|inaccura",
        r"exculp|impeachment",
        r"malfeasance|conflict\s+of\s+interest",
        r"extort",
    ),
    "drugs": (
        # Controlled substances only; impaired driving (DUI) is left to "other" because most
        # DUI charges are for alcohol and the charge does not say which.
        r"drug",
        r"controlled\s+substance",
        r"narcotic",
        r"cocaine|heroin|fentanyl|marijuana|cannabis|methamphetamine|opioid|buprenorphine",
        r"schedule\s+(i{1,3}|iv|v)\b",
        r"\bpwid\b",
        r"urine",
    ),
}

#: Virginia Code sections (title 18.2) that reasons cite without naming the offence.
VIRGINIA_SECTIONS: dict[str, tuple[str, ...]] = {
    # Rape, carnal knowledge of a detainee, sexual battery, indecent liberties, child
    # pornography, soliciting a child online, buying sex, intimate images.
    "sexual offence": (
        "61",
        "64.2",
        "67.3",
        "67.4",
        "370",
        "370.1",
        "374.1",
        "374.1:1",
        "374.1.1",  # as misprinted on the list for 374.1:1
        "374.3",
        "346",
        "346.01",
        "386.1",
        "386.2",
    ),
    "domestic abuse": ("57.2",),  # assault and battery against a family or household member
    "violence": ("57", "51", "51.2", "35", "36"),  # assault, wounding, manslaughter
    # Larceny, embezzlement, leased-property fraud, false pretences, obstruction, false reports.
    "dishonesty": ("95", "96", "111", "118", "178", "460", "461"),
    "drugs": ("248", "250", "474.1"),  # possession, distribution, drugs to prisoners
}


def _section_pattern(section: str) -> str:
    """Match one cited section, allowing the list's zero-padding and refusing a longer one."""
    return r"18\.2-0*" + re.escape(section) + r"(?![.:]?\d)"


@cache
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compile one pattern per category, in order of seriousness.

    The patterns are in small letters and matched against the reason in small letters: the
    same answers as ignoring case, in a third of the time.
    """
    compiled = []
    for category in REASON_CATEGORIES[:-1]:
        patterns = [*RULES[category]]
        patterns += [_section_pattern(s) for s in VIRGINIA_SECTIONS.get(category, ())]
        compiled.append((category, re.compile("|".join(patterns))))
    return tuple(compiled)


# Distinct reasons kept categorised: lists repeat a few wordings thousands of times.
@lru_cache(maxsize=65_536)
def categorise(reason: str) -> str:
    """Return the most serious category of conduct the reason names, or "other"."""
    text = " ".join(reason.split()).lower()
    for category, pattern in _compiled():
        if pattern.search(text):
            return category
    return "other"


def most_serious(categories: Iterable[str]) -> str:
    """Return the most serious of the categories, or "other" if there are none."""
    return min(categories, key=REASON_CATEGORIES.index, default="other")
