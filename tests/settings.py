"""Test settings: Sentinel's settings with a fast password hasher."""

from sentinel.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
