"""Test settings: Sentinel's settings with a fast password hasher."""

from sentinel.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests talk plain HTTP to the test client and to live servers on 127.0.0.1, on both databases.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# Serialized rollback re-saves migration data between transactional tests; audit rows refuse
# updates (a PostgreSQL trigger), and no test needs the migrations' audit rows back.
TEST_NON_SERIALIZED_APPS = ["sentinel.audit"]

# The same hosts on both databases (with DATABASE_URL the product default is none).
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
