"""The database's own defences: an append-only trail, and row-level security on PostgreSQL.

Everything here is installed by this app's migrations, so a database is never without it.

On every database, triggers refuse any UPDATE or DELETE of a trail row (and, on PostgreSQL,
a TRUNCATE of the table); the triggers fire even under `session_replication_role = replica`.
The keyed hash chain (`trail.chain.verify`) reports whatever someone who can drop the
triggers changes anyway.

On PostgreSQL the application connects as its own role, `CUSTODES_DB_APP_ROLE` (default
`custodes_app`), and the migrations run as the role that owns the tables:

- The migrations create the application's role `NOLOGIN` if it does not exist. In production
  a database administrator gives it a password and LOGIN out of band
  (`ALTER ROLE custodes_app LOGIN PASSWORD '…'`), and the web app's `DATABASE_URL` names it;
  `custodes web migrate` (and anything else that must see every row, such as
  `custodes trail export`, `trail checkpoint`, `custodes keys rotate` or `custodes alerts
  import`) runs with the owner's `DATABASE_URL`; `web migrate` checks the owner's rights first
  (`preflight.py`), and the others refuse to run as a role that RLS binds.
- The application's role owns nothing, may not bypass row-level security, and may only
  SELECT, INSERT, UPDATE and DELETE rows (SELECT and INSERT on the trail). The migrations
  refuse to go on if it is the owner, a superuser, has BYPASSRLS or the owner's privileges.
  The grants name the role set when they ran: to change it, migrate `dbsecurity` back to
  `0001_trail_append_only` under the old name and forward again under the new one.
- Row-level security on cases, their access rows, their parties and alerts repeats the
  application's need-to-know rules in SQL for the user named by `custodes.user_id`, which
  `DatabaseUserMiddleware` sets for each request's transaction only. With no user set, the
  application's role sees no case, access row, party or alert.
- Row-level security is enabled on every guarded table, never forced: it binds every role but
  the tables' owner, and the application's role is not the owner; the owner is the one role
  that must see every row (migrations, imports, take-ins, sweeps, exports).
- The trail's rows show to the application's role only for those who audit custodes' own
  users (`accounts.access.TRAIL_ROLES`); everyone appends, learning only the chain's head from
  `custodes_trail_head()`.
- Audit runs, their staff charts, audit alerts and their evidence are the import's to write
  and the application's only to read and triage: its role may change nothing but an audit
  alert's triage columns, and may insert or delete none of these rows.
- Vetting's clearances, moves and re-vetting tasks show only to vetting officers known in the
  force, never about themselves, their chain either way or their unit (one expression for
  every table of records about a member of staff, `policy.vetted`); decisions and moves are
  added in the actor's name and never changed or removed, a task changes only by its
  decision's columns, and posts' requirements show to vetting officers. The sweep and the
  external check's import refuse to run as a role that RLS binds.
- The registry (`registry.access`): list imports, entries and their services show to those who
  use the registry, and only the owner writes them (`custodes registry import`, and custodes'
  own list reports, which the web app leaves to the owner's `custodes registry take-in`: the
  appropriate authority who makes one sees no registry). Held rosters, their people and
  screenings show to those who review matches; a match too, but never to the person it is
  about, their chain either way or their unit (by the subject's account in custodes' own
  chart, as `registry.access` decides it). A reviewer holds a roster and runs a check or a
  roster screen in their own name; a screen's matches go in undecided and unread (some are
  about the runner's own unit), and `custodes_registry_carry` carries the pairs' earlier
  decisions to them in the database, which sees the decisions kept from the runner; a match
  changes only by its decision's columns, in the decider's own name. Nothing is removed. An
  import refuses to run as a role that RLS binds.

Row-level security backs up the application's own checks against a query that forgets them;
it cannot stop an attacker who runs SQL of their choosing as the application's role, since
that role sets `custodes.user_id` itself.
"""
