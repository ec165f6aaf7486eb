"""A listing's published reason falls in the category a standards officer would put it in."""

from __future__ import annotations

from collections import Counter

import pytest

from custodes.lists import REASON_CATEGORIES, categorise
from custodes.lists.reasons import most_serious
from tests.lists_data import csv_rows, shared_file

# Real reasons, verbatim from the reporters' present.csv and prior.csv (Virginia DCJS list),
# each labelled by hand.
LABELLED = [
    ("Sexual battery conviction, Virginia Beach Circuit Court", "sexual offence"),
    (
        "Carnal Knowledge of an Inmate (2 counts), Sexual Battery of an Inmate (2 counts), in the "
        "Williamsburg/James City County Circuit Court.",
        "sexual offence",
    ),
    (
        "Taking indecent liberties with a minor by a custodian, carnal knowledge, computer "
        "solicitation conviction, Northumberland County Circuit Court",
        "sexual offence",
    ),
    ("Forcible sodomy conviction, Prince William County Circuit Court", "sexual offence"),
    (
        "Object Sexual Penetration, Taking Indecent Liberties with Children, in the Richmond City "
        "Circuit Court",
        "sexual offence",
    ),
    (
        "Possession, Reproduction, Distribution, Solicitation and Facilitation of Child "
        "Pornography (26 counts), in the Virginia Beach City Circuit Court.",
        "sexual offence",
    ),
    ("Felonies: Possession of Child Pornography (10 counts)", "sexual offence"),
    (
        "Production of Obscene Pictures (1 Misdemeanor Count) in the Scott County Circuit Court.",
        "sexual offence",
    ),
    ("Unlawful Creation of Image of Another, City of Norfolk Circuit Court", "sexual offence"),
    (
        "Procuring a minor by electronic means and crimes against nature conviction, Stafford "
        "County Circuit Court",
        "sexual offence",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Violation of State or Federal Law (18.2-386.2)",
        "sexual offence",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(i & iii)- Violation of State or Federal Law "
        "(18.2-346.01, 18.2-374.3)",
        "sexual offence",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Violation of State or Federal Law "
        "(18.2-374.1.1)",
        "sexual offence",
    ),
    (
        "Decertification Cause: 15.2-1707(A) - (1) Felony County (18.2-064.2) Middlesex County "
        "Circuit Court_ Carnal knowledge of a Detained Person",
        "sexual offence",
    ),
    (
        "Sodomy Family Member to Family Member (4 counts), Incest with Own Child (4 counts), in "
        "the Powhatan County Circuit Court.",
        "sexual offence",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii&vi)- Sexual Harassment of Co-workers",
        "sexual misconduct",
    ),
    ("Decertification Cause: 15.2-1707(B)(vi)-  PREA Violation", "sexual misconduct"),
    (
        "Assault on Family Member (1 Count Misdemeanor)  In the Virginia Beach Circuit Court",
        "domestic abuse",
    ),
    (
        "Pled Nolo Contendere, Assault and Battery Against a Family or Household Member, Richmond "
        "Juvenile and Domestic Relations District Court",
        "domestic abuse",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Arrested for Violation of Protective Order, "
        "Chesterfield County",
        "domestic abuse",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(i & III)- Violation of State or Federal Law "
        "(18.2-57.2)",
        "domestic abuse",
    ),
    (
        "Decertification Cause: 15.2-1707(A)iv) & (B)(iii)- Convicted in Norfolk JD&R Court for "
        "1 Count Contribute to Deliq of Minor (18.2-371, Misdemeanor) and 1 Count Assautl & "
        "Battery-Family Member (18.2-57.2, Misdemeanor), in Violation of State or Federla Law.",
        "domestic abuse",
    ),
    (
        "Assault &Battery/ Family Member (2 Misdemeanor Counts) in Suffolk JD&R Court, and "
        "Unlawful Wounding (1 Felony Count) in Suffolk Circuit Court.",
        "domestic abuse",
    ),
    ("Departmental Use of Force Violation/ Pursuant to 15.2-1707 (b)(iii)", "violence"),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Violation of State and Federal Law (18.2-57)",
        "violence",
    ),
    ("Voluntary manslaughter conviction, Portsmouth Circuit Court", "violence"),
    (
        "Decertificaion Cause: 15.2-1707(A)(i) - Powhatan Circuit Court/ Cruelty to Animals "
        "(Felony 1 Count, 3.2-6570, and Falsely summoning or giving false reports to "
        "law-enforcement officials (Misdemeanor 1 Count, 18.2-461))",
        "violence",
    ),
    (
        "Attempt to Provide Material Support to a Designated Foreign Terrorist Organization, "
        "Attempt to Obstruct Justice, two counts (2), in the United States District Court, "
        "Eastern District of Virginia",
        "violence",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Violation of State or Federal Law/ Pled "
        "Guilty to Assault & Battery (Misdmeanor/ 18.2-57(A)) and Obstruction of "
        "Justice(Misdemeanor/ 18.2-460(B), Chesterfield General District Court",
        "violence",
    ),
    (
        "Decertification Cause:  15.2-1707(B)(vi)- Untruthful statements during IA "
        "Investigation,  Arlington County PD.",
        "dishonesty",
    ),
    ("Decertification Cause: 15.2-1707(B)(vi)- Falsifying Documents", "dishonesty"),
    ("Embezzlement conviction, Chesapeake Circuit Court", "dishonesty"),
    ("Petit larceny conviction, Chesterfield County Circuit Court", "dishonesty"),
    (
        "Identity Theft (Misdemeanor 2 Counts) in the Virginia Beach General District Court.",
        "dishonesty",
    ),
    (
        "Bribery conviction, United States District Court, Western District of Virginia",
        "dishonesty",
    ),
    (
        "Decertification Cause: 15.2-1707(A)(ii) - Misdemeanor: Malfeasance by a Public Official "
        "(2.2-3103)(1 Cout)",
        "dishonesty",
    ),
    (
        "Decertication Cause:  15.2-1707(A)- (1) Felony count- Conspiracy to Obstruct Official "
        "Proceeding, United States District Court, District of Columbia.",
        "dishonesty",
    ),
    (
        "Decertification Cause: 15.2-1707(A)(i)- Convicted in Roanoke City Circuit Court for (1) "
        "Felony Count of Deliver Narcotics to Prisoner (18.2-474.1) & (2) Counts of Brivery in "
        "Correctional Facility(18.2-474.2)",
        "dishonesty",
    ),
    (
        "Obtain controlled substance by fraud conviction, US District Court, Western District of "
        "Virginia",
        "dishonesty",
    ),
    (
        "Prescription Fraud (Misdemeanor 1 Count) In the Virginia Beach Circuit Court.",
        "dishonesty",
    ),
    (
        "Hit and run; filing false police report conviction, Fairfax County General District Court",
        "dishonesty",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(i & iii)- Violation of State or Federal Law "
        "(18.2-118)",
        "dishonesty",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(vi & vii)- Engaged in conduct that compromises your "
        "credibility, integrity, or honesty and constituted exculpitory or impeachment evidence "
        "in a criminal case.",
        "dishonesty",
    ),
    (
        "Possession and distribution of controlled substance conviction, US District Court, "
        "Western District of Virginia",
        "drugs",
    ),
    (
        "Decertification Cause: 15.2-1707(A)(vi) - Positive result on a drug screening",
        "drugs",
    ),
    (
        "Refusal to submit to drug screening <U+00A7>15.2-1707 (provided a foreign urine sample) "
        "& Tested Positive on drug screening <U+00A7>15.2-1707",
        "drugs",
    ),
    (
        "Delivery of Drugs to a Prisoner-Schedule III: Buprenorphine and Naloxone and PWID: "
        "Schedule III: Buprenorphine and Naloxone, Circuit Court of Halifax County",
        "drugs",
    ),
    (
        "Felony:  Conspiracy to possess with intent to distribute more than 500 Grams of Cocaine "
        "(1 Count) in the U.S. District Court, Eastern Division of Virginia, Newport News "
        "District",
        "drugs",
    ),
    ("Decertification Cause 15.2-1707(A)(vi)&(B)(iii)Drug Test Violation and DUI", "drugs"),
    # DUI alone is "other": the charge does not say whether it was drink or drugs.
    ("Decertification Cause 15.2-1707(B)(i & iii)- Arrested for Driving Under Influence", "other"),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Violation of State and Federal Law (18.2-266)",
        "other",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii) - Violation of Computer Invasion of Privacy "
        "(18.2-152.5)",
        "other",
    ),
    ("Decerification Cause: 15.2-1707(B)(iii&vi)- Inmate Contraband Violations", "other"),
    (
        "Decertification Cause:  15.2-1707)B)(iii) - Violation of State or Federal Law:  "
        "Convicted of (1) Misdemeanor Charge- Allowing Access to Firearms by children, Va. Code "
        "18.2-56.2 in Newport News JD&R General District Court",
        "other",
    ),
    (
        "Command or attempt to persuade a child under the age of 13 to commit a felony "
        "conviction, Fauquier County Circuit Court",
        "other",
    ),
    ('"Failed to comply or Maintain compliance with Mandated Training Requirements."', "other"),
    (
        "Decertification Cause: 15.2-1707(B)(v)- Seperated while under investigation for Serious "
        "Misconduct as defined by the SOC",
        "other",
    ),
    # The court that tried a case is not its category.
    (
        "Decertification Cause: 15.2-1707(B)(i & III)- Multiple Violation of State or Federal "
        "Law - Fairfax County Juvenile & Domestic Relations District Court",
        "other",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Violation of State or Federal Law (Multiple)",
        "other",
    ),
    (
        "Decertification Cause: 15.2-1707(B)(iii)- Violation of State and Federal Law (18.2-137)",
        "other",
    ),
]

