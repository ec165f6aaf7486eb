"""Row-level security as it stands: every function, policy and grant, in one readable place.

PostgreSQL repeats the application's need-to-know rules (`needtoknow`, and each app's
`access.py`) for the role the web app connects as, so a query that forgets them still shows
nothing it should not. This module is that policy, whole:

- the functions the policies call (`FUNCTIONS`), each a security definer that reads the tables
  as their owner, whom row-level security does not bind, with a fixed search_path and no JIT;
- the policies on each table (`POLICIES`) and the tables they guard (`TABLES`);
- what the application's role may do to each table (`RIGHTS`);
- what the reporting portal's own role may do (`PORTAL_RIGHTS`, `PORTAL_FUNCTIONS`): add
  reports, messages and files, and read one report only through the functions that take its
  receipt's lookup; nothing of any other table.

Migrations apply it (`apply`), so the database is always at this text; earlier migrations
(0001-0008) stay as they were applied, and `tests/web/test_postgres_policy.py` compares the
live database with this module so the two cannot drift. Who may do what comes from the apps
themselves (the role sets below), never restated here.

Row-level security backs up the application's own checks against a query that forgets them;
it cannot stop an attacker who runs SQL of their choosing as the application's role, since
that role sets `custodes.user_id` itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from psycopg import sql

from custodes.web.accounts.access import TRAIL_ROLES
from custodes.web.alerts.access import ALERT_KINDS, ALERT_ROLES
from custodes.web.cases.access import (
    AUTHORITY_ROLES,
    CASE_ROLES,
    GRANTING_ROLES,
    INVESTIGATOR_STEPS,
    MATTER_ROLES,
    OVERSIGHT_ROLES,
    STEP_ROLES,
)
from custodes.web.registry.access import REGISTRY_ROLES, REVIEW_ROLES
from custodes.web.reports.access import REPORT_ROLES
from custodes.web.risk.access import RISK_ROLES, UNTIED_ROLES
from custodes.web.vetting.access import VETTING_ROLES
from custodes.web.vetting.models import Withdrawal

__all__ = [
    "FUNCTIONS",
    "POLICIES",
    "PORTAL_RIGHTS",
    "RETIRED",
    "RIGHTS",
    "TABLES",
    "Function",
    "Policy",
    "apply",
    "differences",
    "statements",
    "vetted",
]

# Security definers read as the tables' owner, with a search_path no caller can change, and
# never JIT-compiled: they answer for a handful of rows, where compiling costs far more than
# it saves (dbsecurity 0007). {schema} is the schema the tables are in.
DEFINER = "STABLE SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp SET jit = off"


@dataclass(frozen=True)
class Function:
    """One SQL function: its name, arguments, result, language and body.

    The body may name the role sets as {case_roles}, {granting}, {alert_roles},
    {trail_roles}, {matter_roles}, {authority_roles}, {oversight_roles}, {risk_roles},
    {untied_risk_roles}, {vetting_roles}, {registry_roles} and {registry_review_roles}, the
    alert kinds' rule as {kind_roles}, and the case steps' as {step_roles} and
    {investigator_steps}; they go in as SQL literals.
    """

    name: str
    args: str
    returns: str
    language: str
    body: str
    definer: bool = True
    # Who may call it: the application's role ("app"), the portal's ("portal") or both.
    callers: str = "app"
    # VOLATILE for a function that writes (the portal's one-time TOTP step).
    volatility: str = "STABLE"

    @property
    def signature(self) -> str:
        """Return the name and argument types, as GRANT, REVOKE and DROP name a function."""
        types = [
            re.sub(r"\s+DEFAULT\s+.*$", "", arg.strip()).split(None, 1)[1]
            for arg in self.args.split(",")
            if arg.strip()
        ]
        return f"{self.name}({', '.join(types)})"


@dataclass(frozen=True)
class Policy:
    """One row-level security policy: which rows a command may see (USING) and write (CHECK)."""

    table: str
    name: str
    command: str
    using: str | None
    check: str | None = None


def _f(
    name: str,
    args: str,
    returns: str,
    language: str,
    body: str,
    definer: bool = True,
    callers: str = "app",
    volatility: str = "STABLE",
) -> Function:
    return Function(name, args, returns, language, body.strip("\n"), definer, callers, volatility)


# ---------------------------------------------------------------------------------------------
# Who is asking: the user `DatabaseUserMiddleware` names for each request's transaction.

_WHO = [
    _f(
        "custodes_current_user",
        "",
        "bigint",
        "sql",
        """
    SELECT nullif(current_setting('custodes.user_id', true), '')::bigint
""",
        definer=False,
        callers="both",  # the portal's policies name it too; it reads only a setting
    ),
    _f(
        "custodes_has_role",
        "p_user bigint, p_roles text[]",
        "boolean",
        "sql",
        """
    SELECT EXISTS (
        SELECT 1 FROM accounts_user
        WHERE id = p_user AND is_active AND role = ANY (p_roles)
    )
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# Custodes' own chart (needtoknow.rule.conflict): the viewer, the line-management chain either
# way, and the unit.

