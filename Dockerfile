# ndrbot: one image for the Slack, Discord and Teams services (see docker-compose.yml).
# Build stage: turn the checkout into a wheel (knowledge.yaml ships inside it).
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md knowledge.yaml constraints.txt ./
COPY bot ./bot
COPY intents ./intents
COPY deploy/teams ./deploy/teams
# Dependencies at the versions CI tested (constraints.txt), not whatever is newest today.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && pip wheel --no-cache-dir --constraint constraints.txt --wheel-dir /wheels "$(ls /wheels/ndrbot-*.whl)[teams]"

# Runtime stage: only the installed package, no build tools, a non-root user.
FROM python:3.12-slim
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin ndrbot
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-index --find-links /tmp/wheels "$(ls /tmp/wheels/ndrbot-*.whl)[teams]" \
    && rm -rf /tmp/wheels
USER 10001
WORKDIR /home/ndrbot
ENV PYTHONUNBUFFERED=1 \
    NDRBOT_HEALTH_HOST=0.0.0.0 \
    NDRBOT_HEALTH_PORT=8080 \
    NDRBOT_HTTP_HOST=0.0.0.0 \
    NDRBOT_CACHE_DIR=/home/ndrbot/.cache/ndrbot
EXPOSE 3000 3978 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('NDRBOT_HEALTH_PORT', '8080') + '/healthz', timeout=4)"]
ENTRYPOINT ["ndrbot"]
CMD ["serve", "slack"]
