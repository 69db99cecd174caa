# papers-bot in HTTP mode. Build: docker build -t papers-bot .
# Run:   docker run -p 3000:3000 -v papers-data:/data --env-file .env papers-bot
# The store lives on the /data volume; the process runs as the unprivileged user `papers`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PAPERS_DB=/data/papers.db \
    PAPERS_PORT=3000

WORKDIR /app
# Runtime dependencies only, at the versions of requirements.lock (dev tools are in requirements-dev.lock).
COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
RUN pip install --constraint requirements.lock . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin papers \
    && mkdir -p /data && chown papers /data

USER papers
VOLUME ["/data"]
EXPOSE 3000
# /healthz: the store readable and a scheduler leader known (python -m bot.healthcheck).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck"]
ENTRYPOINT ["papers-bot"]
CMD ["run", "--http", "--port", "3000"]