_OWN_CHART = [
    _f(
        "custodes_managers",
        "p_user bigint",
        "SETOF bigint",
        "sql",
        """
    -- UNION, not UNION ALL: a cycle of line managers ends the walk.
    WITH RECURSIVE chain(id) AS (
        SELECT line_manager_id FROM accounts_user
        WHERE id = p_user AND line_manager_id IS NOT NULL
        UNION
        SELECT u.line_manager_id FROM accounts_user AS u JOIN chain ON u.id = chain.id
        WHERE u.line_manager_id IS NOT NULL
    )
    SELECT id FROM chain
""",
    ),
    _f(
        "custodes_conflict",
        "p_viewer bigint, p_subject bigint",
        "boolean",
        "sql",
        """
    -- needtoknow.rule.conflict: self; the chain above or below the viewer; same unit.
    SELECT CASE
        WHEN p_subject IS NULL THEN false
        WHEN p_viewer IS NULL THEN true
        ELSE p_viewer = p_subject
            OR p_subject IN (SELECT m FROM custodes_managers(p_viewer) AS m)
            OR p_viewer IN (SELECT m FROM custodes_managers(p_subject) AS m)
            OR EXISTS (
                SELECT 1 FROM accounts_user AS v JOIN accounts_user AS s ON s.id = p_subject
                WHERE v.id = p_viewer AND v.unit <> '' AND v.unit = s.unit
            )
    END
""",
    ),
    _f(
        "custodes_conflicting",
        "p_viewer bigint",
        "SETOF bigint",
        "sql",
        """
    -- Every account s with custodes_conflict(p_viewer, s), as one set: the viewer,
    -- the chain above them, everyone whose chain they are in, and their unit.
    WITH RECURSIVE below(id) AS (
        SELECT id FROM accounts_user WHERE line_manager_id = p_viewer
        UNION
        SELECT u.id FROM accounts_user AS u JOIN below ON u.line_manager_id = below.id
    )
    SELECT id FROM accounts_user WHERE id = p_viewer
    UNION
    SELECT m FROM custodes_managers(p_viewer) AS m
    UNION
    SELECT id FROM below
    UNION
    SELECT s.id FROM accounts_user AS v JOIN accounts_user AS s ON s.unit = v.unit
    WHERE v.id = p_viewer AND v.unit <> ''
""",
    ),
    _f(
        "custodes_audit_hidden_ids",
        "p_viewer bigint",
        "SETOF text",
        "sql",
        """
    -- The force user id of every custodes account in conflict with the viewer in
    -- custodes' own chart, their own among them (Conflict.SELF): an account of
    -- another force with the same id only hides more, never less.
    SELECT a.force_user_id FROM accounts_user AS a
    WHERE a.force_user_id IS NOT NULL
      AND a.id IN (SELECT c FROM custodes_conflicting(p_viewer) AS c)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# The audited forces' charts (needtoknow.charts.Charts): staff known by their id in the force's
# systems, in every imported run that lists them.

_FORCE_CHARTS = [
    _f(
        "custodes_holds_staff_id",
        "p_user bigint, p_staff text",
        "boolean",
        "sql",
        """
    -- cases.access.is_subject by force user id: any account holding it is the
    -- subject, whatever its force. A case not opened from an alert has NULL here.
    SELECT EXISTS (
        SELECT 1 FROM accounts_user WHERE id = p_user AND force_user_id = p_staff
    )
""",
    ),
    _f(
        "custodes_audit_conflicts",
        "p_viewer bigint",
        "TABLE (c_user text, c_kind text)",
        "sql",
        """
    -- Charts: in every run whose staff list the viewer, the staff above and
    -- below them ('chain') and in their unit ('unit'), whatever the run, so one run's
    -- chart hides the subject in every other. A manager who is not on the run's
    -- staff ends a chain; UNION ends a cycle.
    WITH RECURSIVE me AS (
        SELECT s.run_id, s.user_id, s.unit
        FROM accounts_user AS u
        JOIN alerts_forcestaff AS s ON s.user_id = u.force_user_id
        WHERE u.id = p_viewer AND u.force_user_id <> ''
    ),
    above(run_id, user_id) AS (
        SELECT m.run_id, m.user_id FROM me
        JOIN alerts_forcestaff AS s ON s.run_id = me.run_id AND s.user_id = me.user_id
        JOIN alerts_forcestaff AS m
          ON m.run_id = s.run_id AND m.user_id = s.line_manager_id
        UNION
        SELECT m.run_id, m.user_id FROM above
        JOIN alerts_forcestaff AS s
          ON s.run_id = above.run_id AND s.user_id = above.user_id
        JOIN alerts_forcestaff AS m
          ON m.run_id = s.run_id AND m.user_id = s.line_manager_id
    ),
    below(run_id, user_id) AS (
        SELECT s.run_id, s.user_id FROM me
        JOIN alerts_forcestaff AS s
          ON s.run_id = me.run_id AND s.line_manager_id = me.user_id
        UNION
        SELECT s.run_id, s.user_id FROM below
        JOIN alerts_forcestaff AS s
          ON s.run_id = below.run_id AND s.line_manager_id = below.user_id
    )
    SELECT user_id, 'chain' FROM above
    UNION
    SELECT user_id, 'chain' FROM below
    UNION
    SELECT s.user_id, 'unit' FROM me
    JOIN alerts_forcestaff AS s ON s.run_id = me.run_id AND s.unit = me.unit
    WHERE me.unit <> ''
""",
    ),
    _f(
        "custodes_force_managers",
        "p_staff text",
        "SETOF text",
        "sql",
        """
    -- Charts.under_management: everyone above the member of staff p_staff, in every
    -- run that lists them (reg 15(3): nobody who works under the subject's management
    -- investigates them). A manager not on the run's staff ends a chain; UNION ends a
    -- cycle.
    WITH RECURSIVE above(run_id, user_id) AS (
        SELECT m.run_id, m.user_id FROM alerts_forcestaff AS s
        JOIN alerts_forcestaff AS m
          ON m.run_id = s.run_id AND m.user_id = s.line_manager_id
        WHERE s.user_id = p_staff
        UNION
        SELECT m.run_id, m.user_id FROM above
        JOIN alerts_forcestaff AS s
          ON s.run_id = above.run_id AND s.user_id = above.user_id
        JOIN alerts_forcestaff AS m
          ON m.run_id = s.run_id AND m.user_id = s.line_manager_id
    )
    SELECT DISTINCT user_id FROM above WHERE user_id <> p_staff
""",
    ),
    _f(
        "custodes_audit_subject_conflict",
        "p_viewer bigint, p_subject text",
        "boolean",
        "sql",
        """
    -- Charts.subject_conflict: the viewer's own force user id or an account
    -- too close to them in custodes' chart holds the subject's, or the subject is too
    -- close to them in a run that lists them both. NULL: no subject in the force.
    SELECT p_subject IS NOT NULL AND (
        p_viewer IS NULL
        OR p_subject IN (SELECT h FROM custodes_audit_hidden_ids(p_viewer) AS h)
        OR p_subject IN (SELECT c.c_user FROM custodes_audit_conflicts(p_viewer) AS c)
    )
""",
    ),
    _f(
        "custodes_force_conflicted_cases",
        "p_viewer bigint",
        "SETOF uuid",
        "sql",
        """
    -- The cases with a subject known by force user id who is too close to the viewer
    -- (the one it was opened about, or any other): custodes_audit_subject_conflict for
    -- every case and subject at once, each set worked out once.
    WITH near AS (
        SELECT h AS staff FROM custodes_audit_hidden_ids(p_viewer) AS h
        UNION
        SELECT x.c_user FROM custodes_audit_conflicts(p_viewer) AS x
    )
    SELECT c.id FROM cases_case AS c JOIN near ON near.staff = c.subject_force_user_id
    UNION
    SELECT s.case_id FROM cases_casesubject AS s JOIN near ON near.staff = s.force_user_id
""",
    ),
    _f(
        "custodes_case_subject_conflict",
        "p_viewer bigint, p_case uuid",
        "boolean",
        "sql",
        """
    -- cases.access.case_conflict for one case: the viewer is one of its subjects, or
    -- in a subject's chain either way or unit, in custodes' chart or (for a subject
    -- known by force user id) in an audited force's. False for no such case.
    SELECT coalesce((
        SELECT custodes_conflict(p_viewer, c.subject_id)
            OR custodes_holds_staff_id(p_viewer, c.subject_force_user_id)
            OR custodes_audit_subject_conflict(p_viewer, c.subject_force_user_id)
        FROM cases_case AS c WHERE c.id = p_case
    ), false)
    OR EXISTS (
        SELECT 1 FROM cases_casesubject AS s
        WHERE s.case_id = p_case
          AND (custodes_conflict(p_viewer, s.user_id)
               OR custodes_holds_staff_id(p_viewer, s.force_user_id)
               OR custodes_audit_subject_conflict(p_viewer, s.force_user_id))
    )
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# A case's subjects beyond the one it was opened about (cases_casesubject), and the matters the
# oversight body reads because they were referred to it.

_CASE_SUBJECTS = [
    _f(
        "custodes_is_case_subject",
        "p_viewer bigint, p_case uuid",
        "boolean",
        "sql",
        """
    -- cases.access.is_subject over the case's subjects: by account, or by any account
    -- holding a subject's force user id.
    SELECT EXISTS (
        SELECT 1 FROM cases_casesubject AS s
        WHERE s.case_id = p_case
          AND (s.user_id = p_viewer OR custodes_holds_staff_id(p_viewer, s.force_user_id))
    )
""",
    ),
    _f(
        "custodes_case_subjects_conflict",
        "p_viewer bigint, p_case uuid",
        "boolean",
        "sql",
        """
    -- A subject of the case too close to the viewer in custodes' own chart.
    SELECT EXISTS (
        SELECT 1 FROM cases_casesubject AS s
        WHERE s.case_id = p_case AND custodes_conflict(p_viewer, s.user_id)
    )
""",
    ),
    _f(
        "custodes_case_subjects_force_conflict",
        "p_viewer bigint, p_case uuid",
        "boolean",
        "sql",
        """
    -- A subject of the case, by force user id, too close to the viewer in custodes'
    -- chart or an audited force's: for one case, each set worked out once.
    SELECT EXISTS (
        SELECT 1 FROM cases_casesubject AS s
        WHERE s.case_id = p_case AND s.force_user_id IN (
            SELECT h FROM custodes_audit_hidden_ids(p_viewer) AS h
            UNION
            SELECT x.c_user FROM custodes_audit_conflicts(p_viewer) AS x
        )
    )
""",
    ),
    _f(
        "custodes_oversees",
        "p_viewer bigint, p_case uuid",
        "boolean",
        "sql",
        """
    -- The oversight body reads a matter once it has been referred to it.
    SELECT custodes_has_role(p_viewer, {oversight_roles}::text[])
        AND EXISTS (SELECT 1 FROM cases_case WHERE id = p_case AND referred_at IS NOT NULL)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# Cases (cases.access.decide, cases.actions): who may see a case, give access to it, open one,
# and find one to break the glass into.

_CASES = [
    _f(
        "custodes_may_see_given",
        "p_viewer bigint, p_case uuid, p_subject bigint, p_subject_staff text, "
        "p_sealed boolean, p_force_conflict boolean, p_extra_kind text DEFAULT NULL",
        "boolean",
        "plpgsql",
        """
DECLARE
    kinds text[];
BEGIN
    -- cases.access.decide, step by step, with the subjects' conflicts in the force's
    -- charts worked out by the caller (p_force_conflict), once per statement where a
    -- policy asks. p_extra_kind counts an access row being inserted. The case's other
    -- subjects (cases_casesubject) count as its first one does.
    IF p_viewer IS NULL OR p_case IS NULL OR p_viewer IS NOT DISTINCT FROM p_subject
       OR custodes_holds_staff_id(p_viewer, p_subject_staff)
       OR custodes_is_case_subject(p_viewer, p_case)
       OR NOT EXISTS (SELECT 1 FROM accounts_user WHERE id = p_viewer AND is_active)
    THEN
        RETURN false;
    END IF;
    SELECT coalesce(array_agg(kind), ARRAY[]::text[]) INTO kinds
    FROM cases_caseaccess
    WHERE case_id = p_case AND user_id = p_viewer
      AND (expires_at IS NULL OR expires_at > statement_timestamp());
    IF p_extra_kind IS NOT NULL THEN
        kinds := kinds || p_extra_kind;
    END IF;
    IF p_sealed THEN
        RETURN 'named' = ANY (kinds);
    END IF;
    IF custodes_conflict(p_viewer, p_subject) OR coalesce(p_force_conflict, false)
       OR custodes_case_subjects_conflict(p_viewer, p_case)
    THEN
        RETURN kinds && ARRAY['grant', 'break-glass'];
    END IF;
    IF kinds && ARRAY['member', 'grant', 'break-glass'] THEN
        RETURN true;
    END IF;
    -- The oversight body reads the matters referred to it (and writes none of them).
    RETURN custodes_oversees(p_viewer, p_case);
END
""",
    ),
    _f(
        "custodes_may_see",
        "p_viewer bigint, p_case uuid, p_subject bigint, p_subject_staff text, "
        "p_sealed boolean, p_extra_kind text DEFAULT NULL",
        "boolean",
        "sql",
        """
    SELECT custodes_may_see_given(
        p_viewer, p_case, p_subject, p_subject_staff, p_sealed,
        custodes_audit_subject_conflict(p_viewer, p_subject_staff)
            OR custodes_case_subjects_force_conflict(p_viewer, p_case),
        p_extra_kind
    )
""",
    ),
    _f(
        "custodes_may_see_case",
        "p_case uuid, p_viewer bigint, p_extra_kind text DEFAULT NULL",
        "boolean",
        "sql",
        """
    SELECT coalesce((
        SELECT custodes_may_see(
            p_viewer, c.id, c.subject_id, c.subject_force_user_id, c.sealed, p_extra_kind
        )
        FROM cases_case AS c WHERE c.id = p_case
    ), false)
""",
    ),
    _f(
        "custodes_may_see_case_given",
        "p_case uuid, p_viewer bigint, p_force_conflict boolean, p_extra_kind text DEFAULT NULL",
        "boolean",
        "sql",
        """
    SELECT coalesce((
        SELECT custodes_may_see_given(
            p_viewer, c.id, c.subject_id, c.subject_force_user_id, c.sealed,
            p_force_conflict, p_extra_kind
        )
        FROM cases_case AS c WHERE c.id = p_case
    ), false)
""",
    ),
    _f(
        "custodes_may_see_access_given",
        "p_case uuid, p_user bigint, p_kind text, p_expires timestamptz, "
        "p_granted_by bigint, p_viewer bigint, p_force_conflict boolean",
        "boolean",
        "sql",
        """
    -- One's own active row counts even before it is stored (INSERT ... RETURNING); the
    -- granter who may grant sees what they gave.
    SELECT custodes_may_see_case_given(
            p_case,
            p_viewer,
            p_force_conflict,
            CASE WHEN p_user = p_viewer
                  AND (p_expires IS NULL OR p_expires > statement_timestamp())
            THEN p_kind END
        )
        OR (p_granted_by = p_viewer AND custodes_has_role(p_viewer, {granting}::text[]))
""",
    ),
    _f(
        "custodes_may_give_access",
        "p_case uuid, p_user bigint, p_kind text, p_expires timestamptz, p_actor bigint",
        "boolean",
        "plpgsql",
        """
DECLARE
    v_role text;
    v_subject bigint;
    v_staff text;
    v_sealed boolean;
    v_opener bigint;
BEGIN
    SELECT role INTO v_role FROM accounts_user WHERE id = p_actor AND is_active;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    SELECT c.subject_id, c.subject_force_user_id, c.sealed, c.opened_by_id
    INTO v_subject, v_staff, v_sealed, v_opener
    FROM cases_case AS c WHERE c.id = p_case;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    -- Nobody is given, or gives, access to a case about themselves: by account, or
    -- by the force user id of a case opened from an audit alert.
    IF (v_subject IS NOT NULL AND v_subject IN (p_user, p_actor))
       OR custodes_holds_staff_id(p_user, v_staff)
       OR custodes_holds_staff_id(p_actor, v_staff)
       OR custodes_is_case_subject(p_user, p_case)
       OR custodes_is_case_subject(p_actor, p_case)
    THEN
        RETURN false;
    END IF;
    IF v_role = ANY ({granting}::text[]) AND p_kind <> 'break-glass' THEN
        RETURN true;
    END IF;
    IF p_user = p_actor THEN
        IF p_kind = 'break-glass' THEN
            -- Break-glass is for absent colleagues: never past a conflict.
            RETURN v_role = ANY ({case_roles}::text[])
                AND NOT v_sealed AND p_expires IS NOT NULL
                AND NOT custodes_case_subject_conflict(p_actor, p_case);
        END IF;
        RETURN v_opener = p_actor
            AND p_kind = CASE WHEN v_sealed THEN 'named' ELSE 'member' END
            AND NOT EXISTS (SELECT 1 FROM cases_caseaccess WHERE case_id = p_case);
    END IF;
    RETURN p_kind = 'member' AND custodes_may_see_case(p_case, p_actor);
END
""",
    ),
    _f(
        "custodes_may_open_case",
        "p_actor bigint, p_subject bigint, p_subject_staff text",
        "boolean",
        "sql",
        """
    -- Those who open cases, and the intake handlers who take matters in.
    SELECT custodes_has_role(p_actor, {matter_roles}::text[])
        AND NOT custodes_conflict(p_actor, p_subject)
        AND NOT custodes_audit_subject_conflict(p_actor, p_subject_staff)
""",
    ),
    _f(
        "custodes_break_glass_case",
        "p_reference text",
        "SETOF cases_case",
        "sql",
        """
    -- Only what break_glass may open: not sealed, and not a case need-to-know keeps
    -- from the asker for a conflict (about them, their chain or their unit).
    SELECT c.* FROM cases_case AS c
    WHERE c.reference = p_reference
      AND NOT c.sealed
      AND c.subject_id IS DISTINCT FROM custodes_current_user()
      AND NOT custodes_holds_staff_id(custodes_current_user(), c.subject_force_user_id)
      AND NOT custodes_case_subject_conflict(custodes_current_user(), c.id)
      AND custodes_has_role(custodes_current_user(), {case_roles}::text[])
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# A case's parts and its path (cases.access.require_writer, may_take_step): written only by
# those who may work on the case, each step only by the role that takes it.

# The policies on a case's parts call only these functions (and custodes_current_user), never
# an earlier migration's directly: taking an earlier migration back (as its tests do) drops its
# functions, which a policy naming them would forbid.
_CASE_PARTS = [
    _f(
        "custodes_conflicted_cases",
        "p_viewer bigint",
        "SETOF uuid",
        "sql",
        """
    -- custodes_force_conflicted_cases, under the name the parts' policies call.
    SELECT f FROM custodes_force_conflicted_cases(p_viewer) AS f
""",
    ),
    _f(
        "custodes_may_see_part",
        "p_case uuid, p_viewer bigint, p_force_conflict boolean",
        "boolean",
        "sql",
        """
    -- A case's part is seen by whoever sees the case.
    SELECT custodes_may_see_case_given(p_case, p_viewer, p_force_conflict)
""",
    ),
    _f(
        "custodes_may_name_subject",
        "p_viewer bigint, p_user bigint, p_staff text",
        "boolean",
        "sql",
        """
    -- Nobody names as a subject themselves or anyone too close to them, in custodes'
    -- chart or an audited force's (as nobody opens a case about them).
    SELECT NOT custodes_conflict(p_viewer, p_user)
        AND NOT custodes_holds_staff_id(p_viewer, p_staff)
        AND NOT custodes_audit_subject_conflict(p_viewer, p_staff)
""",
    ),
    _f(
        "custodes_holds_case_access",
        "p_case uuid, p_viewer bigint",
        "boolean",
        "sql",
        """
    -- The viewer has a live access row of their own on the case: whoever sees it
    -- without one sees it only because it was referred to the oversight body.
    SELECT EXISTS (
        SELECT 1 FROM cases_caseaccess
        WHERE case_id = p_case AND user_id = p_viewer
          AND (expires_at IS NULL OR expires_at > statement_timestamp())
    )
""",
    ),
    _f(
        "custodes_may_write_case_given",
        "p_case uuid, p_viewer bigint, p_force_conflict boolean",
        "boolean",
        "sql",
        """
    -- cases.access.require_writer: sees the case through an access row of their own,
    -- not only because it was referred to the oversight body.
    SELECT custodes_may_see_case_given(p_case, p_viewer, p_force_conflict)
        AND custodes_holds_case_access(p_case, p_viewer)
""",
    ),
    _f(
        "custodes_may_take_step",
        "p_case uuid, p_viewer bigint, p_step text",
        "boolean",
        "sql",
        """
    -- cases.access.STEP_ROLES: the role that takes each step; the investigator's steps
    -- only by the case's appointed investigator.
    SELECT CASE p_step {step_roles} ELSE false END
        AND (p_step <> ALL ({investigator_steps}::text[])
             OR EXISTS (
                 SELECT 1 FROM cases_case WHERE id = p_case AND investigator_id = p_viewer
             ))
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# Alerts (alerts.access): each kind to its roles, and the audit queue to those known in the
# force.

_ALERTS = [
    _f(
        "custodes_may_see_alert_kind",
        "p_kind text, p_about bigint, p_viewer bigint",
        "boolean",
        "sql",
        """
    SELECT CASE p_kind {kind_roles} ELSE false END
        AND NOT custodes_conflict(p_viewer, p_about)
""",
    ),
    _f(
        "custodes_may_review_audit_alerts",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    -- alerts.access.may_review_audit_alerts: need-to-know in the force's chart
    -- needs the viewer's own force user id, so without one nothing shows.
    SELECT EXISTS (
        SELECT 1 FROM accounts_user
        WHERE id = p_viewer AND is_active AND role = ANY ({alert_roles}::text[])
          AND force_user_id <> ''
    )
""",
    ),
    # No policy has used it since dbsecurity 0005 (alerts by kind); kept because the
    # reversals of 0005 and 0007 name it, so those migrations can still be taken back.
    _f(
        "custodes_may_see_alert",
        "p_about bigint, p_viewer bigint",
        "boolean",
        "sql",
        """
    SELECT custodes_has_role(p_viewer, {alert_roles}::text[])
        AND NOT custodes_conflict(p_viewer, p_about)
""",
    ),
    _f(
        "custodes_may_see_audit_alert",
        "p_alert bigint, p_viewer bigint",
        "boolean",
        "sql",
        """
    -- The audit alerts' policy for one alert: may review, and its subject is not too
    -- close to the viewer in custodes' chart or any imported run's.
    SELECT coalesce((
        SELECT (SELECT custodes_may_review_audit_alerts(p_viewer))
            AND a.force_user_id NOT IN (SELECT h FROM custodes_audit_hidden_ids(p_viewer) AS h)
            AND a.force_user_id NOT IN
                (SELECT c.c_user FROM custodes_audit_conflicts(p_viewer) AS c)
        FROM alerts_auditalert AS a WHERE a.id = p_alert
    ), false)
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# The trail: appended by everyone, changed by no one, read by those who audit custodes' users.

_TRAIL = [
    _f(
        "custodes_trail_head",
        "",
        "TABLE (h_seq bigint, h_hash text)",
        "sql",
        """
    -- The last event's place and hash, which the next append chains to: the one
    -- thing of the trail everyone who appends must read.
    SELECT seq, hash FROM trail_trailevent ORDER BY seq DESC LIMIT 1
""",
    ),
    _f(
        "custodes_may_read_trail",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    SELECT custodes_has_role(p_viewer, {trail_roles}::text[])
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# The reporting portal. Its own role (CUSTODES_DB_PORTAL_ROLE) adds reports, messages and files
# and reads nothing of any table: one report, its messages and files, only through these
# functions, each taking the receipt's lookup (what only the reporter's receipt gives), or a
# support organisation's account, which the portal signs in. The staff app's role reads
# reports as it reads cases (reports.access): only those who handle reports, only reports
# taken in (matched against the staff list), and never one that names someone too close to
# them, in custodes' chart or an audited force's.

_PORTAL = [
    _f(
        "custodes_is_portal",
        "",
        "boolean",
        "sql",
        """
    -- Whether the statement runs as the portal's own role.
    SELECT current_user = {portal_role}
""",
        definer=False,
        callers="both",
    ),
    _f(
        "custodes_report_open",
        "p_report uuid",
        "boolean",
        "sql",
        """
    -- The report exists and has not expired: the portal adds to it only then.
    SELECT EXISTS (SELECT 1 FROM portal_report WHERE id = p_report AND status <> 'expired')
""",
        callers="both",
    ),
    _f(
        "custodes_portal_report",
        "p_lookup text",
        "SETOF portal_report",
        "sql",
        """
    -- The one report a receipt opens (its keyed Argon2id lookup), unless it expired.
    SELECT * FROM portal_report WHERE receipt_lookup = p_lookup AND status <> 'expired'
""",
        callers="portal",
    ),
    _f(
        "custodes_portal_messages",
        "p_lookup text",
        "SETOF portal_reportmessage",
        "sql",
        """
    SELECT m.* FROM portal_reportmessage AS m
    JOIN portal_report AS r ON r.id = m.report_id
    WHERE r.receipt_lookup = p_lookup AND r.status <> 'expired'
""",
        callers="portal",
    ),
    _f(
        "custodes_portal_files",
        "p_lookup text",
        "SETOF portal_reportfile",
        "sql",
        """
    SELECT f.* FROM portal_reportfile AS f
    JOIN portal_report AS r ON r.id = f.report_id
    WHERE r.receipt_lookup = p_lookup AND r.status <> 'expired'
""",
        callers="portal",
    ),
    _f(
        "custodes_portal_account",
        "p_username text",
        "SETOF portal_organisationaccount",
        "sql",
        """
    -- A support organisation's account by its sign-in name, while its organisation
    -- may report: the portal checks the password and the code.
    SELECT a.* FROM portal_organisationaccount AS a
    JOIN portal_organisation AS o ON o.id = a.organisation_id
    WHERE a.username = p_username AND o.active
""",
        callers="portal",
    ),
    _f(
        "custodes_portal_account_step",
        "p_account bigint, p_step bigint",
        "boolean",
        "sql",
        """
    -- Take a TOTP time step for an active account, once: false if it (or a later one)
    -- was used already.
    WITH taken AS (
        UPDATE portal_organisationaccount SET totp_last_step = p_step
        WHERE id = p_account AND active AND totp_last_step < p_step
        RETURNING id
    )
    SELECT EXISTS (SELECT 1 FROM taken)
""",
        callers="portal",
        volatility="VOLATILE",
    ),
    _f(
        "custodes_portal_account_reports",
        "p_account bigint",
        "SETOF portal_report",
        "sql",
        """
    -- The reports every account of an active account's organisation made, which its
    -- workers follow together (portal.actions.organisation_reports); none while the
    -- account or its organisation is disabled, never another organisation's.
    SELECT r.* FROM portal_report AS r
    JOIN portal_organisationaccount AS author ON author.id = r.organisation_account_id
    JOIN portal_organisationaccount AS a ON a.organisation_id = author.organisation_id
    JOIN portal_organisation AS o ON o.id = a.organisation_id
    WHERE a.id = p_account AND a.active AND o.active AND r.status <> 'expired'
""",
        callers="portal",
    ),
    _f(
        "custodes_handles_reports",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    SELECT custodes_has_role(p_viewer, {report_roles}::text[])
""",
    ),
    _f(
        "custodes_taken_in",
        "p_report uuid",
        "boolean",
        "sql",
        """
    -- reports.access: a report not yet taken in (matched against the staff list) is
    -- shown to nobody.
    SELECT EXISTS (SELECT 1 FROM reports_intake WHERE report_id = p_report)
""",
    ),
    _f(
        "custodes_conflicted_reports",
        "p_viewer bigint",
        "SETOF uuid",
        "sql",
        """
    -- Every report naming someone too close to the viewer: the viewer, their chain
    -- either way or their unit, by account in custodes' chart, or by force user id in
    -- custodes' chart or any imported force's; each set worked out once.
    WITH near AS (
        SELECT h AS staff FROM custodes_audit_hidden_ids(p_viewer) AS h
        UNION
        SELECT x.c_user FROM custodes_audit_conflicts(p_viewer) AS x
    )
    SELECT n.report_id FROM reports_namedstaff AS n
    WHERE n.user_id IN (SELECT c FROM custodes_conflicting(p_viewer) AS c)
    UNION
    SELECT n.report_id FROM reports_namedstaff AS n JOIN near ON near.staff = n.force_user_id
""",
    ),
    _f(
        "custodes_may_see_report",
        "p_report uuid, p_viewer bigint",
        "boolean",
        "sql",
        """
    -- The reports' policy for one report (a handler's message to it).
    SELECT custodes_handles_reports(p_viewer) AND custodes_taken_in(p_report)
        AND p_report NOT IN (SELECT r FROM custodes_conflicted_reports(p_viewer) AS r)
""",
        # The messages' INSERT policy names it for both roles (PostgreSQL checks the right to
        # call every function a policy names, whichever branch runs). To the portal's role it
        # answers only yes or no, for a report id it cannot list.
        callers="both",
    ),
]

# ---------------------------------------------------------------------------------------------
# Early intervention (risk.access): the list to those who use it and are known in the force; an
# entry hidden from whoever is too close to its officer, in custodes' chart or an audited
# force's (as a case about them would be), or whose unit or name, as the run gives them, is the
# viewer's unit or the name of anyone too close; an entry tied to nobody custodes knows only to
# the lead. Names compared as risk.run_files.name_key makes them.

_RISK = [
    _f(
        "custodes_uses_risk",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    -- risk.access.may_use_risk: the role, and a force user id to place the viewer by.
    SELECT EXISTS (
        SELECT 1 FROM accounts_user
        WHERE id = p_viewer AND is_active AND role = ANY ({risk_roles}::text[])
          AND force_user_id <> ''
    )
""",
    ),
    _f(
        "custodes_sees_untied_risk",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    SELECT custodes_has_role(p_viewer, {untied_risk_roles}::text[])
""",
    ),
    # The policies on risk's tables call only the functions here (and custodes_current_user),
    # never an earlier migration's directly, as a case's parts do: taking an earlier migration
    # back drops its functions, which a policy naming them would forbid.
    _f(
        "custodes_risk_hidden_accounts",
        "p_viewer bigint",
        "SETOF bigint",
        "sql",
        """
    -- The accounts too close to the viewer in custodes' own chart, the viewer included.
    SELECT c FROM custodes_conflicting(p_viewer) AS c
""",
    ),
    _f(
        "custodes_risk_hidden_staff",
        "p_viewer bigint",
        "SETOF text",
        "sql",
        """
    -- The force user ids too close to the viewer: of accounts too close in custodes'
    -- chart (their own among them), and of staff too close in any imported force chart.
    SELECT h FROM custodes_audit_hidden_ids(p_viewer) AS h
    UNION
    SELECT x.c_user FROM custodes_audit_conflicts(p_viewer) AS x
""",
    ),
    _f(
        "custodes_risk_hidden_units",
        "p_viewer bigint",
        "SETOF text",
        "sql",
        """
    -- The viewer's unit in custodes and in every imported force chart that lists them.
    SELECT lower(unit) FROM accounts_user WHERE id = p_viewer AND unit <> ''
    UNION
    SELECT lower(s.unit) FROM accounts_user AS u
    JOIN alerts_forcestaff AS s ON s.user_id = u.force_user_id
    WHERE u.id = p_viewer AND s.unit <> ''
""",
    ),
    _f(
        "custodes_risk_hidden_names",
        "p_viewer bigint",
        "SETOF text",
        "sql",
        """
    -- The names of everyone too close to the viewer in custodes' chart, themselves
    -- included, as name_key writes them: words of "first last", lower case.
    SELECT trim(regexp_replace(
        lower(a.first_name || ' ' || a.last_name), '[^[:alnum:]_]+', ' ', 'g'
    ))
    FROM accounts_user AS a
    WHERE a.id IN (SELECT c FROM custodes_conflicting(p_viewer) AS c)
      AND trim(a.first_name) <> '' AND trim(a.last_name) <> ''
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# Vetting (vetting.access): clearances, moves into posts, re-vetting tasks, withdrawal
# assessments, appeals and transfers to vetting officers known in the force, never about
# themselves, their chain either way or their unit, by account or by force user id, in
# custodes' chart or an audited force's (`Charts.case_conflict`, as for a case about the same
# person); a transfer by the transferee's former force's id too. Posts' requirements name no
# one: to vetting officers.

_VETTING = [
    _f(
        "custodes_uses_vetting",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    -- vetting.access.may_use_vetting: the role, and a force user id to place the viewer by.
    SELECT EXISTS (
        SELECT 1 FROM accounts_user
        WHERE id = p_viewer AND is_active AND role = ANY ({vetting_roles}::text[])
          AND force_user_id <> ''
    )
""",
    ),
    # The policies on vetting's tables call only the functions here (and custodes_current_user),
    # never an earlier migration's directly, as risk's do.
    _f(
        "custodes_vetting_hidden_accounts",
        "p_viewer bigint",
        "SETOF bigint",
        "sql",
        """
    -- The accounts too close to the viewer in custodes' own chart, the viewer included.
    SELECT c FROM custodes_conflicting(p_viewer) AS c
""",
    ),
    _f(
        "custodes_vetting_hidden_staff",
        "p_viewer bigint",
        "SETOF text",
        "sql",
        """
    -- The force user ids too close to the viewer: of accounts too close in custodes'
    -- chart (their own among them), and of staff too close in any imported force chart.
    SELECT h FROM custodes_audit_hidden_ids(p_viewer) AS h
    UNION
    SELECT x.c_user FROM custodes_audit_conflicts(p_viewer) AS x
""",
    ),
    _f(
        "custodes_own_force_user_id",
        "p_viewer bigint",
        "text",
        "sql",
        """
    -- vetting.actions.declare: the declarer's own id in the force's systems, the only id a
    -- declaration may be about (NULL for an account without one: it declares nothing).
    SELECT nullif(force_user_id, '') FROM accounts_user WHERE id = p_viewer AND is_active
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# The registry (registry.access): published lists' entries, their services and the imports they
# came from to those who use the registry; held rosters, their people, screenings and the
# matches found to those who review matches, a match never to the person it is about, their
# chain either way or their unit (by the subject's account in custodes' own chart, as
# registry.access decides it).

_REGISTRY = [
    _f(
        "custodes_uses_registry",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    -- registry.access.may_use_registry.
    SELECT EXISTS (
        SELECT 1 FROM accounts_user
        WHERE id = p_viewer AND is_active AND role = ANY ({registry_roles}::text[])
    )
""",
    ),
    _f(
        "custodes_reviews_registry",
        "p_viewer bigint",
        "boolean",
        "sql",
        """
    -- registry.access.may_review: runs checks and screens, and reviews the matches.
    SELECT EXISTS (
        SELECT 1 FROM accounts_user
        WHERE id = p_viewer AND is_active AND role = ANY ({registry_review_roles}::text[])
    )
""",
    ),
    # The policies on the registry's tables call only the functions here (and
    # custodes_current_user), never an earlier migration's directly, as vetting's do.
    _f(
        "custodes_registry_hidden_accounts",
        "p_viewer bigint",
        "SETOF bigint",
        "sql",
        """
    -- The accounts too close to the viewer in custodes' own chart, the viewer included:
    -- needtoknow.rule.conflict against org_chart(), as registry.access asks it.
    SELECT c FROM custodes_conflicting(p_viewer) AS c
""",
    ),
    _f(
        "custodes_registry_carry",
        "p_screening bigint",
        "TABLE (c_candidate bigint, c_decided_on bigint)",
        "sql",
        """
    -- registry.actions._carried, for a roster screen run as the application's role: the
    -- latest decision on each pair (force, person_ref, entry) carried to the screen's new
    -- candidates (pending, and naming the candidate it was made on, if the details compared
    -- have changed since). Row-level security hides from the reviewer who runs the screen
    -- the decisions about themselves, their chain and their unit, which must be carried all
    -- the same. Only for a screen the caller ran, and never a decision they may not see onto
    -- a candidate they may. Returns each candidate given a decision and the one it was made
    -- on, as the trail records them.
    WITH hidden AS (
        SELECT a FROM custodes_registry_hidden_accounts(custodes_current_user()) AS a
    ),
    screen AS (
        SELECT s.id FROM registry_screening AS s
        WHERE s.id = p_screening AND s.kind = 'screen'
          AND s.run_by_id = custodes_current_user()
          AND custodes_reviews_registry(custodes_current_user())
    ),
    latest AS (
        SELECT DISTINCT ON (c.id)
            c.id AS c_id, d.id AS d_id, d.decided_on_id AS d_on, d.subject_id AS d_subject,
            d.status, d.decided_by_id, d.decided_at, d.decision_reason,
            coalesce(d.person = c.person AND (d.listed IS NULL OR d.listed = c.listed), false)
                AS same
        FROM registry_candidate AS c
        JOIN screen ON screen.id = c.screening_id
        JOIN registry_candidate AS d
          ON d.force = c.force AND d.person_ref = c.person_ref AND d.entry_id = c.entry_id
        JOIN registry_screening AS ds ON ds.id = d.screening_id
        WHERE c.force <> '' AND c.status = 'pending' AND c.decided_on_id IS NULL
          AND d.screening_id <> c.screening_id AND d.status <> 'pending'
        ORDER BY c.id, ds.run_at DESC, d.id DESC
    ),
    carried AS (
        UPDATE registry_candidate AS c SET
            decided_on_id = coalesce(l.d_on, l.d_id),
            status = CASE WHEN l.same THEN l.status ELSE c.status END,
            decided_by_id = CASE WHEN l.same THEN l.decided_by_id ELSE c.decided_by_id END,
            decided_at = CASE WHEN l.same THEN l.decided_at ELSE c.decided_at END,
            decision_reason = CASE WHEN l.same THEN l.decision_reason ELSE c.decision_reason END
        FROM latest AS l
        WHERE c.id = l.c_id
          AND (l.d_subject IS NULL OR l.d_subject NOT IN (SELECT a FROM hidden)
               OR c.subject_id IN (SELECT a FROM hidden))
        RETURNING c.id, c.decided_on_id, c.status
    )
    SELECT id, decided_on_id FROM carried WHERE status <> 'pending' ORDER BY id
""",
        volatility="VOLATILE",
    ),
]

# In an order each can be made from nothing: a SQL function's body is checked when it is.
FUNCTIONS: tuple[Function, ...] = (
    *_WHO,
    *_OWN_CHART,
    *_FORCE_CHARTS,
    *_CASE_SUBJECTS,
    *_CASES,
    *_CASE_PARTS,
    *_ALERTS,
    *_TRAIL,
    *_PORTAL,
    *_RISK,
    *_VETTING,
    *_REGISTRY,
)

# Functions earlier migrations made that nothing calls any more, to drop.
RETIRED: tuple[str, ...] = (
    # Handed pending reports to any handler's role, for a take-in run by the pages; a handler
    # could have listed them, and the take-in under row-level security matched against part
    # of the staff list. It runs as the owner now (`custodes reports take-in`): dbsecurity 0012.
    "custodes_pending_reports()",
)

# ---------------------------------------------------------------------------------------------
# The policies.

_ME = "custodes_current_user()"
# Uncorrelated subqueries, so PostgreSQL works each set out once per statement, not per row.
_FORCE_CONFLICT = f"({{case}} IN (SELECT f FROM custodes_force_conflicted_cases({_ME}) AS f))"
_SEE_CASE = (
    f"custodes_may_see_given({_ME}, id, subject_id, subject_force_user_id, sealed, "
    f"{_FORCE_CONFLICT.format(case='id')})"
)
_SEE_ACCESS = (
    f"custodes_may_see_access_given(case_id, user_id, kind, expires_at, granted_by_id, {_ME}, "
    f"{_FORCE_CONFLICT.format(case='case_id')})"
)
_GIVE = f"custodes_may_give_access(case_id, user_id, kind, expires_at, {_ME})"
_SEE_PARTY = (
    f"custodes_may_see_case_given(case_id, {_ME}, {_FORCE_CONFLICT.format(case='case_id')})"
)
# The row's own values, as _SEE_CASE decides them (a changed subject counts as changed).
_WRITE_CASE = f"{_SEE_CASE} AND custodes_holds_case_access(id, {_ME})"
# A case's parts (subjects, allegations, decisions, requirements, list reports, parties): seen
# by whoever sees the case, written by whoever may work on it; each through _CASE_PARTS only.
_PART_CONFLICT = f"(case_id IN (SELECT f FROM custodes_conflicted_cases({_ME}) AS f))"
_SEE_PART = f"custodes_may_see_part(case_id, {_ME}, {_PART_CONFLICT})"
_WRITE_PART = f"custodes_may_write_case_given(case_id, {_ME}, {_PART_CONFLICT})"
# Naming a subject: never oneself nor anyone too close, as opening a case about them.
_NOT_TOO_CLOSE = f"custodes_may_name_subject({_ME}, user_id, force_user_id)"
# Who may take the step that writes the row (cases.access.STEP_ROLES).
_TAKES = f"custodes_may_take_step(case_id, {_ME}, '{{step}}')"
# An alert about a case (break-glass) is hidden from whoever is too close to its subject too.
_SEE_ALERT = (
    f"custodes_may_see_alert_kind(kind, about_user_id, {_ME})"
    f" AND (case_id IS NULL OR NOT custodes_case_subject_conflict({_ME}, case_id))"
)
_REVIEWS = f"(SELECT custodes_may_review_audit_alerts({_ME}))"
# Neither set ever holds a NULL, which would make NOT IN hide every row.
_SEE_AUDIT_ALERT = (
    f"{_REVIEWS}"
    f" AND force_user_id NOT IN (SELECT h FROM custodes_audit_hidden_ids({_ME}) AS h)"
    f" AND force_user_id NOT IN (SELECT c.c_user FROM custodes_audit_conflicts({_ME}) AS c)"
)
# Triage is recorded in the actor's own name, and links only a case the actor may see.
_TRIAGED = (
    f"{_SEE_AUDIT_ALERT} AND triaged_by_id = {_ME}"
    f" AND (case_id IS NULL OR custodes_may_see_case(case_id, {_ME}))"
)

# A report: to those who handle reports, once taken in, unless it names someone too close.
# Neither set holds a NULL; the role check and the conflicts are worked out once per statement.
_SEE_REPORT = (
    f"(SELECT custodes_handles_reports({_ME})) AND custodes_taken_in(id)"
    f" AND id NOT IN (SELECT r FROM custodes_conflicted_reports({_ME}) AS r)"
)
# A report's parts and the staff side's rows about it: through the report's own policy.
_OF_REPORT = "report_id IN (SELECT r.id FROM portal_report AS r)"

# An entry of a risk run: every set worked out once per statement; none holds a NULL.
_SEE_RISK_ENTRY = (
    f"(SELECT custodes_uses_risk({_ME}))"
    f" AND (tie <> 'untied' OR (SELECT custodes_sees_untied_risk({_ME})))"
    f" AND (subject_id IS NULL"
    f" OR subject_id NOT IN (SELECT a FROM custodes_risk_hidden_accounts({_ME}) AS a))"
    f" AND force_user_id NOT IN (SELECT s FROM custodes_risk_hidden_staff({_ME}) AS s)"
    f" AND lower(unit) NOT IN (SELECT u FROM custodes_risk_hidden_units({_ME}) AS u)"
    f" AND name_key NOT IN (SELECT n FROM custodes_risk_hidden_names({_ME}) AS n)"
)
# A plan and its reviews: through the entry's own policy.
_OF_RISK_ENTRY = "entry_id IN (SELECT e.id FROM risk_riskentry AS e)"
_OF_PLAN = "plan_id IN (SELECT p.id FROM risk_interventionplan AS p)"

# Vetting: every record about a member of staff has the same four fields (vetting.models'
# abstract Person: user, force, force_user_id, person), and this one expression decides them
# all (vetting.access.person_conflict). Either id may be missing; neither set holds a NULL;
# each set is worked out once per statement.
_USES_VETTING = f"(SELECT custodes_uses_vetting({_ME}))"
_SEE_VETTED = (
    f"{_USES_VETTING}"
    f" AND (user_id IS NULL"
    f" OR user_id NOT IN (SELECT a FROM custodes_vetting_hidden_accounts({_ME}) AS a))"
    f" AND (force_user_id IS NULL"
    f" OR force_user_id NOT IN (SELECT s FROM custodes_vetting_hidden_staff({_ME}) AS s))"
)


# A transferee is known by their account or id here and by their former force's staff id: the
# row is kept from anyone too close to either (vetting.access._ids; it hides more, never less).
# The former id is never NULL.
_SEE_TRANSFER = (
    f"{_SEE_VETTED}"
    f" AND former_staff_id NOT IN (SELECT s FROM custodes_vetting_hidden_staff({_ME}) AS s)"
)
# Who took the step a change leaves a withdrawal assessment at (vetting.withdrawal): the notice
# is served, the representations recorded and the decision made each in the taker's own name.
# NULL, and so refused, for a change that leaves it begun.
_STAGE = Withdrawal.Stage
_STEP_TAKEN_BY = (
    f"CASE stage WHEN '{_STAGE.NOTICE_SERVED.value}' THEN notice_by_id"
    f" WHEN '{_STAGE.REPRESENTATIONS.value}' THEN representations_by_id"
    f" WHEN '{_STAGE.DECIDED.value}' THEN decided_by_id END"
)


# Declarations (vetting.actions.declare): about the declarer's own account and own force id.
_OWN_DECLARATION = f"user_id = {_ME} AND force_user_id = (SELECT custodes_own_force_user_id({_ME}))"
_OWN_DECLARATION_TASK = (
    f"trigger = 'declaration' AND status = 'open' AND source_type = 'declaration'"
    f" AND {_OWN_DECLARATION}"
)

# The registry (registry.access): the role checks worked out once per statement; the set of
# accounts too close to the viewer once per statement, and never holding a NULL.
_USES_REGISTRY = f"(SELECT custodes_uses_registry({_ME}))"
_REVIEWS_REGISTRY = f"(SELECT custodes_reviews_registry({_ME}))"
_SEE_CANDIDATE = (
    f"{_REVIEWS_REGISTRY}"
    f" AND (subject_id IS NULL"
    f" OR subject_id NOT IN (SELECT a FROM custodes_registry_hidden_accounts({_ME}) AS a))"
)


def vetted(
    table: str,
    *,
    added_by: str | None,
    changed_by: str | None = None,
    changeable: bool = False,
    seen: str = _SEE_VETTED,
) -> list[Policy]:
    """Return the policies on a vetting table of records about a member of staff.

    Seen as `seen` decides (`_SEE_VETTED`, or an expression that hides more); added only about
    someone the actor may see, in the actor's own name where the table names who added the row
    (`added_by`); changed, if `changed_by` names the column (or expression) that records who
    changed it, only by someone who may see the row and keeps seeing it, in their own name, or,
    if `changeable` and no column names who (the trail does), by anyone who may see it and keeps
    seeing it. A new vetting model with the Person fields (a declaration, say) adds
    `*vetted("vetting_…", …)` to POLICIES, its rights to RIGHTS, and a migration that applies
    the module.
    """
    added = f"{added_by} = {_ME} AND {seen}" if added_by else seen
    policies = [
        Policy(table, "custodes_select", "SELECT", seen),
        Policy(table, "custodes_insert", "INSERT", None, added),
    ]
    if changed_by is not None:
        changed = f"{changed_by} = {_ME} AND {seen}"
        policies.append(Policy(table, "custodes_update", "UPDATE", seen, changed))
    elif changeable:
        policies.append(Policy(table, "custodes_update", "UPDATE", seen, seen))
    return policies


POLICIES: tuple[Policy, ...] = (
    # A case is opened by its opener about someone they have no conflict with; it is changed
    # or removed only by someone who may see it, and must stay visible to them.
    Policy("cases_case", "custodes_select", "SELECT", _SEE_CASE),
    Policy(
        "cases_case",
        "custodes_insert",
        "INSERT",
        None,
        f"opened_by_id = {_ME}"
        f" AND custodes_may_open_case({_ME}, subject_id, subject_force_user_id)",
    ),
    # The oversight body reads referred matters; it changes none.
    Policy("cases_case", "custodes_update", "UPDATE", _WRITE_CASE, _WRITE_CASE),
    Policy("cases_case", "custodes_delete", "DELETE", _WRITE_CASE),
    # An access row is written in the actor's own name, and only as the actor could give it.
    Policy("cases_caseaccess", "custodes_select", "SELECT", _SEE_ACCESS),
    Policy(
        "cases_caseaccess", "custodes_insert", "INSERT", None, f"granted_by_id = {_ME} AND {_GIVE}"
    ),
    Policy(
        "cases_caseaccess",
        "custodes_update",
        "UPDATE",
        f"user_id <> {_ME} AND {_GIVE}",
        f"granted_by_id = {_ME} AND user_id <> {_ME} AND {_GIVE}",
    ),
    Policy("cases_caseaccess", "custodes_delete", "DELETE", f"user_id <> {_ME} AND {_GIVE}"),
    # Parties are seen by whoever sees the case, and added or changed only by whoever may work
    # on it (the oversight body reads them); nobody removes one (RIGHTS).
    Policy("cases_caseparty", "custodes_all", "ALL", _SEE_PARTY, _WRITE_PART),
    # Subjects are named by those who take matters in, never about themselves or anyone
    # too close to them; their place on the path is changed by whoever may work on the case.
    Policy("cases_casesubject", "custodes_select", "SELECT", _SEE_PART),
    Policy(
        "cases_casesubject",
        "custodes_insert",
        "INSERT",
        None,
        f"added_by_id = {_ME} AND {_TAKES.format(step='subject')} AND {_WRITE_PART}"
        f" AND {_NOT_TOO_CLOSE}",
    ),
    Policy(
        "cases_casesubject",
        "custodes_update",
        "UPDATE",
        _WRITE_PART,
        f"{_WRITE_PART} AND {_NOT_TOO_CLOSE}",
    ),
    Policy("cases_allegation", "custodes_select", "SELECT", _SEE_PART),
    Policy(
        "cases_allegation",
        "custodes_insert",
        "INSERT",
        None,
        f"added_by_id = {_ME} AND {_TAKES.format(step='allegation')} AND {_WRITE_PART}",
    ),
    # The timeline: each step in its taker's own name, by the role that takes it; never
    # changed or removed.
    Policy("cases_decision", "custodes_select", "SELECT", _SEE_PART),
    Policy(
        "cases_decision",
        "custodes_insert",
        "INSERT",
        None,
        f"decided_by_id = {_ME} AND {_WRITE_PART} AND custodes_may_take_step(case_id, {_ME}, step)",
    ),
    # What the law requires is opened and met by the steps, whoever takes them.
    Policy("cases_requirement", "custodes_select", "SELECT", _SEE_PART),
    Policy("cases_requirement", "custodes_insert", "INSERT", None, _WRITE_PART),
    Policy("cases_requirement", "custodes_update", "UPDATE", _WRITE_PART, _WRITE_PART),
    # List reports are the appropriate authority's.
    Policy("cases_listreport", "custodes_select", "SELECT", _SEE_PART),
    Policy(
        "cases_listreport",
        "custodes_insert",
        "INSERT",
        None,
        f"produced_by_id = {_ME} AND {_TAKES.format(step='list-report')} AND {_WRITE_PART}",
    ),
    Policy(
        "cases_listreport",
        "custodes_update",
        "UPDATE",
        _WRITE_PART,
        f"{_TAKES.format(step='list-report')} AND {_WRITE_PART}",
    ),
    # Anyone may raise an alert (refusing could only hide one); only its readers change it.
    Policy("alerts_alert", "custodes_select", "SELECT", _SEE_ALERT),
    Policy("alerts_alert", "custodes_insert", "INSERT", None, "true"),
    Policy("alerts_alert", "custodes_update", "UPDATE", _SEE_ALERT, _SEE_ALERT),
    Policy("alerts_alert", "custodes_delete", "DELETE", _SEE_ALERT),
    # Audit runs are the import's to write (as the owner); the app reads and triages.
    Policy("alerts_auditrun", "custodes_select", "SELECT", _REVIEWS),
    Policy("alerts_forcestaff", "custodes_select", "SELECT", _REVIEWS),
    Policy("alerts_auditalert", "custodes_select", "SELECT", _SEE_AUDIT_ALERT),
    Policy("alerts_auditalert", "custodes_update", "UPDATE", _SEE_AUDIT_ALERT, _TRIAGED),
    # Evidence through its alert's own policy, worked out once per statement.
    Policy(
        "alerts_auditevidence",
        "custodes_select",
        "SELECT",
        "alert_id IN (SELECT a.id FROM alerts_auditalert AS a)",
    ),
    # Reports: read and changed by those who handle them, once taken in, never by anyone
    # too close to whom they name; added only by the portal's role, new and with a receipt.
    Policy("portal_report", "custodes_select", "SELECT", _SEE_REPORT),
    Policy(
        "portal_report",
        "custodes_insert",
        "INSERT",
        None,
        "custodes_is_portal() AND status = 'new' AND receipt_lookup IS NOT NULL"
        " AND expired_on IS NULL",
    ),
    Policy("portal_report", "custodes_update", "UPDATE", _SEE_REPORT, _SEE_REPORT),
    # Messages: the reporter's through the portal, to a report still open; a handler's to
    # a report they may see. Removed only with the report's content, when it expires.
    Policy("portal_reportmessage", "custodes_select", "SELECT", _OF_REPORT),
    Policy(
        "portal_reportmessage",
        "custodes_insert",
        "INSERT",
        None,
        "CASE WHEN custodes_is_portal()"
        " THEN sender = 'reporter' AND custodes_report_open(report_id)"
        f" ELSE sender = 'handler' AND custodes_may_see_report(report_id, {_ME}) END",
    ),
    Policy("portal_reportmessage", "custodes_delete", "DELETE", _OF_REPORT),
    Policy("portal_reportfile", "custodes_select", "SELECT", _OF_REPORT),
    Policy(
        "portal_reportfile",
        "custodes_insert",
        "INSERT",
        None,
        "custodes_is_portal() AND custodes_report_open(report_id)",
    ),
    Policy("portal_reportfile", "custodes_delete", "DELETE", _OF_REPORT),
    # The staff side's rows about a report are seen with it. A report is taken in only by
    # the owner (`custodes reports take-in`), who sees every report and the whole staff list:
    # an intake added as the application's role would show a report matched against nothing.
    # Naming someone only hides a report from more people, so anyone may add names.
    Policy("reports_intake", "custodes_select", "SELECT", _OF_REPORT),
    Policy("reports_intake", "custodes_insert", "INSERT", None, "false"),
    Policy("reports_intake", "custodes_update", "UPDATE", _OF_REPORT, _OF_REPORT),
    Policy("reports_namedstaff", "custodes_select", "SELECT", _OF_REPORT),
    Policy("reports_namedstaff", "custodes_insert", "INSERT", None, "true"),
    Policy("reports_handling", "custodes_select", "SELECT", _OF_REPORT),
    Policy(
        "reports_handling", "custodes_insert", "INSERT", None, f"by_id = {_ME} AND {_OF_REPORT}"
    ),
    # Everyone appends (refusing could only hide an event); the chain and the triggers keep
    # what is appended from being changed.
    Policy(
        "trail_trailevent", "custodes_select", "SELECT", f"(SELECT custodes_may_read_trail({_ME}))"
    ),
    Policy("trail_trailevent", "custodes_insert", "INSERT", None, "true"),
    # Risk runs are the import's to write (as the owner); the app reads them, links a case to
    # an entry, and starts, reviews and closes plans in the actor's own name.
    Policy("risk_riskrun", "custodes_select", "SELECT", f"(SELECT custodes_uses_risk({_ME}))"),
    Policy("risk_riskentry", "custodes_select", "SELECT", _SEE_RISK_ENTRY),
    Policy("risk_riskentry", "custodes_update", "UPDATE", _SEE_RISK_ENTRY, _SEE_RISK_ENTRY),
    Policy("risk_interventionplan", "custodes_select", "SELECT", _OF_RISK_ENTRY),
    Policy(
        "risk_interventionplan",
        "custodes_insert",
        "INSERT",
        None,
        f"created_by_id = {_ME} AND status = 'open' AND {_OF_RISK_ENTRY}",
    ),
    Policy(
        "risk_interventionplan",
        "custodes_update",
        "UPDATE",
        _OF_RISK_ENTRY,
        f"{_OF_RISK_ENTRY} AND (closed_by_id IS NULL OR closed_by_id = {_ME})",
    ),
    Policy("risk_planreview", "custodes_select", "SELECT", _OF_PLAN),
    Policy(
        "risk_planreview",
        "custodes_insert",
        "INSERT",
        None,
        f"reviewed_by_id = {_ME} AND {_OF_PLAN}",
    ),
    # Vetting: clearances and moves are decisions, recorded once in the decider's name and
    # never changed (a renewal or a withdrawal is a new decision); a task is raised about
    # someone the raiser may see (a move they record: the sweep and the external check run as
    # the owner) and decided in the decider's own name. Posts' requirements name no one.
    *vetted("vetting_clearance", added_by="decided_by_id"),
    *vetted("vetting_posting", added_by="recorded_by_id"),
    # A task is raised undecided, or (an integrity review held: vetting.actions.
    # record_integrity_review) added already decided in the adder's own name.
    *vetted(
        "vetting_vettingtask",
        added_by=f"COALESCE(decided_by_id, {_ME})",
        changed_by="decided_by_id",
    ),
    # A withdrawal assessment is begun in its beginner's name and each later step taken in its
    # taker's (vetting.withdrawal); an appeal is lodged, then decided, in each one's own name.
    # A transfer is recorded in its recorder's name and re-checked or its record received by
    # any vetting officer who may see it (the trail says who); its former force's staff id
    # hides it too.
    *vetted("vetting_withdrawal", added_by="begun_by_id", changed_by=f"({_STEP_TAKEN_BY})"),
    *vetted("vetting_appeal", added_by="lodged_by_id", changed_by="decided_by_id"),
    *vetted("vetting_transfer", added_by="recorded_by_id", changeable=True, seen=_SEE_TRANSFER),
    # A declarer raises the task of their own declaration at once (vetting.actions.declare),
    # without reading it back (needtoknow.rls.insert_unread): they never see a task about
    # themselves.
    Policy(
        "vetting_vettingtask", "custodes_declarer_insert", "INSERT", None, _OWN_DECLARATION_TASK
    ),
    # A declaration is its declarer's, made about themselves alone (their account and their
    # own force id), and read by them and by the vetting officers who may see them; never
    # changed or removed (RIGHTS). A month's random sample names no one: to vetting officers.
    Policy("vetting_declaration", "custodes_select", "SELECT", f"user_id = {_ME} OR {_SEE_VETTED}"),
    Policy("vetting_declaration", "custodes_insert", "INSERT", None, _OWN_DECLARATION),
    Policy("vetting_randomsample", "custodes_select", "SELECT", _USES_VETTING),
    Policy("vetting_postrequirement", "custodes_select", "SELECT", _USES_VETTING),
    Policy(
        "vetting_postrequirement",
        "custodes_insert",
        "INSERT",
        None,
        f"set_by_id = {_ME} AND {_USES_VETTING}",
    ),
    Policy(
        "vetting_postrequirement",
        "custodes_update",
        "UPDATE",
        _USES_VETTING,
        f"set_by_id = {_ME} AND {_USES_VETTING}",
    ),
    # The registry. Published lists are imported by the owner (`custodes registry import`, and
    # custodes' own list reports by `custodes registry take-in`), who sees every entry and every
    # roster to screen: the application's role only reads them, to those who use the registry.
    Policy("registry_listimport", "custodes_select", "SELECT", _USES_REGISTRY),
    Policy("registry_entry", "custodes_select", "SELECT", _USES_REGISTRY),
    Policy("registry_service", "custodes_select", "SELECT", _USES_REGISTRY),
    # Rosters are held, whole, for those who review matches, in the holder's own name; their
    # people are added only to a roster the adder held.
    Policy("registry_roster", "custodes_select", "SELECT", _REVIEWS_REGISTRY),
    Policy(
        "registry_roster",
        "custodes_insert",
        "INSERT",
        None,
        f"loaded_by_id = {_ME} AND {_REVIEWS_REGISTRY}",
    ),
    Policy("registry_rosterperson", "custodes_select", "SELECT", _REVIEWS_REGISTRY),
    Policy(
        "registry_rosterperson",
        "custodes_insert",
        "INSERT",
        None,
        f"roster_id IN (SELECT r.id FROM registry_roster AS r WHERE r.loaded_by_id = {_ME})",
    ),
    # A check or a roster screen is run by a reviewer in their own name (a new list's screens
    # are the import's, as the owner).
    Policy("registry_screening", "custodes_select", "SELECT", _REVIEWS_REGISTRY),
    Policy(
        "registry_screening",
        "custodes_insert",
        "INSERT",
        None,
        f"run_by_id = {_ME} AND kind IN ('check', 'screen') AND list_import_id IS NULL"
        f" AND {_REVIEWS_REGISTRY}",
    ),
    # A match is seen by reviewers, never by the person it is about, their chain or their unit.
    # It is found only by a screen the finder ran, undecided, about anyone on the roster (the
    # runner's own unit among them: added without being read back, and decisions carried by
    # custodes_registry_carry); it is decided only in the decider's own name by a reviewer who
    # may see it and keeps seeing it (a transfer's check names the transferee's account too).
    Policy("registry_candidate", "custodes_select", "SELECT", _SEE_CANDIDATE),
    Policy(
        "registry_candidate",
        "custodes_insert",
        "INSERT",
        None,
        f"screening_id IN (SELECT s.id FROM registry_screening AS s WHERE s.run_by_id = {_ME})"
        " AND status = 'pending' AND decided_by_id IS NULL AND decided_at IS NULL"
        " AND decided_on_id IS NULL",
    ),
    Policy(
        "registry_candidate",
        "custodes_update",
        "UPDATE",
        _SEE_CANDIDATE,
        f"{_SEE_CANDIDATE} AND (decided_by_id IS NULL OR decided_by_id = {_ME})",
    ),
)
TABLES = tuple(dict.fromkeys(policy.table for policy in POLICIES))

# What the application's role may do to each table: everything else gets SELECT, INSERT,
# UPDATE and DELETE (dbsecurity 0002 and its default privileges).
FULL_RIGHTS = ("SELECT", "INSERT", "UPDATE", "DELETE")
# What triage changes (alerts.actions._triage); nothing else of an audit alert is the app's.
TRIAGE_COLUMNS = ("status", "triage_reason", "triaged_by_id", "triaged_at", "case_id")
# What deciding a re-vetting task changes (vetting.actions.decide_task).
DECISION_COLUMNS = ("status", "decision", "decision_reason", "decided_by_id", "decided_at")
# What a withdrawal assessment's steps change (vetting.withdrawal: serve_notice,
# record_representations, decide_withdrawal); never whom it is about, the clearance, the task
# or how and when it began.
WITHDRAWAL_COLUMNS = (
    "stage",
    "notice_served_on",
    "grounds",
    "harm_test_applied",
    "harm_test_grounds",
    "police_friend_told",
    "representations_due",
    "notice_rules",
    "notice_by_id",
    "representations_on",
    "representations_made",
    "representations",
    "representations_by_id",
    "outcome",
    "decided_on",
    "decision_reason",
    "consequence",
    "withdrawn_clearance_id",
    "appeal_due",
    "appeal_rules",
    "decided_by_id",
    "decided_at",
)
# What an appeal's result changes (vetting.withdrawal.decide_appeal).
APPEAL_RESULT_COLUMNS = (
    "heard_on",
    "result",
    "result_reason",
    "consequence",
    "restored_id",
    "decided_by_id",
    "decided_at",
)
# What a transfer gains after it is recorded (vetting.transfers): its key once it has a pk
# (`transfer:<pk>`, for one known by no account or id here), its task, each registry check, and
# the former force's record received.
TRANSFER_COLUMNS = (
    "person",
    "task_id",
    "screening_id",
    "checks",
    "record_received_on",
    "record_note",
    "record_received_by_id",
)
# What deciding a match changes (registry.actions.decide_candidate, and the pending twins it
# decides with it), and the transferee's account a transfer's check names
# (vetting.transfers._check).
CANDIDATE_COLUMNS = (
    "status",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "decided_on_id",
    "subject_id",
)
RIGHTS: dict[str, tuple[str, ...]] = {
    "trail_trailevent": ("SELECT", "INSERT"),
    # A case's timeline is appended to, never changed; what is required and the list
    # reports are met, sent and withdrawn, never removed; subjects and allegations stay.
    "cases_decision": ("SELECT", "INSERT"),
    "cases_requirement": ("SELECT", "INSERT", "UPDATE"),
    "cases_listreport": ("SELECT", "INSERT", "UPDATE"),
    "cases_casesubject": ("SELECT", "INSERT", "UPDATE"),
    "cases_allegation": ("SELECT", "INSERT"),
    "cases_caseparty": ("SELECT", "INSERT", "UPDATE"),
    "django_migrations": ("SELECT",),
    "alerts_auditrun": ("SELECT",),
    "alerts_forcestaff": ("SELECT",),
    "alerts_auditalert": ("SELECT",),
    "alerts_auditevidence": ("SELECT",),
    # Reports are added by the portal's role and expire, never removed; their messages and
    # files go only when the report's content does; the staff side's rows about a report stay.
    "portal_report": ("SELECT", "UPDATE"),
    "portal_reportmessage": ("SELECT", "INSERT", "DELETE"),
    "portal_reportfile": ("SELECT", "DELETE"),
    "reports_intake": ("SELECT", "INSERT", "UPDATE"),
    "reports_namedstaff": ("SELECT", "INSERT"),
    "reports_handling": ("SELECT", "INSERT"),
    # Risk runs and their entries are imported by the owner; an entry gains only its case.
    # Plans are changed (reviewed, closed), never removed; reviews are appended.
    "risk_riskrun": ("SELECT",),
    "risk_riskentry": ("SELECT",),
    "risk_interventionplan": ("SELECT", "INSERT", "UPDATE"),
    "risk_planreview": ("SELECT", "INSERT"),
    # Vetting decisions and moves are added, never changed or removed; a task changes only
    # by its decision (COLUMN_RIGHTS); posts' requirements are set and changed, never removed.
    "vetting_clearance": ("SELECT", "INSERT"),
    "vetting_posting": ("SELECT", "INSERT"),
    "vetting_vettingtask": ("SELECT", "INSERT"),
    "vetting_postrequirement": ("SELECT", "INSERT", "UPDATE"),
    # Assessments, appeals and transfers are added and then changed only by their steps
    # (COLUMN_RIGHTS), never removed.
    "vetting_withdrawal": ("SELECT", "INSERT"),
    "vetting_appeal": ("SELECT", "INSERT"),
    "vetting_transfer": ("SELECT", "INSERT"),
    # A declaration is made, never changed or removed; the random samples are the sweep's,
    # which runs as the owner.
    "vetting_declaration": ("SELECT", "INSERT"),
    "vetting_randomsample": ("SELECT",),
    # The registry's lists are the owner's imports; rosters are held and screens run, never
    # changed or removed; a match changes only by its decision (COLUMN_RIGHTS).
    "registry_listimport": ("SELECT",),
    "registry_entry": ("SELECT",),
    "registry_service": ("SELECT",),
    "registry_roster": ("SELECT", "INSERT"),
    "registry_rosterperson": ("SELECT", "INSERT"),
    "registry_screening": ("SELECT", "INSERT"),
    "registry_candidate": ("SELECT", "INSERT"),
}
# What the portal's role may do: add reports, messages and files, and read which migrations
# ran (`custodes serve --portal` checks its tables are there). Nothing else of any table.
PORTAL_RIGHTS: dict[str, tuple[str, ...]] = {
    "portal_report": ("INSERT",),
    "portal_reportmessage": ("INSERT",),
    "portal_reportfile": ("INSERT",),
    "django_migrations": ("SELECT",),
}
# Column rights on top of the table's.
COLUMN_RIGHTS: dict[str, dict[str, tuple[str, ...]]] = {
    "alerts_auditalert": {"UPDATE": TRIAGE_COLUMNS},
    "risk_riskentry": {"UPDATE": ("case_id",)},
    # vetting.actions.decide_task: the decision, its reason, who and when.
    "vetting_vettingtask": {"UPDATE": DECISION_COLUMNS},
    "vetting_withdrawal": {"UPDATE": WITHDRAWAL_COLUMNS},
    "vetting_appeal": {"UPDATE": APPEAL_RESULT_COLUMNS},
    "vetting_transfer": {"UPDATE": TRANSFER_COLUMNS},
    "registry_candidate": {"UPDATE": CANDIDATE_COLUMNS},
}


def _kind_roles() -> sql.Composed:
    """Return `WHEN kind THEN custodes_has_role(...)` for each alert kind and its roles."""
    roles: dict[str, set[str]] = {}
    for role, kinds in ALERT_KINDS.items():
        for kind in kinds:
            roles.setdefault(str(kind), set()).add(str(role))
    return sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN custodes_has_role(p_viewer, {}::text[])").format(
            sql.Literal(kind), sql.Literal(sorted(members))
        )
        for kind, members in sorted(roles.items())
    )


def _step_roles() -> sql.Composed:
    """Return `WHEN step THEN custodes_has_role(...)` for each case step and its roles."""
    return sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN custodes_has_role(p_viewer, {}::text[])").format(
            sql.Literal(str(step)), sql.Literal(sorted(str(r) for r in roles))
        )
        for step, roles in sorted(STEP_ROLES.items())
    )


