"""Planning decisions on hand-made records, with no tree on disk: the scan stage's `Tree`
(from file texts) and `Member` records are all that roles, handlers and package discovery
read."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from uvbake.errors import UvbakeError
from uvbake.load import config
from uvbake.load.records import Member, Workspace
from uvbake.plan import handlers, packages, records, roles
from uvbake.scan import bindings
from uvbake.scan.declarations.model import Declared
from uvbake.scan.declared import DeclaredFunction
from uvbake.scan.scanner import Scan
from uvbake.scan.tree import tree_of
from uvbake.uvlock.lock import Lock

HANDLER = "def handler(event, context):\n    return 1\n"


def member(path: str, name: str | None = None, **settings: object) -> Member:
    return Member(
        name=name or path.rsplit("/", 1)[-1],
        path=PurePosixPath(path),
        pyproject=f"{path}/pyproject.toml",
        version="0.1.0",
        description="",
        dependencies=(),
        workspace_sources=frozenset(),
        packaged=True,
        settings=config.MemberSettings(**settings),  # type: ignore[arg-type]
    )


def workspace(*members: Member, services: tuple[str, ...] = ("services/*",)) -> Workspace:
    lock = Lock(path=Path("uv.lock"), requires_python=None, members=frozenset(), packages=())
    settings = config.settings(
        {"services": list(services)}, python_version_file=None, requires_python=None
    )
    return Workspace(root=Path("/nowhere"), members=members, lock=lock, settings=settings)


def test_a_src_layout_holds_its_packages_and_finds_the_main_handler() -> None:
    api = member("services/api")
    tree = tree_of(
        {
            "services/api/pyproject.toml": "",
            "services/api/src/api/__init__.py": "",
            "services/api/src/api/main.py": HANDLER,
            "services/api/src/api_models.py": "X = 1\n",
        }
    )
    ws = workspace(api)
    assert packages.source_root(tree, api) == PurePosixPath("services/api/src")
    assert [(a.source, a.dest) for a in packages.discovered_packages(tree, ws, api)] == [
        ("services/api/src/api", "api"),
        ("services/api/src/api_models.py", "api_models.py"),
    ]
    assert handlers.choose(tree, ws, api) == (records.Function(None, "api.main.handler"),)


def test_a_handler_in_a_freely_named_module_is_found_when_it_is_the_only_one() -> None:
    jobs = member("services/jobs")
    tree = tree_of(
        {
            "services/jobs/src/jobs/__init__.py": "",
            "services/jobs/src/jobs/nightly_report.py": HANDLER,
            "services/jobs/src/jobs/util.py": "def helper():\n    pass\n",
        }
    )
    found = handlers.found(tree, workspace(jobs), jobs)
    assert found.handlers == ("jobs.nightly_report.handler",)


def test_an_async_handler_found_by_convention_is_refused_with_its_line() -> None:
    api = member("services/api")
    tree = tree_of(
        {
            "services/api/src/api/__init__.py": "",
            "services/api/src/api/app.py": "import json\n\n\nasync def handler(event, context):\n"
            "    return 1\n",
        }
    )
    with pytest.raises(UvbakeError) as err:
        handlers.choose(tree, workspace(api), api)
    assert err.value.line() == (
        "services/api/src/api/app.py:4: 'handler' is an async function, which the Lambda "
        "runtime never awaits, and it would be the handler of service 'api'; make it a def "
        "taking (event, context)"
    )


def test_an_explicit_handler_bound_to_data_is_refused_like_a_found_one() -> None:
    api = member("services/api", handler="api.main.handler")
    tree = tree_of(
        {
            "services/api/src/api/__init__.py": "",
            "services/api/src/api/main.py": "handler = 42\n",
        }
    )
    ws = workspace(api)
    app = packages.app_sources(tree, ws, api, "api.main.handler")
    with pytest.raises(UvbakeError) as err:
        handlers.check(tree, ws, api, "api.main.handler", app)
    assert err.value.line() == (
        "services/api/src/api/main.py:1: 'handler' is a variable holding data, not a function, "
        "and it is the handler of service 'api'; define def handler(event, context) or fix "
        "[tool.uvbake] handler in services/api/pyproject.toml"
    )


def test_a_name_bound_to_a_call_is_a_handler() -> None:
    parsed = bindings.parse_source(
        b"from mangum import Mangum\napp = object()\nhandler = Mangum(app)\n", rel="m.py"
    )
    bound = parsed.binding("handler")
    assert bound is not None and (bound.kind, bound.is_handler, bound.line) == (
        bindings.CALLABLE,
        True,
        3,
    )


def test_declared_functions_make_a_member_a_service_and_ship_their_code_root() -> None:
    orders = member("functions/orders")
    declared = DeclaredFunction(
        declared=Declared(
            kind="sam",
            file="template.yaml",
            line=12,
            name="OrdersFunction",
            handler="app.lambda_handler",
            code_root="functions/orders",
        ),
        where="template.yaml:12",
        name="orders-function",
        member="orders",
        handler="app.lambda_handler",
        code_root="functions/orders",
    )
    tree = tree_of(
        {
            "functions/orders/app.py": HANDLER.replace("handler", "lambda_handler"),
            "functions/orders/helpers.py": "",
            "functions/orders/tests/test_app.py": "",
            "functions/orders/.env": "",
        }
    )
    ws = workspace(orders, services=())
    scanned = Scan(top=Path("/nowhere"), functions=(declared,), tree=tree)
    assert roles.roles(ws, scanned)["orders"] == records.Role(
        True, "declared as a Lambda function in template.yaml:12 (OrdersFunction)"
    )
    (function,) = handlers.choose(tree, ws, orders, declared=(declared,))
    assert (function.handler, function.declared, [(a.source, a.dest) for a in function.app]) == (
        "app.lambda_handler",
        "template.yaml:12",
        [("functions/orders/app.py", "app.py"), ("functions/orders/helpers.py", "helpers.py")],
    )


def test_a_member_without_handler_under_a_service_glob_has_no_handler() -> None:
    web = member("services/web")
    tree = tree_of({"services/web/src/web/__init__.py": "", "services/web/src/web/server.py": ""})
    with pytest.raises(handlers.NoHandler) as err:
        handlers.choose(tree, workspace(web), web)
    assert err.value.line() == (
        "services/web/pyproject.toml: service 'web' has no Lambda handler (web.main.handler "
        'not found); set [tool.uvbake] handler = "package.module.function"'
    )
