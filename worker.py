"""Start an srtmedia worker: python worker.py (reads REDIS_URL and SRTMEDIA_DATA_DIR)."""
from srtmedia.tasks.worker import main

if __name__ == "__main__":
    main()
