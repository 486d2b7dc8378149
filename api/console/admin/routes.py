"""Admins: users and their district grants, feed keys, the audit log."""

from fastapi import APIRouter

from api.console.admin import audit_pages, key_pages, user_pages

router = APIRouter(prefix="/console/admin", include_in_schema=False)
router.include_router(user_pages.router)
router.include_router(key_pages.router)
router.include_router(audit_pages.router)
