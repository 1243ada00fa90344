"""SST apps: the Python functions `sst.config.ts` and the files of its `stacks/` or `infra/`
folder declare, read with the TypeScript scanner (`tsscan`, `tsscript`; nothing is run).

v3: `new sst.aws.Function("Api", { handler: "functions/src/api.handler", runtime: "python3.12" })`
and the routes of an API, `api.route("GET /", "functions/src/api.handler")` or
`api.route("GET /", { handler: ... })`. v2: `new Function(stack, "Api", { handler, runtime,
srcPath })` and the `routes` of `new Api(stack, "Api", { routes, defaults: { function } })`.

SST handlers are path-style: the handler's file, relative to the app's folder (the one holding
sst.config.ts, or srcPath in v2), and the function's name. A function is Python when its runtime
literal says so or, with none, when the handler's .py file exists.
"""

from __future__ import annotations

import posixpath
from pathlib import Path, PurePosixPath

from .common import code_text
from .model import Declared, Problem, Read
from .paths import relative
from .tsscan import Node, Site, sites, tokenize, unbalanced
from .tsscript import Script, entries

KIND = "sst"
_CONFIGS = ("sst.config.ts", "sst.config.js", "sst.config.mjs")
_FOLDERS = ("stacks", "infra")
_SKIP = frozenset({"node_modules", ".sst", "dist", "cdk.out", ".git"})
_ARCHITECTURES = {"arm64": "arm64", "arm_64": "arm64", "x86_64": "x86_64"}
_NONE = Node("opaque", "")
_CALLS = frozenset({"Function", "route", "Api", "addRoutes"})


def wants(path: PurePosixPath) -> bool:
    if _SKIP.intersection(path.parts[:-1]) or path.name.endswith(".d.ts"):
        return False
    if path.name in _CONFIGS:
        return True
    return path.suffix in (".ts", ".js", ".mjs") and bool(set(_FOLDERS) & set(path.parts[:-1]))


def _app(top: Path, rel: str) -> str | None:
    """The SST app's folder relative to top: the config's own, or the one next to the stacks/
    or infra/ folder the file is in; None when there is no sst.config next to it."""
    path = PurePosixPath(rel)
    if path.name in _CONFIGS:
        return str(path.parent)
    for k in range(len(path.parts) - 2, -1, -1):
        folder = posixpath.join(".", *path.parts[:k])
        if path.parts[k] in _FOLDERS and any((top / folder / c).is_file() for c in _CONFIGS):
            return posixpath.normpath(folder)
    return None


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    app = _app(top, rel)
    if app is None:
        return Read()
    source = code_text(file, rel)
    if isinstance(source, Read):
        return source
    if "Function" not in source and "route" not in source and "Api" not in source:
        return Read()
    toks = tokenize(source)
    if (wrong := unbalanced(toks)) is not None:
        text = f"does not parse: unbalanced '{wrong.text}'"
        return Read(problems=(Problem(rel, wrong.line, text),))
    found: list[Declared | None] = []
    try:
        script = Script(toks=toks, source=source, top=top, file=file)
        reader = _Reader(top=top, app=app, script=script)
        for site in sites(toks, source, names=_CALLS):
            found.extend(reader.site(site))
    except RecursionError:
        return Read(problems=(Problem(rel, 1, "does not parse: nested too deeply"),))
    return Read(functions=tuple(f for f in found if f is not None))


