"""Celery workers: one module per pipeline stage, wrapped by thin tasks in `worker.tasks`."""
