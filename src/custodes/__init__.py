"""custodes: find, investigate and sanction police abuse of position for a sexual purpose."""

__version__ = "0.1.0"
