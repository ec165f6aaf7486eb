"""Encrypted columns: the one list of them, sealing and opening values, and key rotation."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction

from custodes.crypto import DecryptionError, Keyring, decrypt, encrypt, token_version
from custodes.errors import CustodesError
from custodes.web.needtoknow.rls import row_security_binds

__all__ = [
    "ENCRYPTED_COLUMNS",
    "ColumnRotation",
    "EncryptedColumn",
    "RotationError",
    "encrypted_columns",
    "field_keyring",
    "open_value",
    "rotate_field_keys",
    "seal",
]

# Every column that holds encrypted personal data, as (model label, field names). Rotation
# re-encrypts exactly these, and `seal` refuses any other, so a column left off this list
# cannot quietly keep an old key alive. Later apps add their own lines here.
ENCRYPTED_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cases.CaseParty", ("name_encrypted", "contact_encrypted")),
    # The portal's per-report data keys (what they seal is re-keyed with them) and TOTP secrets.
    ("portal.Report", ("data_key_encrypted",)),
    ("portal.OrganisationAccount", ("totp_secret_encrypted",)),
    # What staff wrote in a declared change of circumstances: partners, household, finances.
    ("vetting.Declaration", ("details_encrypted",)),
)

RowId = str | int | uuid.UUID


class RotationError(CustodesError):
    """Key rotation stopped; nothing was changed."""


@dataclass(frozen=True)
class EncryptedColumn:
    """One encrypted column: its model, field, and the table and column names bound into it."""

    model: type[models.Model]
    field: str
    table: str
    column: str
    blank: bool

    @property
    def label(self) -> str:
        """Return `table.column`, as reports and the trail name it."""
        return f"{self.table}.{self.column}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Return every registered encrypted column, resolved against the installed models."""
    found = []
    for label, fields in ENCRYPTED_COLUMNS:
        # The portal's own process installs the portal and not the staff apps: a column of an
        # app that is not installed has no table here. A model missing from an installed app
        # is still an error.
        if label.partition(".")[0] not in {config.label for config in apps.get_app_configs()}:
            continue
        model = apps.get_model(label)
        for name in fields:
            field = model._meta.get_field(name)
            if not isinstance(field, models.Field) or field.column is None:
                raise ImproperlyConfigured(f"{label}.{name} in ENCRYPTED_COLUMNS is not a column")
            found.append(
                EncryptedColumn(model, name, model._meta.db_table, field.column, field.blank)
            )
    return found


def _column(model: type[models.Model], field: str) -> EncryptedColumn:
    for column in encrypted_columns():
        if column.model is model and column.field == field:
            return column
    raise LookupError(f"{model._meta.label}.{field} is not in ENCRYPTED_COLUMNS")


@functools.lru_cache(maxsize=4)
def _parse_keyring(text: str) -> Keyring:
    return Keyring.parse(text)


def field_keyring() -> Keyring:
    """Return the keyring in `settings.FIELD_KEYS`, parsed once per distinct value."""
    return _parse_keyring(settings.FIELD_KEYS)


def seal(model: type[models.Model], field: str, row_id: RowId, plaintext: str) -> str:
    """Encrypt a value for one row's registered column under the newest key."""
    column = _column(model, field)
    # An empty optional value stays empty: its ciphertext would say as much by its length.
    if plaintext == "" and column.blank:
        return ""
    return encrypt(
        field_keyring(), plaintext, table=column.table, column=column.column, row_id=row_id
    )


def open_value(model: type[models.Model], field: str, row_id: RowId, token: str) -> str:
    """Decrypt one row's registered column; raise `DecryptionError` if it is not its own."""
    column = _column(model, field)
    if token == "" and column.blank:
        return ""
    return decrypt(field_keyring(), token, table=column.table, column=column.column, row_id=row_id)


@dataclass
class ColumnRotation:
    """What rotation did to one column."""

    column: str
    reencrypted: int = 0
    current: int = 0
    empty: int = 0


_PAGE = 500


def _pages(column: EncryptedColumn) -> Iterator[list[tuple[RowId, str]]]:
    # Keyset pages, each locked: no long-lived cursor over a table being rewritten, and no
    # concurrent writer can slip an update between our read and our write.
    manager = column.model._base_manager
    last: RowId | None = None
    while True:
        rows = manager.select_for_update().order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        page = list(rows.values_list("pk", column.field)[:_PAGE])
        if not page:
            return
        yield page
        last = page[-1][0]


def _rotate_column(keyring: Keyring, column: EncryptedColumn) -> ColumnRotation:
    done = ColumnRotation(column.label)
    where = {"table": column.table, "column": column.column}
    for page in _pages(column):
        changed = []
        for pk, token in page:
            if token == "" and column.blank:
                done.empty += 1
                continue
            try:
                # Open every value, current or not: rotation doubles as proof that all decrypt.
                plaintext = decrypt(keyring, token, row_id=pk, **where)
                if token_version(token) == keyring.current:
                    done.current += 1
                    continue
            except DecryptionError as exc:
                raise RotationError(f"{exc}; no value was re-encrypted") from None
            changed.append(
                column.model(
                    pk=pk, **{column.field: encrypt(keyring, plaintext, row_id=pk, **where)}
                )
            )
        column.model._base_manager.bulk_update(changed, [column.field])
        done.reencrypted += len(changed)
    return done


def _refuse_hidden_rows(column: EncryptedColumn) -> None:
    # Rows that row-level security hides would be skipped without a word, and lost for good
    # once the old key is removed: rotation runs only where it can see every row.
    if row_security_binds(column.table):
        raise RotationError(
            f"row-level security hides rows of {column.table} from this database role; "
            "run key rotation as the tables' owner (the role that runs migrations)"
        )


def rotate_field_keys(actor_id: int | None = None) -> list[ColumnRotation]:
    """Re-encrypt every encrypted column under the newest key, all or nothing, on the trail."""
    # Here, not at the top: the reporting portal seals with this module and holds no trail.
    from custodes.web.trail.chain import record
    from custodes.web.trail.kinds import Action, Subject

    keyring = field_keyring()
    columns = encrypted_columns()
    with transaction.atomic():
        for column in columns:
            _refuse_hidden_rows(column)
        report = [_rotate_column(keyring, column) for column in columns]
        record(
            actor_id,
            Action.ROTATE_KEYS,
            Subject.FIELD_KEYS,
            keyring.current,
            changes={
                "key_version": keyring.current,
                "columns": {
                    r.column: {"reencrypted": r.reencrypted, "current": r.current, "empty": r.empty}
                    for r in report
                },
            },
        )
    return report
