# srtmedia: the whole service in one image. `docker run -p 8000:8000 -v srtmedia:/data IMAGE`
# runs `srtmedia serve` (embedded Redis in /data); docker-compose.yml runs the parts separately.
FROM python:3.11-slim

# libgomp1: CTranslate2 (faster-whisper) threads. (espeak-ng comes with pip: espeakng-loader.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY srtmedia ./srtmedia
COPY config ./config
COPY worker.py ./
RUN pip install --no-cache-dir . && useradd --create-home --uid 1000 srtmedia \
    && mkdir /data && chown srtmedia /data

USER srtmedia
ENV SRTMEDIA_DATA_DIR=/data SRTMEDIA_LOG_FORMAT=json
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# serve handles SIGTERM (docker stop): API first, then workers (finish or hand back), then Redis.
STOPSIGNAL SIGTERM
CMD ["srtmedia", "serve", "--host", "0.0.0.0", "--port", "8000", "--data-dir", "/data"]
