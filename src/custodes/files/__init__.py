"""Files from reporters: what they really are, and a copy without the metadata that names them."""

from custodes.files.errors import FileRefused, ScrubberUnavailable
from custodes.files.kinds import ALLOWED, sniff
from custodes.files.scrub import scrub

__all__ = ["ALLOWED", "FileRefused", "ScrubberUnavailable", "scrub", "sniff"]
