# narcoscope: one image for the crawler, scheduler, workers and the web UI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    NARCOSCOPE_HOME=/data PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 narcoscope && mkdir -p /data && chown narcoscope /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY narcoscope narcoscope
COPY crawler crawler
COPY store store
COPY nlp nlp
COPY index index
COPY reports reports
COPY demosites demosites
COPY config config
RUN pip install .
USER narcoscope
VOLUME ["/data"]
ENTRYPOINT ["narcoscope"]
CMD ["--help"]
