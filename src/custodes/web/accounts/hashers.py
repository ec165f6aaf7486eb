"""A cheap Argon2 hasher for the test suite only: the same algorithm at a lower cost."""

from django.contrib.auth.hashers import Argon2PasswordHasher

__all__ = ["FastArgon2PasswordHasher"]


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with minimal cost, so tests that sign in stay quick."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
