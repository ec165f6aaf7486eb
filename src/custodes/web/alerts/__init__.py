"""Alerts: things a counter-corruption lead or analyst must look at."""
