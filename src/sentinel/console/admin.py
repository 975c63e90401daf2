"""What staff see and do in the console, model by model. Registered on ``console_site`` only.

Every write is a domain action called with the staff user as actor (audited in the same
transaction); nothing is ever deleted through the console, and the audit log is read-only.
Django's admin discovery imports this module; each area's admin lives in ``console.admins``.
"""

from sentinel.console.admins import audit, clinics, documents, jobs, networks, projects, vendors

__all__ = ["audit", "clinics", "documents", "jobs", "networks", "projects", "vendors"]
