"""Sentinel — the quality-data platform for Danish primary-care clinics."""

__version__ = "0.1.0"
