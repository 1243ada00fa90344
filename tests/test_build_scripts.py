"""uvbake's build scripts (src/uvbake/render/templates/scripts), run on temp folders as a
build stage runs them on /uvbake/out, and held byte for byte by the generated Dockerfile."""

from __future__ import annotations

import importlib.util
import marshal
import os
import subprocess
import sys
from pathlib import Path

from helpers import build_tree, seed_workspace
from uvbake.api import generated_files
from uvbake.names import DOCKERFILE
from uvbake.render.files import build_script

SCRIPTS = Path(__file__).parent.parent / "src" / "uvbake" / "render" / "templates" / "scripts"
FINISH = SCRIPTS / "finish.py"
EPOCH = 315532800
TAG = sys.implementation.cache_tag
SITE = "var/lang/lib/python3.13/site-packages"
# the folders down to site-packages, as tree() lists them
SITE_FOLDERS = ("var/", "var/lang/", "var/lang/lib/", "var/lang/lib/python3.13/", f"{SITE}/")


def finish(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(FINISH), *args], capture_output=True, text=True, check=False
    )


def tree(root: Path) -> list[str]:
    """Every path under `root`, folders with a trailing /, sorted."""
    found = []
    for top, dirs, files in os.walk(root):
        rel = Path(top).relative_to(root)
        found += [f"{(rel / d).as_posix()}/" for d in dirs]
        found += [(rel / f).as_posix() for f in files]
    return sorted(found)


def mtimes(root: Path) -> dict[str, float]:
    """The mtime of every path under `root` (links not followed)."""
    return {p: os.lstat(root / p).st_mtime for p in tree(root)}


def out_tree(root: Path) -> Path:
    """What two stages put under /uvbake/out: a service's code and a third-party package."""
    return build_tree(
        root / "out",
        {
            "var/task/app.py": "def handler(event, context):\n    return 1\n",
            "var/task/pkg/__init__.py": "",
            "var/task/pkg/mod.py": "VALUE = 2\n",
            "var/task/notes.txt": "not code\n",
            f"{SITE}/lib.py": "import os\n",
        },
    )


def test_finish_compiles_each_folder_and_dates_every_path(tmp_path: Path) -> None:
    out = out_tree(tmp_path)
    os.symlink("app.py", out / "var/task/link.py")
    done = finish("--root", str(out), str(out / "var/task"), str(out / SITE))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert tree(out) == [
        *SITE_FOLDERS,
        f"{SITE}/__pycache__/",
        f"{SITE}/__pycache__/lib.{TAG}.pyc",
        f"{SITE}/lib.py",
        "var/task/",
        "var/task/__pycache__/",
        f"var/task/__pycache__/app.{TAG}.pyc",
        f"var/task/__pycache__/link.{TAG}.pyc",
        "var/task/app.py",
        "var/task/link.py",
        "var/task/notes.txt",
        "var/task/pkg/",
        "var/task/pkg/__init__.py",
        "var/task/pkg/__pycache__/",
        f"var/task/pkg/__pycache__/__init__.{TAG}.pyc",
        f"var/task/pkg/__pycache__/mod.{TAG}.pyc",
        "var/task/pkg/mod.py",
    ]
    assert mtimes(out) == dict.fromkeys(tree(out), EPOCH)


def test_finish_writes_unchecked_hash_pyc_naming_the_image_path(tmp_path: Path) -> None:
    out = out_tree(tmp_path)
    assert finish("--root", str(out), str(out / "var/task")).returncode == 0
    pyc = (out / f"var/task/pkg/__pycache__/mod.{TAG}.pyc").read_bytes()
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    # PEP 552 flags: bit 0 hash-based, bit 1 check_source; unchecked-hash is 0b01
    assert int.from_bytes(pyc[4:8], "little") == 0b01
    assert pyc[8:16] == importlib.util.source_hash(b"VALUE = 2\n")
    assert marshal.loads(pyc[16:]).co_filename == "/var/task/pkg/mod.py"
    # only the folders named are compiled; the whole root is dated
    assert not (out / SITE / "__pycache__").exists()
    assert os.lstat(out / SITE / "lib.py").st_mtime == EPOCH


def test_finish_strict_stops_at_a_module_that_does_not_compile(tmp_path: Path) -> None:
    out = build_tree(tmp_path / "out", {"var/task/bad.py": "def broken(:\n", "var/task/ok.py": ""})
    loose = finish("--root", str(out), str(out / "var/task"))
    assert (loose.returncode, loose.stdout, loose.stderr) == (0, "", "")
    assert tree(out / "var/task") == [
        "__pycache__/",
        f"__pycache__/ok.{TAG}.pyc",
        "bad.py",
        "ok.py",
    ]
    strict = finish("--strict", "--root", str(out), str(out / "var/task"))
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[-1] == "uvbake: a module does not compile (above)"
    assert "bad.py" in strict.stdout


