"""Accounts: staff users tied to force, unit and line manager, with roles and two factors."""
