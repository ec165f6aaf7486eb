"""Vetting: clearances, posts' required levels, and re-vetting tasks raised by triggers."""
