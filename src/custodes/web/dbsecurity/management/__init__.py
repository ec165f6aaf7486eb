"""Management commands of the dbsecurity app."""
