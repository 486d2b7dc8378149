"""The directory's public routes, one router per kind of listing, in the order they are matched."""

from fastapi import APIRouter

from api.directory.articles.routes import router as articles
from api.directory.bundles.routes import router as bundles
from api.directory.catalogue.routes import router as catalogue
from api.directory.events.routes import router as events
from api.directory.places.routes import router as places

router = APIRouter()
# Places first: routes are matched in order, and these take most of the traffic.
for kind in (places, catalogue, events, articles, bundles):
    router.include_router(kind)
