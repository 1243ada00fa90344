"""uvbake-finish [--strict] [--pure] [--root ROOT] [--copy SRC DEST]... FOLDER...: copy each
SRC to its DEST, byte-compile each FOLDER, then date every file and folder under ROOT.

ROOT (/uvbake/out unless given) is where a build stage puts what an image gets at the same
path under /, and each FOLDER is a path under it. The .pyc files are "unchecked-hash": valid
whatever the source files' mtimes, and the same bytes in every build. Timestamp .pyc files
record each source's mtime, which differs between checkouts, and any mismatch makes Python
compile the module again in memory at every cold start, since Lambda's file system is
read-only. Unchecked is right here because nothing edits a file inside an image. Each .pyc
names its source by its path in the image. Then every file and folder under ROOT gets one
fixed mtime, so that a layer's bytes, and so its digest, depend only on its content.
--strict: a file that does not compile fails the build (workspace code; third-party packages
may ship files for other Pythons). --pure: native code under ROOT fails the build.
--copy SRC DEST, in order, as a COPY would: a folder's content merged into the folder DEST,
links kept as links, a file to the path DEST, modes kept (SRC is a bind mount of the step).

This file is uvbake's own source: the generated Dockerfile holds it byte for byte, written
once into the builder stage, and runs it with the base image's Python (3.9 or later).
"""

from __future__ import annotations

import compileall
import os
import py_compile
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass

OUT = "/uvbake/out"
EPOCH = 315532800  # 1980-01-01, the earliest time a zip archive can hold
NATIVE = re.compile(r"\.(so|pyd)$|\.so\.")
USAGE = "usage: uvbake-finish [--strict] [--pure] [--root ROOT] [--copy SRC DEST]... FOLDER..."


@dataclass(frozen=True)
class Options:
    folders: tuple[str, ...]
    root: str = OUT
    copies: tuple[tuple[str, str], ...] = ()
    strict: bool = False
    pure: bool = False


def parse(argv: Sequence[str]) -> Options | None:
    """The options of a command line, or None when it is not one."""
    flags: set[str] = set()
    root, folders, copies = OUT, [], []
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        if word in ("--strict", "--pure"):
            flags.add(word)
        elif word == "--root" and rest:
            root = rest.pop(0)
        elif word == "--copy" and len(rest) >= 2:
            copies.append((rest.pop(0), rest.pop(0)))
        elif word.startswith("-"):
            return None
        else:
            folders.append(word)
    if not folders:
        return None
    return Options(
        folders=tuple(folders),
        root=root,
        copies=tuple(copies),
        strict="--strict" in flags,
        pure="--pure" in flags,
    )


def copy_in(source: str, dest: str) -> None:
    """Copy `source` to `dest` as a COPY does: a folder's content merged into the folder
    `dest` (links kept as links, later files replacing earlier ones), a file to the path
    `dest`; modes kept, missing parent folders made."""
    if os.path.isdir(source):
        shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copy2(source, dest)


def compile_folders(folders: Sequence[str], *, root: str, strict: bool) -> bool:
    """Byte-compile every module under `folders`; whether all of them compiled. The errors
    are printed only when `strict`."""
    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
    results = [
        compileall.compile_dir(
            folder,
            quiet=1 if strict else 2,
            invalidation_mode=mode,
            stripdir=root,
            prependdir="/",
        )
        for folder in folders
    ]
    return all(results)


def native_file(root: str) -> str | None:
    """The first native library under `root` (in walk order), if any."""
    for top, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if NATIVE.search(name):
                return os.path.join(top, name)
    return None


def date_tree(root: str) -> None:
    """Give every file, link and folder under `root` the mtime EPOCH."""
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(top, name), (EPOCH, EPOCH), follow_symlinks=False)


def main(argv: Sequence[str]) -> int:
    options = parse(argv)
    if options is None:
        print(USAGE, file=sys.stderr)
        return 2
    for source, dest in options.copies:
        copy_in(source, dest)
    compiled = compile_folders(options.folders, root=options.root, strict=options.strict)
    if options.strict and not compiled:
        print("uvbake: a module does not compile (above)", file=sys.stderr)
        return 1
    native = native_file(options.root) if options.pure else None
    if native is not None:
        print(
            f"uvbake: {native} is native code built for the build machine; "
            "set [tool.uvbake] native-builds = false",
            file=sys.stderr,
        )
        return 1
    date_tree(options.root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
