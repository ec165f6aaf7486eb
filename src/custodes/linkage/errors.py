"""Errors the linkage library raises, all under custodes' one hierarchy."""

from __future__ import annotations

from custodes.errors import CustodesError

__all__ = ["LinkageError", "ModelFileError", "PeopleTableError"]


class LinkageError(CustodesError):
    """Identity matching failed or was asked for something it cannot do."""


class PeopleTableError(LinkageError):
    """A table of people (registry or people to check) does not have the expected shape."""


class ModelFileError(LinkageError):
    """The shipped model file is missing or does not fit the model's comparisons."""
