"""Access audit: read and check a force extract, explain look-ups, rank staff for review."""

__all__: list[str] = []
