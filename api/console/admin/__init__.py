"""Admins: users and their district grants, feed keys, the audit log."""
