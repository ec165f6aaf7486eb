"""What the trail records: a closed set of actions and of the kinds of record they touch.

Every event names one `Action` and one `Subject`; `record` refuses anything else, so a typo
cannot start a new kind of event that nobody looks for, and whoever audits custodes' own users
(`custodes trail export`, the oversight body) can read the whole vocabulary here.
"""

from __future__ import annotations

from django.db import models

__all__ = ["Action", "Subject"]


class Action(models.TextChoices):
    """What someone (or custodes itself) did."""

    # Reading, and being refused.
    READ = "read", "Read a record"
    PRINT = "print", "Printed a record"
    LIST = "list", "Listed records (by id)"
    SEARCH = "search", "Searched (terms only as keyed pseudonyms)"
    PAGE = "page", "Opened a page that reads no record"
    REFUSED = "refused", "Was refused a record or a page"
    FOLLOW_ALERT = "follow-alert", "Followed an alert to its record"
    DECRYPT_FAILED = "decrypt-failed", "Met a value that would not decrypt"
    # Writing.
    CREATE = "create", "Created a record"
    UPDATE = "update", "Changed a record"
    GRANT = "grant", "Gave access to a case"
    BREAK_GLASS = "break-glass", "Broke the glass into a case"
    # The access audit's runs and alerts.
    IMPORT = "import", "Imported an audit run"
    TRIAGE = "triage", "Opened an audit alert to triage it"
    DISMISS = "dismiss", "Dismissed an audit alert"
    ESCALATE = "escalate", "Escalated an audit alert"
    OPEN_CASE = "open-case", "Opened a case from an audit alert"
    # A case's path: each step, as its timeline keeps it (cases.models.Decision.Step).
    TAKE_IN = "take-in", "Took a matter in"
    NAME_SUBJECT = "name-subject", "Named a subject of a case"
    ADD_ALLEGATION = "add-allegation", "Added an allegation"
    RECORDING = "recording", "Decided whether to record a matter"
    REFERRAL = "referral", "Decided whether to refer a matter"
    SEVERITY = "severity", "Assessed (or revised) severity"
    APPOINT = "appoint", "Appointed an investigator"
    NOTICE = "notice", "Served a notice of investigation"
    TIMELINESS = "timeliness", "Gave a timeliness account"
    INVESTIGATION_REPORT = "investigation-report", "Submitted an investigation report"
    CASE_TO_ANSWER = "case-to-answer", "Decided whether there is a case to answer"
    PROCEEDINGS = "proceedings", "Arranged misconduct proceedings"
    OUTCOME = "outcome", "Recorded the outcome of proceedings"
    RPRP = "rprp", "Began reflective practice"
    RPRP_REVIEW = "rprp-review", "Reviewed reflective practice"
    LEFT_SERVICE = "left-service", "Recorded a subject leaving the service"
    APPEAL = "appeal", "Recorded an appeal"
    APPEAL_DECIDED = "appeal-decided", "Recorded an appeal's result"
    LIST_REPORT = "list-report", "Produced a barred or advisory list report"
    LIST_REPORT_SENT = "list-report-sent", "Sent a list report"
    LIST_REPORT_WITHDRAWN = "list-report-withdrawn", "Withdrew a list report"
    CLOSE_CASE = "close-case", "Closed a case"
    # The registry.
    REGISTRY_IMPORT = "registry-import", "Imported a published list"
    REGISTRY_ROSTER = "registry-roster", "Held a roster"
    REGISTRY_CHECK = "registry-check", "Checked an applicant"
    REGISTRY_SCREEN = "registry-screen", "Screened a roster"
    REGISTRY_NEW_LIST = "registry-new-list", "Screened held rosters against a new list"
    DECIDE = "decide", "Opened a match to decide it"
    REGISTRY_CONFIRM = "registry-confirm", "Confirmed a match"
    REGISTRY_REJECT = "registry-reject", "Rejected a match"
    REGISTRY_LISTED = "registry-listed", "Put a case's list report on the registry"
    REGISTRY_DELISTED = "registry-delisted", "Took a withdrawn list report off the registry"
    SEARCHED_FOR = "searched-for", "Asked who searched for a name"
    # Signing in.
    SIGN_IN = "sign-in", "Signed in"
    SIGN_IN_FAILED = "sign-in-failed", "Failed to sign in"
    SIGN_IN_BLOCKED = "sign-in-blocked", "Was refused signing in during a lock-out"
    SIGN_OUT = "sign-out", "Signed out"
    LOCK_OUT = "lock-out", "Was locked out"
    UNLOCK = "unlock", "Lifted a lock-out"
    # The reporting portal. A reporter's own actions record no actor and nothing about them.
    REPORT_RECEIVED = "report-received", "A report came in through the portal"
    REPORT_FOLLOWED_UP = "report-followed-up", "A reporter added to their report"
    REPORT_MESSAGE = "report-message", "Replied to, or asked, a reporter"
    REPORT_STATUS = "report-status", "Changed a report's status"
    REPORT_EXPIRED = "report-expired", "Deleted an expired report's content"
    # Keys and the trail itself.
    ROTATE_KEYS = "rotate-keys", "Re-encrypted under the newest key"
    EXPORT = "export", "Exported the trail"
    EXPORT_CASES = "export-cases", "Exported every case in the officer-history format"
    # Early intervention: risk runs, cases opened from their entries, intervention plans.
    RISK_IMPORT = "risk-import", "Imported an early-intervention risk run"
    RISK_OPEN_CASE = "risk-open-case", "Opened a case from a risk entry"
    PLAN_CREATE = "plan-create", "Started an intervention plan"
    PLAN_REVIEW = "plan-review", "Reviewed an intervention plan"
    PLAN_CLOSE = "plan-close", "Closed an intervention plan with its outcome"
    # Statistics: a publication under disclosure control, counted from every case.
    PUBLISH_STATISTICS = "publish-statistics", "Published statistics from every case"
    # Vetting: clearances, post requirements and moves, re-vetting tasks and external checks.
    VETTING_CLEARANCE = "vetting-clearance", "Recorded a vetting clearance decision"
    VETTING_POST = "vetting-post", "Set the vetting level a post requires"
    VETTING_POSTING = "vetting-posting", "Recorded a move into a post"
    VETTING_TASK = "vetting-task", "Raised a re-vetting task"
    VETTING_DECIDE = "vetting-decide", "Decided a re-vetting task"
    VETTING_CHECK = "vetting-check", "Imported an external check's hits"
    # Vetting: withdrawal assessments (2025 Regulations), appeals, and officers transferring in.
    VETTING_WITHDRAWAL = "vetting-withdrawal", "Began a vetting withdrawal assessment"
    VETTING_NOTICE = "vetting-notice", "Served a withdrawal assessment's notice"
    VETTING_REPRESENTATIONS = (
        "vetting-representations",
        "Recorded representations in a withdrawal assessment, or none by the due day",
    )
    VETTING_WITHDRAWAL_DECIDE = "vetting-withdrawal-decide", "Decided a withdrawal assessment"
    VETTING_APPEAL = "vetting-appeal", "Recorded an appeal against a vetting decision"
    VETTING_APPEAL_DECIDED = "vetting-appeal-decided", "Recorded a vetting appeal's result"
    VETTING_TRANSFER = "vetting-transfer", "Recorded an officer transferring in"
    VETTING_TRANSFER_CHECK = "vetting-transfer-check", "Checked a transferee against the registry"
    VETTING_TRANSFER_RECORD = (
        "vetting-transfer-record",
        "Recorded a transferee's vetting record received from their former force",
    )
    VETTING_DECLARE = "vetting-declare", "Declared a change of circumstances"
    VETTING_SAMPLE = "vetting-sample", "Drew a month's random sample for re-vetting"
    VETTING_ASSOCIATIONS = "vetting-associations", "Wrote declared associations for the audit"


