"""The words the audit log uses for the trail's codes: what was done (`user.districts`), to what (`place`), and which
details hold district codes. tests/console/test_audit_labels.py finds every code the API writes and fails on one
without its label here."""

from api.console.i18n import N_

ACTION_LABELS = {
    # Accounts
    "user.create": N_("Account created"),
    "user.password": N_("Password changed"),
    "user.role": N_("Role changed"),
    "user.districts": N_("District grants changed"),
    "user.enable": N_("Account enabled"),
    "user.disable": N_("Account disabled"),
    "user.find_by_phone": N_("Account looked up by phone number"),
    # Feed keys and live figures
    "feed_key.create": N_("Feed key made"),
    "feed_key.revoke": N_("Feed key revoked"),
    "availability.push": N_("Live figures pushed"),
    "place.availability": N_("Live figures set by hand"),
    # Listings (each write is also a version in the listing's history)
    "place.create": N_("Listing created"),
    "place.edit": N_("Listing edited"),
    "place.publish": N_("Listing published"),
    "place.archive": N_("Listing archived"),
    "place.restore": N_("Listing restored"),
    "place.verify": N_("Listing verified as current"),
    "import.run": N_("Import applied"),
    "correction.apply": N_("Correction applied"),
    "correction.decline": N_("Correction declined"),
    # Events, articles, service bundles
    "event.create": N_("Event created"),
    "event.edit": N_("Event edited"),
    "event.publish": N_("Event published"),
    "event.cancel": N_("Event cancelled"),
    "event.archive": N_("Event archived"),
    "event.restore": N_("Event restored"),
    "article.create": N_("Article created"),
    "article.edit": N_("Article edited"),
    "article.publish": N_("Article published"),
    "article.archive": N_("Article archived"),
    "article.restore": N_("Article restored"),
    "bundle.create": N_("Service bundle created"),
    "bundle.edit": N_("Service bundle edited"),
    "bundle.publish": N_("Service bundle published"),
    "bundle.archive": N_("Service bundle archived"),
    "bundle.restore": N_("Service bundle restored"),
    # The feedback team
    "feedback.reveal_phone": N_("Resident's phone number revealed"),
    "template.create": N_("Reply template created"),
    "template.update": N_("Reply template changed"),
    "template.delete": N_("Reply template deleted"),
    # The working-day calendar
    "calendar_year_loaded": N_("Working-day calendar loaded"),
    "calendar_year_replaced": N_("Working-day calendar replaced"),
}

# In the order the filter offers them.
OBJECT_TYPE_LABELS = {
    "user": N_("Account"),
    "feed_key": N_("Feed key"),
    "place": N_("Listing"),
    "import_job": N_("Import job"),
    "event": N_("Event"),
    "article": N_("Article"),
    "bundle": N_("Service bundle"),
    "feedback": N_("Feedback"),
    "template": N_("Reply template"),
    "calendar_year": N_("Calendar year"),
}

# The details that hold district codes, by action: shown with the districts' names.
DISTRICT_DETAILS = {
    "user.districts": frozenset({"before", "after"}),
    "user.create": frozenset({"districts"}),
    "feed_key.create": frozenset({"districts"}),
}
