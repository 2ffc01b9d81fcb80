# Colorisation, CPU image: docker build -t colorisation . && docker run -p 8501:8501 colorisation
# (GPU hosts: see deploy/README.md.)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 COLORISATION_DEVICE=cpu
WORKDIR /app

# CPU-only torch first (about 200 MB instead of 2 GB of CUDA libraries), then the rest.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 app && chown -R app /app
USER app

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"

# Classroom settings (also in .streamlit/config.toml): 50 MB uploads, XSRF protection on,
# no file watcher (torch), no telemetry.
CMD ["python", "-m", "streamlit", "run", "streamlit_app.py", \
     "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true", \
     "--server.maxUploadSize=50", "--server.enableXsrfProtection=true", \
     "--server.enableCORS=true", "--server.fileWatcherType=none", "--runner.postScriptGC=false", \
     "--server.scriptHealthCheckEnabled=true", \
     "--browser.gatherUsageStats=false"]