def _roles(roles: frozenset[Any]) -> sql.Literal:
    return sql.Literal(sorted(str(r) for r in roles))


def _literals() -> dict[str, sql.Composable]:
    return {
        "case_roles": _roles(CASE_ROLES),
        "granting": _roles(GRANTING_ROLES),
        "alert_roles": _roles(frozenset(ALERT_ROLES)),
        "trail_roles": _roles(TRAIL_ROLES),
        "matter_roles": _roles(MATTER_ROLES),
        "authority_roles": _roles(AUTHORITY_ROLES),
        "oversight_roles": _roles(OVERSIGHT_ROLES),
        "investigator_steps": _roles(INVESTIGATOR_STEPS),
        "report_roles": _roles(REPORT_ROLES),
        "risk_roles": _roles(RISK_ROLES),
        "untied_risk_roles": _roles(UNTIED_ROLES),
        "vetting_roles": _roles(VETTING_ROLES),
        "registry_roles": _roles(frozenset(REGISTRY_ROLES)),
        "registry_review_roles": _roles(frozenset(REVIEW_ROLES)),
        "portal_role": sql.Literal(settings.DB_PORTAL_ROLE),
        "kind_roles": _kind_roles(),
        "step_roles": _step_roles(),
    }


def body_sql(raw_connection: Any, function: Function) -> str:
    """Return a function's body with the role sets written in, as the database keeps it."""
    template = sql.SQL(function.body)
    return template.format(**_literals()).as_string(raw_connection)


