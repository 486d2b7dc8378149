"""Listings (places): the editable fields, the one write path every change takes, the list's filters, batched
writes for imports, the staff routes and views."""