class Subject(models.TextChoices):
    """The kind of record an event is about (its id is the event's `subject_id`)."""

    USER = "user", "A custodes account"
    SIGN_IN_NAME = "sign-in-name", "A name tried at sign-in (keyed pseudonym)"
    ADDRESS = "address", "A network address"
    PAGE = "page", "A page (its path)"
    HOME = "home", "The home page"
    ACCOUNTS = "accounts", "The accounts page"
    CASE = "case", "A case"
    CASE_REFERENCE = "case-reference", "A case asked for by its reference"
    CASE_PARTY = "case-party", "A victim, reporter or witness"
    CASES = "cases", "The case list"
    CASE_SUBJECT = "case-subject", "A member of staff a case is about"
    ALLEGATION = "allegation", "An allegation"
    LIST_REPORT = "list-report", "A barred or advisory list report"
    ALERT = "alert", "An alert"
    ALERTS = "alerts", "The alert list"
    AUDIT_RUN = "audit-run", "An imported audit run"
    AUDIT_ALERT = "audit-alert", "An audit alert"
    AUDIT_EVIDENCE = "audit-evidence", "An audit alert's evidence"
    AUDIT_QUEUE = "audit-queue", "The audit alert queue"
    REGISTRY = "registry", "The registry's search"
    LIST_IMPORT = "list-import", "An imported list"
    REGISTRY_ENTRY = "registry-entry", "A registry entry"
    REGISTRY_CANDIDATE = "registry-candidate", "A possible match"
    REGISTRY_QUEUE = "registry-queue", "The matches to review"
    SCREENING = "screening", "A check or screen"
    ROSTER = "roster", "A held roster"
    ROSTERS = "rosters", "The held rosters"
    REPORT = "report", "A report made through the portal"
    ORGANISATION = "organisation", "A support organisation that reports through the portal"
    ORGANISATION_ACCOUNT = "organisation-account", "A support organisation's portal account"
    FIELD_KEYS = "field-keys", "The field-encryption keys"
    TRAIL = "trail", "The trail"
    RISK_RUN = "risk-run", "An imported early-intervention risk run"
    RISK_REPORT = "risk-report", "A risk run's report"
    RISK_LIST = "risk-list", "The early-intervention list"
    RISK_ENTRY = "risk-entry", "An officer's entry in a risk run"
    INTERVENTION_PLAN = "intervention-plan", "An intervention plan"
    STATISTICS = "statistics", "A statistics publication (its folder)"
    CLEARANCE = "clearance", "A vetting clearance"
    POST_REQUIREMENT = "post-requirement", "A post's vetting requirement"
    POSTING = "posting", "A move into a post"
    VETTING_TASK = "vetting-task", "A re-vetting task"
    VETTING_CHECK_FILE = "vetting-check-file", "An external check's file of hits"
    WITHDRAWAL = "vetting-withdrawal", "A vetting withdrawal assessment"
    VETTING_APPEAL = "vetting-appeal", "An appeal against a vetting decision"
    TRANSFER = "vetting-transfer", "An officer transferring in from another force"
    TRANSFERS = "vetting-transfers", "The list of officers transferring in"
    WITHDRAWALS = "vetting-withdrawals", "The list of withdrawal assessments"
    DECLARATION = "declaration", "A declared change of circumstances"
    VETTING_SAMPLE = "vetting-sample", "A month's random sample for re-vetting"
    DECLARED_ASSOCIATIONS = "declared-associations", "A force's declared associations"