class _Reader:
    def __init__(self, *, top: Path, app: str, script: Script) -> None:
        self.top, self.app, self.script = top, app, script

    def site(self, site: Site) -> list[Declared | None]:
        callee = self.script.qualified(site.callee)
        module, _, last = callee.rpartition(".")
        args = site.args
        if last == "route" and not site.new and len(args) > 1:
            return [self.function(args[1], name=self.name(args[0]), line=site.line)]
        if last == "addRoutes" and not site.new and len(args) > 1:
            return self.routes(args[1], runtime=None)
        if not site.new or "lambda" in module.lower():
            return []
        if last == "Api" and len(args) > 2:
            props = self.script.deref(args[2])
            defaults = self.script.deref(props.get("defaults") or _NONE)
            runtime = self.script.deref(defaults.get("function") or _NONE).get("runtime")
            return self.routes(props.get("routes") or _NONE, runtime=runtime)
        if last == "Function" and callee.startswith("sst.aws.") and args:
            props = args[1] if len(args) > 1 else _NONE
            return [self.function(props, name=self.name(args[0]), line=site.line)]
        if last == "Function" and len(args) > 2:
            return [self.function(args[2], name=self.name(args[1]), line=site.line)]
        return []

    def name(self, node: Node) -> str:
        return self.script.string(node) or ""

    def routes(self, routes: Node, *, runtime: Node | None) -> list[Declared | None]:
        """SST v2 `routes: { "GET /": handler or { function: handler or props } }` of
        `new Api(stack, id, { routes, defaults: { function: props } })` or `api.addRoutes`."""
        found = []
        for key, value in entries(self.script.deref(routes), self.script):
            if key == "...":
                continue
            target = self.script.deref(value)
            spec = target.get("function") or target
            found.append(self.function(spec, name=key, line=value.line, runtime=runtime))
        return found

    def function(
        self, spec: Node, *, name: str, line: int, runtime: Node | None = None
    ) -> Declared | None:
        """One function from its props (or its handler alone, a string)."""
        script = self.script
        spec = script.deref(spec)
        if spec.kind != "object":
            spec = Node("object", spec.text, items=(spec,), keys=("handler",))
        pairs = entries(spec, script)
        props = dict(pairs)
        skipped = [f"...{v.text} (not a literal)" for k, v in pairs if k == "..."]
        base, code_root = self.app, None
        if (src := props.get("srcPath")) is not None:
            folder = script.string(src)
            if folder is not None:
                code_root = base = posixpath.normpath(posixpath.join(self.app, folder))
            else:
                skipped.append(f"srcPath: {src.text} (not a literal)")
        handler, handler_file = self.handler(props.get("handler"), base=base, skipped=skipped)
        runtime_node = props.get("runtime") or runtime
        literal = script.string(runtime_node) if runtime_node else None
        if runtime_node is not None and literal is None:
            skipped.append(f"runtime: {runtime_node.text} (not a literal)")
        on_disk = handler_file is not None and (self.top / handler_file).is_file()
        if not (literal.startswith("python") if literal else on_disk):
            return None
        return Declared(
            kind=KIND,
            file=script.rel,
            line=line,
            name=name,
            handler=handler,
            code_root=code_root,
            handler_file=handler_file,
            image=self.container(props.get("python")),
            runtime=literal,
            architectures=self.architectures(props.get("architecture"), skipped=skipped),
            skipped=tuple(skipped),
        )

    def handler(
        self, node: Node | None, *, base: str, skipped: list[str]
    ) -> tuple[str | None, str | None]:
        """(function name, file) of "functions/src/api.handler"."""
        text = self.script.string(node) if node is not None else None
        module, _, function = (text or "").rpartition(".")
        if node is not None and (not module or not function or "/" in function):
            skipped.append(f"handler: {node.text} (not a literal path-style handler)")
            return None, None
        if node is None:
            return None, None
        return function, posixpath.normpath(posixpath.join(base, module + ".py"))

    def container(self, node: Node | None) -> bool:
        """v3 `python: { container: true }`: the function ships as an image."""
        flag = self.script.deref(node).get("container") if node is not None else None
        return flag is not None and flag.kind == "ref" and flag.value == "true"

    def architectures(self, node: Node | None, *, skipped: list[str]) -> tuple[str, ...]:
        if node is None:
            return ()
        known = _ARCHITECTURES.get(self.script.string(node) or "")
        if known is None:
            skipped.append(f"architecture: {node.text} (not a literal)")
        return (known,) if known else ()