# CCRB allegations as the reader writes them ("FADO type: allegation"), verbatim from the
# 2021 CCRB database snapshot.
CCRB_LABELLED = [
    ("Abuse of Authority: Sex Miscon (Sexual Harassment, Verbal)", "sexual misconduct"),
    ("Abuse of Authority: Sex Miscon (Sexual/Romantic Proposition)", "sexual misconduct"),
    ("Abuse of Authority: Sex Miscon (Sexually Motiv Strip-Search)", "sexual misconduct"),
    ("Abuse of Authority: Sexual Misconduct (Sexual Humiliation)", "sexual misconduct"),
    ("Offensive Language: Sexual orientation", "other"),
    ("Force: Chokehold", "violence"),
    ("Force: Nightstick as club (incl asp & baton)", "violence"),
    ("Abuse of Authority: Threat of force (verbal or physical)", "violence"),
    ("Abuse of Authority: Gun Pointed", "violence"),
    ("Untruthful Statement: False official statement", "dishonesty"),
    ("Abuse of Authority: Strip-searched", "other"),
    ("Discourtesy: Word", "other"),
]


def test_there_are_at_least_forty_distinct_hand_labelled_real_reasons() -> None:
    assert len({reason for reason, _ in LABELLED}) == len(LABELLED) >= 40
    assert {category for _, category in LABELLED} == set(REASON_CATEGORIES)


