"""Structured JSON logging shared by every service."""

import logging
import sys

import orjson

__all__ = ["dumps", "get_logger"]


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        return orjson.dumps(payload).decode()


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return logger


def dumps(value: object) -> str:
    """Serialise with orjson, sorted keys, the way every service writes JSON."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
