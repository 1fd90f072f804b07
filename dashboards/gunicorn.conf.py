"""gunicorn settings for the flowgap dashboard (see dashboards/README.md).

Every value can be overridden from the environment; the defaults suit a team of a few dozen
people on a 2-4 core machine behind a reverse proxy on the same host.
"""

import os

wsgi_app = "dashboards.wsgi:server"
# The reverse proxy talks to gunicorn over loopback; never expose this port directly.
bind = os.environ.get("FLOWGAP_BIND", "127.0.0.1:8050")
# Sessions live on disk, so any worker can answer any request; each worker keeps its own
# in-memory cache of analyses.
workers = int(os.environ.get("FLOWGAP_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("FLOWGAP_THREADS", "4"))
# The first analysis of a large upload can take a while (pm4py import, engine run).
timeout = int(os.environ.get("FLOWGAP_TIMEOUT", "180"))
graceful_timeout = 30
# Recycle workers now and then: cached analyses of big uploads are held in memory.
max_requests = 1000
max_requests_jitter = 100
# Trust X-Forwarded-* only from the local proxy.
forwarded_allow_ips = os.environ.get("FLOWGAP_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Keep query strings (they may carry ?token=...) out of the access log.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
