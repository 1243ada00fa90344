"""The SST reader: Python functions an SST app (v3 sst.config.ts, v2 stacks) declares."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from helpers import build_tree, line_of
from uvbake.scan.declarations import sst
from uvbake.scan.declarations.model import Declared, Problem, Read

CONFIG = """\
/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: "shop",
      removal: input?.stage === "production" ? "retain" : "remove",
      home: "aws",
    };
  },
  async run() {
    const api = new sst.aws.ApiGatewayV2("Api");
    // new sst.aws.Function("Commented", { handler: "x/y.handler", runtime: "python3.12" })
    const orders = new sst.aws.Function("Orders", {
      handler: "functions/src/functions/orders.handler",
      runtime: "python3.12",
      architecture: "arm64",
      url: true,
    });
    new sst.aws.Function("Reports", {
      handler: "reports/src/reports/app.main",
      runtime: "python3.11",
      python: { container: true },
      link: [orders],
    });
    new sst.aws.Function("Web", { handler: "web/index.handler", runtime: "nodejs20.x" });
    api.route("GET /orders", "functions/src/functions/list.handler");
    api.route("POST /orders", {
      handler: "functions/src/functions/create.handler",
      runtime: "python3.12",
    });
    api.route("GET /health", "web/health.handler");
    new sst.aws.Function("Staged", {
      handler: `functions/src/${$app.stage}.handler`,
      runtime: "python3.12",
    });
    return { url: api.url };
  },
});
"""

STACK = """\
import { Api, Function, StackContext } from "sst/constructs";
import * as lambda from "aws-cdk-lib/aws-lambda";

export function API({ stack }: StackContext) {
  const worker = new Function(stack, "Worker", {
    srcPath: "services",
    handler: "worker/main.handler",
    runtime: "python3.11",
  });
  const api = new Api(stack, "api", {
    defaults: { function: { runtime: "python3.11" } },
    routes: {
      "GET /": "services/api/get.handler",
      "POST /": { function: { handler: "services/api/post.handler", timeout: 10 } },
    },
  });
  new lambda.Function(stack, "Cdk", { handler: "x.handler", runtime: lambda.Runtime.PYTHON_3_12 });
  stack.addOutputs({ url: api.url, worker: worker.functionName });
}
"""


def test_v3_config(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "shop/sst.config.ts": CONFIG,
            "shop/functions/src/functions/list.py": "def handler(event, context): ...\n",
            "shop/web/health.js": "export const handler = async () => ({});\n",
        },
    )
    file = "shop/sst.config.ts"
    got = sst.read(tmp_path, tmp_path / file)
    assert got == Read(
        functions=(
            Declared(
                kind="sst",
                file=file,
                line=line_of(CONFIG, '"Orders"'),
                name="Orders",
                handler="handler",
                code_root=None,
                handler_file="shop/functions/src/functions/orders.py",
                runtime="python3.12",
                architectures=("arm64",),
            ),
            Declared(
                kind="sst",
                file=file,
                line=line_of(CONFIG, '"Reports"'),
                name="Reports",
                handler="main",
                code_root=None,
                handler_file="shop/reports/src/reports/app.py",
                image=True,
                runtime="python3.11",
            ),
            Declared(
                kind="sst",
                file=file,
                line=line_of(CONFIG, '"GET /orders"'),
                name="GET /orders",
                handler="handler",
                code_root=None,
                handler_file="shop/functions/src/functions/list.py",
            ),
            Declared(
                kind="sst",
                file=file,
                line=line_of(CONFIG, '"POST /orders"'),
                name="POST /orders",
                handler="handler",
                code_root=None,
                handler_file="shop/functions/src/functions/create.py",
                runtime="python3.12",
            ),
            Declared(
                kind="sst",
                file=file,
                line=line_of(CONFIG, '"Staged"'),
                name="Staged",
                handler=None,
                code_root=None,
                runtime="python3.12",
                skipped=(
                    "handler: `functions/src/${$app.stage}.handler` "
                    "(not a literal path-style handler)",
                ),
            ),
        )
    )


def test_v2_stack(tmp_path: Path) -> None:
    build_tree(
        tmp_path, {"sst.config.ts": "export default { stacks(app) {} };\n", "stacks/Api.ts": STACK}
    )
    got = sst.read(tmp_path, tmp_path / "stacks/Api.ts")
    assert got == Read(
        functions=(
            Declared(
                kind="sst",
                file="stacks/Api.ts",
                line=line_of(STACK, '"Worker"'),
                name="Worker",
                handler="handler",
                code_root="services",
                handler_file="services/worker/main.py",
                runtime="python3.11",
            ),
            Declared(
                kind="sst",
                file="stacks/Api.ts",
                line=line_of(STACK, '"GET /"'),
                name="GET /",
                handler="handler",
                code_root=None,
                handler_file="services/api/get.py",
                runtime="python3.11",
            ),
            Declared(
                kind="sst",
                file="stacks/Api.ts",
                line=line_of(STACK, '"POST /"'),
                name="POST /",
                handler="handler",
                code_root=None,
                handler_file="services/api/post.py",
                runtime="python3.11",
            ),
        )
    )


def test_stacks_folder_without_an_sst_app_is_not_read(tmp_path: Path) -> None:
    build_tree(tmp_path, {"stacks/Api.ts": STACK})
    assert sst.read(tmp_path, tmp_path / "stacks/Api.ts") == Read()


def test_unbalanced_config_is_one_problem(tmp_path: Path) -> None:
    build_tree(tmp_path, {"sst.config.ts": 'new sst.aws.Function("A", { handler: "a.handler" );\n'})
    got = sst.read(tmp_path, tmp_path / "sst.config.ts")
    assert got == Read(problems=(Problem("sst.config.ts", 1, "does not parse: unbalanced ')'"),))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("sst.config.ts", True),
        ("apps/shop/sst.config.ts", True),
        ("stacks/Api.ts", True),
        ("infra/api.ts", True),
        ("infra/api.d.ts", False),
        ("src/index.ts", False),
        ("node_modules/sst/stacks/x.ts", False),
        (".sst/platform/infra/x.ts", False),
        ("infra/main.tf", False),
    ],
)
def test_wants(path: str, expected: bool) -> None:
    assert sst.wants(PurePosixPath(path)) is expected
