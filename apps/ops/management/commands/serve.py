"""``manage.py serve``: the portal, a Celery worker and Celery beat, together, for one machine.

If Redis cannot be reached, tasks run in-process (CELERY_TASK_ALWAYS_EAGER) and the log says so once; the portal
still works, but periodic jobs wait until Redis is back.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import redis
from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger("alprportal.serve")


def redis_reachable(url: str) -> bool:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return True
    except (redis.RedisError, OSError):
        return False


class Command(BaseCommand):
    help = "Run the web server with a Celery worker and beat (tasks in-process if Redis is unreachable)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, **options):
        env = os.environ.copy()
        python = sys.executable
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        processes: list[subprocess.Popen] = []
        if options["no_worker"] or not redis_reachable(settings.CELERY_BROKER_URL):
            if not options["no_worker"]:
                logger.warning(
                    "Redis at %s cannot be reached: Celery tasks will run in-process and periodic tasks (beat) "
                    "will not run until Redis is available.", settings.CELERY_BROKER_URL,
                )
            env["CELERY_TASK_ALWAYS_EAGER"] = "true"
        else:
            celery = [python, "-m", "celery", "-A", "alprportal"]
            processes.append(subprocess.Popen([*celery, "worker",  # noqa: S603 - fixed argv, no user input "--loglevel=INFO", "--concurrency=2",
                                               "-Q", "celery,ocr"], env=env))
            processes.append(subprocess.Popen([*celery, "beat",  # noqa: S603 "--loglevel=INFO",
                                               "--schedule", str(settings.BASE_DIR / "var" / "celerybeat-schedule")],
                                              env=env))
            self.stdout.write(f"Celery worker and beat started against {settings.CELERY_BROKER_URL}")
        web = subprocess.Popen([python, manage, "runserver", options["addrport"], "--noreload"], env=env)  # noqa: S603
        processes.append(web)

        def stop(*_args):
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
