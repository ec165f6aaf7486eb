"""Settings for tests: the real settings, with a throwaway data directory and test mode."""

import os
import tempfile

from tests.signing_keys import AUDIT_KEY

os.environ.setdefault("CUSTODES_MODE", "test")
os.environ.setdefault("CUSTODES_DATA_DIR", tempfile.mkdtemp(prefix="custodes-test-"))
# The audit runs the tests make are signed with the test audit key (tests/signing_keys.py).
os.environ.setdefault("CUSTODES_AUDIT_TRUSTED_KEYS", AUDIT_KEY.public.line)

from custodes.web.settings import *  # noqa: F403

# Argon2 at full cost makes each test sign-in slow; the hasher is the same.
PASSWORD_HASHERS = ["custodes.web.accounts.hashers.FastArgon2PasswordHasher"]
