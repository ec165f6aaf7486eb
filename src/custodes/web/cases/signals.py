"""What the cases app tells the apps above it, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["break_glass_used", "list_report_made", "list_report_withdrawn"]

# Sent inside break_glass's transaction, with `actor` (the user) and `case`: counter-corruption
# must be told (alerts.receivers raises the alert), and a failure takes the access back too.
break_glass_used = Signal()

# Sent inside the step's transaction, with `actor` and `report` (a cases.models.ListReport
# adding someone to a list): custodes' own registry must hold it (registry.receivers), so that
# a hiring check at any force finds them; a failure takes the step back too.
list_report_made = Signal()

# Sent inside the step's transaction, with `actor`, `report` (the addition no longer standing)
# and `reason`: its registry entry must be taken off.
list_report_withdrawn = Signal()
