# Attune API image: `docker build -t attune .` then `docker run -p 8000:8000 attune`.
# Every command below is one the test suite runs too (tests/api/test_dockerfile.py checks that).

# ---- build: install the project and build the default model --------------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY training ./training
COPY data ./data
RUN python -m venv .venv && .venv/bin/pip install -e .
RUN .venv/bin/attune train

# ---- runtime: the same paths, no build tools, a non-root user that cannot write the app ----
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/app/.venv/bin:$PATH ATTUNE_PORT=8000
WORKDIR /app
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ATTUNE_PORT', '8000') + '/readyz', timeout=4)"]
CMD ["attune", "serve", "--host", "0.0.0.0", "--port", "8000"]
