"""What the cases app tells the apps above it, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["break_glass_used"]

# Sent inside break_glass's transaction, with `actor` (the user) and `case`: counter-corruption
# must be told (alerts.receivers raises the alert), and a failure takes the access back too.
break_glass_used = Signal()