def function_sql(raw_connection: Any, schema: str, function: Function) -> str:
    """Return the CREATE OR REPLACE FUNCTION statement for `function`."""
    attributes = (
        sql.SQL(DEFINER).format(schema=sql.Identifier(schema)).as_string(raw_connection)
        if function.definer
        else "STABLE"
    ).replace("STABLE", function.volatility, 1)
    return (
        f"CREATE OR REPLACE FUNCTION {function.name}({function.args}) "
        f"RETURNS {function.returns} LANGUAGE {function.language} {attributes} AS $$\n"
        f"{body_sql(raw_connection, function)}\n$$"
    )


def policy_sql(policy: Policy, on: str | None = None) -> str:
    """Return the CREATE POLICY statement for `policy`, on its table or the one named `on`."""
    statement = f"CREATE POLICY {policy.name} ON {on or policy.table} FOR {policy.command}"
    if policy.using is not None:
        statement += f" USING ({policy.using})"
    if policy.check is not None:
        statement += f" WITH CHECK ({policy.check})"
    return statement


def _role(raw_connection: Any) -> str:
    return sql.Identifier(settings.DB_APP_ROLE).as_string(raw_connection)


def _portal_role(raw_connection: Any) -> str:
    return sql.Identifier(settings.DB_PORTAL_ROLE).as_string(raw_connection)


