"""The registry: published lists of removed officers, held rosters, and the checks between them."""
