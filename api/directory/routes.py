"""The directory's public routers, one per kind of listing, in the order the app includes them.

The app includes each router itself rather than one router holding them: every level of included routers is
another round of route matching on every request (bench/README.md).
"""

from api.directory.articles.routes import router as articles
from api.directory.bundles.routes import router as bundles
from api.directory.catalogue.routes import router as catalogue
from api.directory.events.routes import router as events
from api.directory.places.routes import router as places

# Places first: routes are matched in order, and these take most of the traffic.
ROUTERS = (places, catalogue, events, articles, bundles)
