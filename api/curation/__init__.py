"""Operators' and admins' work on the directory: every write checked against their district grants, kept as a
version of the listing's history and in the audit trail.

places/       listings: the editable fields, the one write path, the list's filters, batched writes, routes
content/      events, articles and one-thing bundles: the same lifecycle
imports/      bulk import of district offices' spreadsheets, background jobs, export
formats/      the files themselves: CSV/XLSX in and out, OpenStreetMap opening_hours ↔ structured hours
corrections/  residents' corrections applied or declined
feeds/        live figures pushed by machines, and their keys
versions.py, preconditions.py (If-Match), merge_patch.py (RFC 7396): shared by every kind of listing
"""
