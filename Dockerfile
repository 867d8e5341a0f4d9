# narcoscope: one image for the crawler, scheduler, workers and the web UI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    NARCOSCOPE_HOME=/data PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 narcoscope && mkdir -p /data && chown narcoscope /data
WORKDIR /app
# The whole build context: .dockerignore leaves out what the image does not run (tests, benches,
# the venv), so every package pyproject.toml lists is there, and the config beside them. Installed
# in place (-e), the layout `make` installs and the tests run: the packages read config/ from the
# tree they sit in, which a copy into site-packages would leave behind. gcc builds the C loops of
# nlp/_tokendata.c and the modules mypyc compiles (setup.py; without them the extraction runs the same
# code interpreted) and leaves with the apt lists.
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install -e . \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
USER narcoscope
VOLUME ["/data"]
ENTRYPOINT ["narcoscope"]
CMD ["--help"]
