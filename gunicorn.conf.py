"""gunicorn settings for SIPAS, used by ``make run`` and the journeys (``gunicorn -c gunicorn.conf.py``).

Threaded workers (``gthread``): a request whose body trickles in over a slow
link holds one thread, not a whole worker, so a few slow clients cannot stall
the site when nothing buffers in front of it. In production a proxy such as
nginx should still buffer whole requests before passing them on (its default).

Environment: ``WORKERS`` (processes, 4) and ``THREADS`` (threads per process, 8); command-line options
(``--workers``) win over this file.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WORKERS", "4"))
threads = int(os.environ.get("THREADS", "8"))
timeout = 30  # seconds a worker may be silent (a stuck request) before it is restarted
graceful_timeout = 20
keepalive = 5
# Request line and headers stay within gunicorn's defaults (8 kB line, 100 headers); bodies are limited by the
# app (MAX_CONTENT_LENGTH).
