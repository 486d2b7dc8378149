"""Bulk import of a district office's list of listings (rows checked, then written in one transaction; large files as
background jobs) and export in the same columns."""