def statements(raw_connection: Any, schema: str) -> list[str]:
    """Return the statements that bring a migrated database to this module's policy."""
    role = _role(raw_connection)
    portal = _portal_role(raw_connection)
    out: list[str] = []
    for function in FUNCTIONS:
        out.append(function_sql(raw_connection, schema, function))
        out.append(f"REVOKE ALL ON FUNCTION {function.signature} FROM PUBLIC")
        callers = {"app": [role], "portal": [portal], "both": [role, portal]}[function.callers]
        out.append(f"GRANT EXECUTE ON FUNCTION {function.signature} TO {', '.join(callers)}")
    out += [f"DROP FUNCTION IF EXISTS {signature}" for signature in RETIRED]
    for table in TABLES:
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for policy in POLICIES:
        out.append(f"DROP POLICY IF EXISTS {policy.name} ON {policy.table}")
        out.append(policy_sql(policy))
    for table, rights in RIGHTS.items():
        out.append(f"REVOKE ALL ON {table} FROM {role}")
        out.append(f"GRANT {', '.join(rights)} ON {table} TO {role}")
        for right, columns in COLUMN_RIGHTS.get(table, {}).items():
            out.append(f"GRANT {right} ({', '.join(columns)}) ON {table} TO {role}")
    # The portal's role: nothing of any table but what PORTAL_RIGHTS lists.
    quoted_schema = sql.Identifier(schema).as_string(raw_connection)
    out.append(f"GRANT USAGE ON SCHEMA {quoted_schema} TO {portal}")
    out.append(f"REVOKE ALL ON ALL TABLES IN SCHEMA {quoted_schema} FROM {portal}")
    out.append(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {quoted_schema} FROM {portal}")
    for table, rights in PORTAL_RIGHTS.items():
        out.append(f"GRANT {', '.join(rights)} ON {table} TO {portal}")
    return out


def _ensure_portal_role(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Make the portal's role (NOLOGIN) if it is missing; refuse one RLS would not bind."""
    from importlib import import_module

    app_role = import_module("custodes.web.dbsecurity.migrations.0002_app_role")
    _, owner, _ = app_role.names(schema_editor)
    portal = settings.DB_PORTAL_ROLE
    if portal == settings.DB_APP_ROLE:
        raise app_role.AppRoleError(
            f"CUSTODES_DB_PORTAL_ROLE={portal!r} is the application's role: the portal must "
            "connect as a role of its own, which reads no report but the one it is given"
        )
    app_role.ensure_role(schema_editor, portal, owner)


def apply(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Bring the database to this module's policy (PostgreSQL only; a no-op elsewhere)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    _ensure_portal_role(schema_editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    for statement in statements(connection.connection, str(schema)):
        # No parameters: the statements hold '%' that must reach the database as it is.
        schema_editor.execute(statement, params=None)


_PRIVILEGES = (*FULL_RIGHTS, "TRUNCATE", "REFERENCES", "TRIGGER")


def _function_differences(connection: BaseDatabaseWrapper, schema: str) -> list[str]:
    raw = connection.connection
    found: list[str] = []
    wanted = {f.signature: f for f in FUNCTIONS}
    with connection.cursor() as cursor:
        # Trigger functions (the trail's append-only guard, dbsecurity 0001) are not policy.
        cursor.execute(
            "SELECT p.oid::regprocedure::text, p.prosrc, p.prosecdef, p.proconfig"
            " FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND p.proname LIKE 'custodes\\_%%'"
            " AND p.prorettype <> 'trigger'::regtype"
        )
        live = {row[0]: row[1:] for row in cursor.fetchall()}
        by_oid: dict[str, Function] = {}
        for signature, listed in wanted.items():
            cursor.execute("SELECT to_regprocedure(%s)::text", [signature])
            (name,) = cursor.fetchone()
            if name is None:
                found.append(f"function {signature} is missing")
            else:
                by_oid[name] = listed
    config = sorted(["jit=off", f"search_path=pg_catalog, {schema}, pg_temp"])
    for name, (source, definer, settings_) in sorted(live.items()):
        function = by_oid.get(name)
        if function is None:
            found.append(f"function {name} is in the database but not in the policy")
            continue
        if source.strip("\n") != body_sql(raw, function).strip("\n"):
            found.append(f"function {name}'s body is not the policy's")
        if bool(definer) != function.definer:
            found.append(f"function {name} security definer is {bool(definer)}")
        if function.definer and sorted(settings_ or []) != config:
            found.append(f"function {name} runs with {settings_}, not {config}")
    return found


def _policy_differences(connection: BaseDatabaseWrapper, schema: str) -> list[str]:
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies"
            " WHERE schemaname = current_schema()"
        )
        live = {(t, n): (cmd, qual, check) for t, n, cmd, qual, check in cursor.fetchall()}
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relrowsecurity"
            " AND relnamespace = current_schema()::regnamespace"
        )
        guarded = {name for (name,) in cursor.fetchall()}
        # The module's expressions as PostgreSQL writes them back: made on empty copies of the
        # tables, read from pg_policies, then taken back.
        wanted: dict[tuple[str, str], tuple[str, str | None, str | None]] = {}
        with transaction.atomic(using=connection.alias):
            for table in TABLES:
                cursor.execute(
                    f"CREATE TEMP TABLE {table} (LIKE {connection.ops.quote_name(schema)}.{table})"
                    " ON COMMIT DROP"
                )
            for policy in POLICIES:
                cursor.execute(policy_sql(policy, on=f"pg_temp.{policy.table}"))
            cursor.execute(
                "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies"
                " WHERE schemaname = (SELECT nspname FROM pg_namespace"
                " WHERE oid = pg_my_temp_schema())"
            )
            wanted = {(t, n): (cmd, qual, check) for t, n, cmd, qual, check in cursor.fetchall()}
            transaction.set_rollback(True, using=connection.alias)
    for key in sorted(set(live) | set(wanted)):
        table, name = key
        if key not in wanted:
            found.append(f"policy {name} on {table} is in the database but not in the policy")
        elif key not in live:
            found.append(f"policy {name} on {table} is missing")
        elif live[key] != wanted[key]:
            found.append(f"policy {name} on {table} is not the policy's")
    for table in sorted(guarded ^ set(TABLES)):
        on = "on" if table in guarded else "off"
        found.append(f"row-level security is {on} for {table}, not as the policy has it")
    return found


def _right_differences(connection: BaseDatabaseWrapper) -> list[str]:
    found: list[str] = []
    role = settings.DB_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = sorted(name for (name,) in cursor.fetchall())
        for table in tables:
            expected = set(RIGHTS.get(table, FULL_RIGHTS))
            for right in _PRIVILEGES:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, right])
                (held,) = cursor.fetchone()
                if held != (right in expected):
                    found.append(f"{role} {'has' if held else 'lacks'} {right} on {table}")
        for table, rights in COLUMN_RIGHTS.items():
            for right, columns in rights.items():
                cursor.execute(
                    "SELECT attname FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                    [table],
                )
                for (column,) in cursor.fetchall():
                    cursor.execute(
                        "SELECT has_column_privilege(%s, %s, %s, %s)", [role, table, column, right]
                    )
                    (held,) = cursor.fetchone()
                    if held != (column in columns):
                        had = "has" if held else "lacks"
                        found.append(f"{role} {had} {right} on {table}.{column}")
    return found


