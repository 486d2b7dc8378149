"""Admins: users and their district grants, feed keys, the audit log."""

from fastapi import APIRouter

router = APIRouter(prefix="/console/admin", include_in_schema=False)
