"""Residents' corrections of a listing, applied as a new version or declined, each answered to the resident."""