def test_finish_pure_stops_at_native_code(tmp_path: Path) -> None:
    out = build_tree(
        tmp_path / "out",
        {f"{SITE}/fast/__init__.py": "", f"{SITE}/fast/_speedups.cpython-313-x86_64.so": b"\0"},
    )
    done = finish("--strict", "--pure", "--root", str(out), str(out / SITE))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"uvbake: {out}/{SITE}/fast/_speedups.cpython-313-x86_64.so is native code built for "
        "the build machine; set [tool.uvbake] native-builds = false\n"
    )
    # nothing is dated when the build stops
    assert os.lstat(out / SITE / "fast/__init__.py").st_mtime != EPOCH


def test_finish_copies_code_and_library_output_in_as_a_copy_would(tmp_path: Path) -> None:
    """What the app stage bind-mounts: a library stage's /uvbake/out (site-packages and a
    module in /var/task), a service's package with a link and a mode of its own, and a
    single-module service file; copied in order, then compiled and dated."""
    lib = build_tree(
        tmp_path / "lib",
        {f"{SITE}/shared/__init__.py": "", "var/task/shared_conf.py": "LEVEL = 'lib'\n"},
    )
    pkg = build_tree(
        tmp_path / "code/orders",
        {
            "__init__.py": "",
            "main.py": "def handler(e, c):\n    return 1\n",
            "run.sh": "#!/bin/sh\n",
        },
    )
    os.chmod(pkg / "run.sh", 0o755)
    os.symlink("main.py", pkg / "entry.py")
    single = build_tree(tmp_path / "code", {"app.py": "X = 1\n"}) / "app.py"
    out = tmp_path / "out"
    done = finish(
        "--strict",
        "--root",
        str(out),
        *("--copy", str(lib), str(out)),
        *("--copy", str(pkg), str(out / "var/task/orders")),
        *("--copy", str(single), str(out / "var/task/app.py")),
        str(out / "var/task"),
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert tree(out) == [
        *SITE_FOLDERS,
        f"{SITE}/shared/",
        f"{SITE}/shared/__init__.py",
        "var/task/",
        "var/task/__pycache__/",
        f"var/task/__pycache__/app.{TAG}.pyc",
        f"var/task/__pycache__/shared_conf.{TAG}.pyc",
        "var/task/app.py",
        "var/task/orders/",
        "var/task/orders/__init__.py",
        "var/task/orders/__pycache__/",
        f"var/task/orders/__pycache__/__init__.{TAG}.pyc",
        f"var/task/orders/__pycache__/entry.{TAG}.pyc",
        f"var/task/orders/__pycache__/main.{TAG}.pyc",
        "var/task/orders/entry.py",
        "var/task/orders/main.py",
        "var/task/orders/run.sh",
        "var/task/shared_conf.py",
    ]
    task = out / "var/task"
    assert os.readlink(task / "orders/entry.py") == "main.py"
    assert (task / "orders/run.sh").stat().st_mode & 0o777 == 0o755
    assert (task / "orders/main.py").read_bytes() == (pkg / "main.py").read_bytes()
    assert (task / "app.py").read_text(encoding="utf-8") == "X = 1\n"
    assert mtimes(out) == dict.fromkeys(tree(out), EPOCH)
    # the sources are only read
    assert os.lstat(pkg / "main.py").st_mtime != EPOCH


def test_finish_copy_replaces_a_file_an_earlier_copy_wrote(tmp_path: Path) -> None:
    first = build_tree(tmp_path / "a", {"var/task/conf.py": "WHO = 'a'\n"})
    second = build_tree(tmp_path / "b", {"var/task/conf.py": "WHO = 'b'\n"})
    out = tmp_path / "out"
    argv = ("--root", str(out), "--copy", str(first), str(out), "--copy", str(second), str(out))
    assert finish(*argv, str(out / "var/task")).returncode == 0
    assert (out / "var/task/conf.py").read_text(encoding="utf-8") == "WHO = 'b'\n"


def test_finish_refuses_a_command_line_without_folders(tmp_path: Path) -> None:
    for argv in (
        (),
        ("--strict",),
        ("--root",),
        ("--bogus", str(tmp_path)),
        ("--copy", str(tmp_path)),
        ("--copy", str(tmp_path), str(tmp_path)),
    ):
        done = finish(*argv)
        assert (done.returncode, done.stdout) == (2, ""), argv
        assert done.stderr == (
            "usage: uvbake-finish [--strict] [--pure] [--root ROOT] [--copy SRC DEST]... "
            "FOLDER...\n"
        )


def test_the_dockerfile_holds_each_script_once_byte_for_byte(tmp_path: Path) -> None:
    dockerfile = generated_files(seed_workspace(tmp_path))[1][DOCKERFILE]
    text = FINISH.read_text(encoding="utf-8")
    assert build_script("finish.py") == text
    copy = "COPY --chmod=755 <<'uvbake-uv' <<'uvbake-finish' /usr/local/bin/\n"
    assert dockerfile.count(copy) == 1
    assert dockerfile.count(f"\nuvbake-uv\n{text}uvbake-finish\n\n") == 1
    assert dockerfile.count('"""uvbake-finish [--strict]') == 1
    # in the one builder that runs on the build machine, right after uv
    head = "AS uvbake.builder-native\nCOPY --from=uvbake.uv-native /uv /usr/local/bin/uv\n"
    assert dockerfile.count(head + copy) == 1
    assert dockerfile.split(copy, 1)[1].startswith("#!/bin/sh\n")