@pytest.mark.parametrize(("reason", "category"), LABELLED + CCRB_LABELLED)
def test_a_reason_gets_its_hand_label(reason: str, category: str) -> None:
    assert categorise(reason) == category


def test_the_hand_labelled_reasons_are_on_the_published_list() -> None:
    folder = ("virginia-decertification",)
    published = {
        row["reason"]
        for name in ("present.csv", "prior.csv")
        for row in csv_rows(shared_file(*folder, name))
    }
    assert {reason for reason, _ in LABELLED} <= published


def test_every_reason_on_the_virginia_lists_gets_one_category() -> None:
    for name in ("present.csv", "prior.csv"):
        for row in csv_rows(shared_file("virginia-decertification", name)):
            assert categorise(row["reason"]) in REASON_CATEGORIES


def test_the_present_list_is_mostly_dishonesty_with_nine_sexual_offences() -> None:
    rows = csv_rows(shared_file("virginia-decertification", "present.csv"))
    counts = Counter(categorise(row["reason"]) for row in rows)
    # Measured on the April 2025 list and checked by eye: most present decertifications are
    # for untruthfulness or falsified records; "other" is mostly the bare "Violation of State
    # or Federal Law" (26 rows) and "serious misconduct" without a description.
    assert counts == {
        "dishonesty": 222,
        "other": 46,
        "drugs": 15,
        "sexual offence": 9,
        "domestic abuse": 8,
        "violence": 6,
        "sexual misconduct": 2,
    }


def test_the_prior_list_has_more_convictions_for_sexual_offences() -> None:
    rows = csv_rows(shared_file("virginia-decertification", "prior.csv"))
    counts = Counter(categorise(row["reason"]) for row in rows)
    assert counts == {
        "dishonesty": 32,
        "sexual offence": 23,
        "drugs": 13,
        "domestic abuse": 8,
        "violence": 3,
        "other": 2,
    }


def test_spacing_and_case_do_not_change_the_category() -> None:
    assert categorise("SEXUAL   BATTERY\nconviction") == "sexual offence"
    assert categorise("") == "other"


def test_the_most_serious_category_wins() -> None:
    assert most_serious(["drugs", "sexual misconduct", "violence"]) == "sexual misconduct"
    assert most_serious([]) == "other"
