"""The scan: the checkout's tree and what the repository declares, read once into a frozen
record that planning decides from without touching the disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from uvbake import git
from uvbake.load.records import Workspace
from uvbake.scan import declarations
from uvbake.scan.declared import DeclaredFunction, resolve_all
from uvbake.scan.tree import Tree, read_tree


@dataclass(frozen=True)
class Scan:
    """What the repository declares about its Lambda functions, mapped onto the members.
    `problems`: declaration files that could not be read ("file:line: message"), relative to
    the workspace root where they are inside it."""

    top: Path
    functions: tuple[DeclaredFunction, ...] = ()
    problems: tuple[str, ...] = ()
    tree: Tree = field(default_factory=Tree)
    # The function names configured and declared handlers name: the tree parses the modules
    # that mention one.
    named: frozenset[str] = frozenset()
    # The files, relative to `top`, that declare a function or have a problem as declarations.
    declaring: frozenset[str] = frozenset()

    def of(self, member: str) -> tuple[DeclaredFunction, ...]:
        """The functions declared for `member`, in declaration order."""
        return tuple(f for f in self.functions if f.member == member)


def scan(ws: Workspace) -> Scan:
    """Read every declaration file from the repository's top, once."""
    root = ws.root.resolve()
    # declarations may sit beside the workspace, up to the checkout's top
    top = git.checkout_top(root)
    read = declarations.read_all(top)
    members = [(m.name, m.path.as_posix()) for m in ws.members]
    functions = resolve_all(read.functions, root=root, top=top, members=members)
    problems = []
    for problem in read.problems:
        where = Path(top / problem.file).relative_to(top)
        inside = (top / where).resolve().is_relative_to(root)
        shown = (top / where).resolve().relative_to(root).as_posix() if inside else str(where)
        problems.append(f"{shown}:{problem.line}: {problem.message}")
    named = frozenset(_named_functions(ws, functions))
    return Scan(
        top=top,
        functions=functions,
        problems=tuple(problems),
        tree=read_tree(ws.root, explicit=named),
        named=named,
        declaring=frozenset([*(f.file for f in read.functions), *(p.file for p in read.problems)]),
    )


def _named_functions(ws: Workspace, declared: tuple[DeclaredFunction, ...]) -> set[str]:
    """The function names that configured and declared handlers name: their modules are
    parsed, whatever they are called."""
    handlers = [d.handler for d in declared if d.handler]
    for member in ws.members:
        settings = member.settings
        handlers.extend(h for _, h in settings.functions or ())
        if settings.handler is not None:
            handlers.append(settings.handler)
    return {h.rsplit(".", 1)[-1] for h in handlers}
