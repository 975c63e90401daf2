"""Pure helpers with no Django imports: identifiers, dates, reference data.

Everything here is plain Python so the same rule serves the portal, the API, the
console and the CLI, and can be tested (and property-tested) without a database.
"""
