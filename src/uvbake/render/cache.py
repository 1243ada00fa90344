"""The compiled templates, kept in the user's cache folder as Python keeps .pyc files:
compiling them is a fifth of a `generate` of a small workspace."""

from __future__ import annotations

import os
import sys

import jinja2
import jinja2.bccache


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja checks each entry against its template's source; a cache that cannot be read or
    written is only slower, and none is written where Python writes no bytecode
    (PYTHONDONTWRITEBYTECODE)."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            return

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if sys.dont_write_bytecode:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            return
