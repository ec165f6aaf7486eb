"""Case rules: each jurisdiction's law on recording, referral, outcomes and lists, as data."""

from __future__ import annotations

from custodes.caserules.errors import (
    CaseRulesError,
    FactsError,
    NotInForce,
    NotInProfile,
    RulesFileError,
)
from custodes.caserules.facts import MatterFacts
from custodes.caserules.history import (
    CATEGORY_GROUPS,
    FINDINGS,
    HISTORY_TABLES,
    OUTCOME_GROUPS,
    HistoryError,
    HistoryMapping,
    HistoryProblem,
    check_history,
    history_mapping,
    write_history,
)
from custodes.caserules.profile import (
    PROFILES,
    AcceleratedHearing,
    ListReport,
    OutcomeOption,
    Outcomes,
    Panel,
    Profile,
    Recording,
    Referral,
    Severity,
    TimelinessAccount,
    load_profile,
)
from custodes.caserules.rules import Category, ParamChange, Rule
from custodes.caserules.vetting import (
    PERIOD_KINDS,
    TRIGGER_KINDS,
    RandomSampling,
    VettingLevel,
    VettingPeriod,
    VettingRules,
    VettingTrigger,
    load_vetting,
)
from custodes.caserules.workingdays import WorkingDays

__all__ = [
    "CATEGORY_GROUPS",
    "FINDINGS",
    "HISTORY_TABLES",
    "OUTCOME_GROUPS",
    "PERIOD_KINDS",
    "PROFILES",
    "TRIGGER_KINDS",
    "AcceleratedHearing",
    "CaseRulesError",
    "Category",
    "FactsError",
    "HistoryError",
    "HistoryMapping",
    "HistoryProblem",
    "ListReport",
    "MatterFacts",
    "NotInForce",
    "NotInProfile",
    "OutcomeOption",
    "Outcomes",
    "Panel",
    "ParamChange",
    "Profile",
    "RandomSampling",
    "Recording",
    "Referral",
    "Rule",
    "RulesFileError",
    "Severity",
    "TimelinessAccount",
    "VettingLevel",
    "VettingPeriod",
    "VettingRules",
    "VettingTrigger",
    "WorkingDays",
    "check_history",
    "history_mapping",
    "load_profile",
    "load_vetting",
    "write_history",
]
