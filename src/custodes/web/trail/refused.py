"""A read refused as if the record did not exist, which the trail still records."""

from __future__ import annotations

from django.http import Http404

from custodes.web.trail.kinds import Action, Subject

__all__ = ["Refused"]


class Refused(Http404):
    """Refuse a read with a 404 that names nothing, and say what was asked for and why.

    Fetch-and-authorise helpers raise it both for a record that does not exist and for one the
    user may not see, so the reply never tells them apart. `staff_view` writes it to the trail
    (after taking back anything the view wrote): a refused read of a record about oneself is
    what an insider's probing looks like.
    """

    def __init__(
        self,
        subject_type: Subject,
        subject_id: object,
        why: str,
        purpose: Action = Action.READ,
    ) -> None:
        super().__init__(f"No such {subject_type}")
        self.subject_type = subject_type
        self.subject_id = str(subject_id)
        self.why = why
        self.purpose = purpose
