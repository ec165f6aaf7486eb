"""Staff of a synthetic force: departments, teams, roles and line management."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DEPARTMENTS", "Department", "Organisation", "build_organisation"]


@dataclass(frozen=True)
class Department:
    """A department: its share of staff, its rota, and who works in it."""

    name: str
    share: float
    rota: str  # "24/7", "neighbourhood" or "office"
    roles: tuple[tuple[str, float], ...]
    broad_access: bool
    team_size: int
    areas: tuple[str, ...] = ("",)


AREAS = ("north", "south", "east", "west")

DEPARTMENTS: tuple[Department, ...] = (
    Department("response", 0.36, "24/7", (("officer", 0.86), ("special", 0.14)), False, 10, AREAS),
    Department(
        "neighbourhood", 0.15, "neighbourhood", (("officer", 0.55), ("pcso", 0.45)), False, 9, AREAS
    ),
    Department("public-protection", 0.09, "office", (("officer", 0.8), ("staff", 0.2)), False, 9),
    Department("cid", 0.11, "office", (("officer", 1.0),), False, 9),
    Department("intelligence", 0.06, "office", (("staff", 0.6), ("officer", 0.4)), True, 8),
    Department("control-room", 0.12, "24/7", (("staff", 1.0),), True, 10),
    Department("psd", 0.03, "office", (("officer", 0.6), ("staff", 0.4)), True, 6),
    Department("data-quality", 0.03, "office", (("staff", 1.0),), True, 8),
    Department("it-services", 0.05, "office", (("contractor", 0.6), ("staff", 0.4)), False, 10),
)


@dataclass(frozen=True)
class Organisation:
    """Every member of staff as parallel arrays indexed by staff number."""

    units: list[str]  # unit names; `unit` indexes this
    unit: np.ndarray  # int32 per staff
    department: np.ndarray  # int16 index into DEPARTMENTS; -1 for the chief officer
    role: np.ndarray  # object array of role names
    line_manager: np.ndarray  # int32, -1 for none
    broad_access: np.ndarray  # bool
    supervisor: np.ndarray  # bool: leads a team
    team_phase: np.ndarray  # int8: which of the rota's teams (0-3) the unit works as
    unit_supervisor: np.ndarray  # int32 per unit: its team leader

    @property
    def size(self) -> int:
        """Return the number of staff."""
        return len(self.unit)

    def in_departments(self, *names: str) -> np.ndarray:
        """Return the staff numbers of everyone in the named departments."""
        wanted = [i for i, d in enumerate(DEPARTMENTS) if d.name in names]
        return np.flatnonzero(np.isin(self.department, wanted))

    def teammate(self, staff: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Pick a random other member of each person's unit, -1 when they work alone."""
        by_unit = np.argsort(self.unit, kind="stable")
        unit_sorted = self.unit[by_unit]
        first = np.searchsorted(unit_sorted, self.unit[staff], side="left")
        count = np.searchsorted(unit_sorted, self.unit[staff], side="right") - first
        # Draw from the count-1 others and step over the person themself.
        slot = (rng.random(len(staff)) * np.maximum(count - 1, 1)).astype(np.int64)
        mate = by_unit[first + slot]
        step = by_unit[np.minimum(first + slot + 1, len(by_unit) - 1)]
        mate = np.where(mate == staff, step, mate)
        return np.where((count > 1) & (mate != staff), mate, -1).astype(np.int32)


def build_organisation(n_staff: int, rng: np.random.Generator) -> Organisation:
    """Lay out departments and teams of `n_staff` people with a chain of line managers."""
    shares = np.array([d.share for d in DEPARTMENTS])
    # Staff 0 is the chief officer; everyone else fills the departments by share.
    sizes = np.maximum(np.floor(shares / shares.sum() * (n_staff - 1)).astype(int), 2)
    sizes[0] += (n_staff - 1) - sizes.sum()

    units: list[str] = ["command"]
    unit = [0]
    department = [-1]
    roles = ["officer"]
    line_manager = [-1]
    broad = [False]
    supervisor = [False]
    phase = [0]
    unit_supervisor = [0]

    for d_index, dept in enumerate(DEPARTMENTS):
        members = int(sizes[d_index])
        head = len(unit)  # the department's head reports to the chief
        n_teams = max(1, round(members / dept.team_size))
        per_area = max(1, n_teams // len(dept.areas))
        team_sizes = np.full(n_teams, members // n_teams)
        team_sizes[: members % n_teams] += 1
        for t in range(n_teams):
            area = dept.areas[min(t // per_area, len(dept.areas) - 1)]
            number = t % per_area + 1 if area else t + 1
            name = f"{dept.name}-{area}-{number}" if area else f"{dept.name}-{number}"
            units.append(name)
            u_index = len(units) - 1
            leader = len(unit)
            unit_supervisor.append(leader)
            role_names = [r for r, _ in dept.roles]
            role_p = np.array([p for _, p in dept.roles])
            drawn = rng.choice(len(role_names), size=int(team_sizes[t]), p=role_p / role_p.sum())
            for k in range(int(team_sizes[t])):
                is_leader = k == 0
                unit.append(u_index)
                department.append(d_index)
                # Team leaders in operational departments are officers (sergeants).
                lead_officer = is_leader and dept.roles[0][0] == "officer"
                roles.append("officer" if lead_officer else role_names[drawn[k]])
                if leader == head and is_leader:
                    line_manager.append(0)
                elif is_leader:
                    line_manager.append(head)
                else:
                    line_manager.append(leader)
                broad.append(dept.broad_access)
                supervisor.append(is_leader)
                phase.append((number - 1) % 4)

    return Organisation(
        units=units,
        unit=np.array(unit, dtype=np.int32),
        department=np.array(department, dtype=np.int16),
        role=np.array(roles, dtype=object),
        line_manager=np.array(line_manager, dtype=np.int32),
        broad_access=np.array(broad, dtype=bool),
        supervisor=np.array(supervisor, dtype=bool),
        team_phase=np.array(phase, dtype=np.int8),
        unit_supervisor=np.array(unit_supervisor, dtype=np.int32),
    )
