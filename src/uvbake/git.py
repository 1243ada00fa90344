"""Every git call uvbake makes. Each function returns what git answered (paths, file bytes);
the callers are pure over it. The only revision uvbake takes is `--since REF`, so a bad one
is named as that option."""

from __future__ import annotations

import subprocess
from pathlib import Path

from uvbake import checkout
from uvbake.errors import UvbakeError


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """git `args` in `root`; OSError when git cannot be run."""
    return subprocess.run(["git", *args], cwd=root, capture_output=True)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _checked(root: Path, *args: str, ref: str, bad: str = "") -> str:
    """git's stdout; a UvbakeError when it cannot run or fails (`bad`: the problem to name
    when it fails, else git's last line of stderr)."""
    if not root.is_dir():
        raise UvbakeError(root, "is not a folder", "pass the workspace root with --root")
    try:
        done = _run(root, *args)
    except FileNotFoundError:
        raise UvbakeError(root, "git is not installed", "install git") from None
    except OSError as exc:
        raise UvbakeError(root, f"cannot run git ({exc.strerror})", "check the folder") from None
    if done.returncode != 0:
        message = (_text(done.stderr).strip().splitlines() or ["git failed"])[-1]
        if "not a git repository" in message:
            raise UvbakeError(root, "is not inside a git repository", "run uvbake in a git clone")
        raise UvbakeError(
            f"--since {ref}", bad or f"git {args[0]} failed ({message})", "pass a commit or branch"
        )
    return _text(done.stdout)


def checkout_top(root: Path) -> Path:
    """The top of the checkout `root` is in, found by its `.git` entry without running git
    (the scan and generate's memory walk from there once per run); else `root` resolved."""
    return Path(checkout.top_of(str(root.resolve())))


def top(root: Path) -> tuple[Path, str]:
    """The top of the git repository holding `root`, and `root`'s folder in it ("" at the
    top); `root` itself and "" outside a git repository."""
    try:
        done = _run(root, "rev-parse", "--show-toplevel", "--show-prefix")
    except OSError:
        return root, ""
    lines = _text(done.stdout).splitlines()
    if done.returncode != 0 or len(lines) != 2:
        return root, ""
    return Path(lines[0]), lines[1].rstrip("/")


def _fields(text: str) -> list[str]:
    return [f for f in text.split("\0") if f]


def _name_status(text: str) -> list[str]:
    """Paths of `git diff --name-status -z`: both sides of renames and copies."""
    fields = _fields(text)
    paths = []
    i = 0
    while i < len(fields):
        status = fields[i]
        width = 2 if status[:1] in ("R", "C") else 1
        paths.extend(fields[i + 1 : i + 1 + width])
        i += 1 + width
    return paths


def changed(root: Path, ref: str) -> tuple[str, list[str]]:
    """(the folder of `root` in the repository, ending in "/" or "" at the top; the paths from
    the repository's top that differ between `ref` and the working tree, both sides of a
    rename, and the untracked files git does not ignore)."""
    prefix = _checked(root, "rev-parse", "--show-prefix", ref=ref).strip()
    if not ref or ref.startswith("-"):
        raise UvbakeError(f"--since {ref}", "is not a git revision", "pass a commit or branch")
    bad = "names no commit in this repository"
    _checked(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ref=ref, bad=bad)
    options = ("--name-status", "-z", "-M", "--no-color", "--no-ext-diff", "--no-relative")
    diff = _checked(root, "diff", *options, ref, "--", ref=ref)
    untracked = _checked(
        root, "ls-files", "--others", "--exclude-standard", "--full-name", "-z", ref=ref
    )
    return prefix, [*_name_status(diff), *_fields(untracked)]


def show(root: Path, spec: str) -> bytes | None:
    """A file as git has it at `spec` (REV:PATH), or None when it is not there."""
    try:
        done = _run(root, "show", spec)
    except OSError as exc:
        raise UvbakeError(root, f"cannot run git ({exc.strerror})", "install git") from None
    return done.stdout if done.returncode == 0 else None


def show_text(root: Path, spec: str) -> str | None:
    """`show` as text (UTF-8, undecodable bytes replaced)."""
    shown = show(root, spec)
    return _text(shown) if shown is not None else None
