# syntax=docker/dockerfile:1
# Build stage: resolve dependencies from the lock file into a virtual environment.
FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PIP_NO_CACHE_DIR=1
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY alembic.ini ./
COPY api ./api
COPY models ./models
COPY migrations ./migrations
COPY seed ./seed
RUN uv sync --frozen --no-dev

# Runtime stage: the environment and the code, run by an unprivileged user.
FROM python:3.11-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 svcdir \
    && useradd --system --uid 10001 --gid svcdir --home-dir /app --no-create-home svcdir
WORKDIR /app
# The code and its environment belong to root: the user that runs the app can read them and change nothing. It
# writes only under /app/var (photos, the console's held imports, an embedded database if one is used).
COPY --from=build /app /app
RUN mkdir -p /app/var && chown svcdir:svcdir /app/var && chmod 0750 /app/var
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_JSON=true \
    SEED_SAMPLES=false \
    TRUSTED_PROXIES=""
# Behind a load balancer, set TRUSTED_PROXIES to its addresses or network (e.g. 10.0.0.0/8): only then does
# X-Forwarded-For name each resident, and per-address limits apply per resident instead of to the whole city.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# `svcdir serve` applies migrations (and the reference seed) before it starts listening.
CMD ["svcdir", "serve"]
