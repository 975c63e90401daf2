"""The operator console: Sentinel's own staff at ``/console/`` (a Django admin site).

Staff are Sentinel employees, never clinic users. They log in with a password and a TOTP code
from an authenticator app (django-otp); a session without a verified second factor reaches no
console page. Each staff user has exactly one role, a Django group with explicit permissions
(``console.roles``): support reads everything and runs status checks, a project manager also
edits projects and publishes their data specifications, an administrator does everything.

Every write goes through a domain action with the staff user as the actor, so it is audited in
the same transaction; so are logins, failed logins, lockouts, status checks and exports. The
console itself never edits or deletes audit rows, published specifications or documents.
"""