def _portal_right_differences(connection: BaseDatabaseWrapper) -> list[str]:
    found: list[str] = []
    role = settings.DB_PORTAL_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [role])
        (exists,) = cursor.fetchone()
        if not exists:
            return [f"the portal's role {role} is missing"]
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = sorted(name for (name,) in cursor.fetchall())
        for table in tables:
            expected = set(PORTAL_RIGHTS.get(table, ()))
            for right in _PRIVILEGES:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, right])
                (held,) = cursor.fetchone()
                if held != (right in expected):
                    found.append(f"{role} {'has' if held else 'lacks'} {right} on {table}")
        for function in FUNCTIONS:
            cursor.execute(
                "SELECT has_function_privilege(%s, to_regprocedure(%s), 'EXECUTE')",
                [role, function.signature],
            )
            (held,) = cursor.fetchone()
            if held is not None and held != (function.callers in ("portal", "both")):
                found.append(f"{role} {'may' if held else 'may not'} call {function.signature}")
    return found


def differences(connection: BaseDatabaseWrapper) -> list[str]:
    """Return how the database's row-level security differs from this module's; empty if not."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    return [
        *_function_differences(connection, str(schema)),
        *_policy_differences(connection, str(schema)),
        *_right_differences(connection),
        *_portal_right_differences(connection),
    ]
