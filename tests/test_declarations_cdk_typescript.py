"""The CDK TypeScript reader: Lambda functions a CDK app in TypeScript or JavaScript declares,
read with a tolerant scanner."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from helpers import build_tree, line_of
from uvbake.scan.declarations import cdk_typescript
from uvbake.scan.declarations.model import Declared, Problem, Read
from uvbake.scan.declarations.tsscan import tokenize

STACK = """\
import * as path from 'path';
import { Stack, StackProps, aws_cloudfront as cloudfront } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DockerImageCode, DockerImageFunction } from 'aws-cdk-lib/aws-lambda';
import { PythonFunction } from '@aws-cdk/aws-lambda-python-alpha';
import { Construct } from 'constructs';

const FUNCTIONS = path.join(__dirname, '../functions');
const STAGE_PATTERN = /['"`]+\\/(?:x)/g; // a regex with quotes: new lambda.Function(this, 'Fake')

export interface ApiProps extends StackProps {
  readonly stage: string;
}

/*
 * new lambda.Function(this, 'Commented', { handler: 'x.handler' })
 */
export class ApiStack extends Stack {
  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id, props);

    // new lambda.Function(this, 'AlsoCommented', {})
    new lambda.Function(this, 'ApiHandler', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'src.handler.handler',
      code: lambda.Code.fromAsset(FUNCTIONS),
      architecture: lambda.Architecture.ARM_64,
      environment: { STAGE: props.stage, NOTE: "it's new lambda.Function(this, 'x')" },
    });

    new lambda.Function(this, `Worker-${props.stage}`, {
      runtime: lambda.Runtime.PYTHON_3_13,
      handler: `worker.${props.stage}.handler`,
      code: lambda.Code.fromAsset('../services/worker'),
    });

    new DockerImageFunction(this, 'Reports', {
      code: DockerImageCode.fromImageAsset(path.resolve(__dirname, '..', 'services/reports'), {
        cmd: ['reports.app.handler'],
        file: 'Dockerfile.lambda',
      }),
    });

    new PythonFunction(this, 'Notify', {
      entry: path.join(__dirname, '..', 'services', 'notify'),
      handler: 'main',
      runtime: lambda.Runtime.PYTHON_3_11,
    });

    new lambda.Function(this, 'Frontend', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset('../web/dist'),
    });

    new cloudfront.Function(this, 'Rewrite', {
      code: cloudfront.FunctionCode.fromInline('function handler(e) { return e.request; }'),
    });
  }
}
"""


def test_stack(tmp_path: Path) -> None:
    build_tree(tmp_path, {"infra/cdk.json": "{}", "infra/lib/api-stack.ts": STACK})
    file = "infra/lib/api-stack.ts"
    got = cdk_typescript.read(tmp_path, tmp_path / file)
    assert got == Read(
        functions=(
            Declared(
                kind="cdk-typescript",
                file=file,
                line=line_of(STACK, "'ApiHandler'"),
                name="ApiHandler",
                handler="src.handler.handler",
                code_root="infra/functions",
                runtime="python3.12",
                architectures=("arm64",),
            ),
            Declared(
                kind="cdk-typescript",
                file=file,
                line=line_of(STACK, "`Worker-"),
                name="",
                handler=None,
                code_root="services/worker",
                runtime="python3.13",
                skipped=(
                    "id: `Worker-${props.stage}` (not a literal)",
                    "handler: `worker.${props.stage}.handler` (not a literal)",
                ),
            ),
            Declared(
                kind="cdk-typescript",
                file=file,
                line=line_of(STACK, "new DockerImageFunction"),
                name="Reports",
                handler="reports.app.handler",
                code_root=None,
                dockerfile="infra/services/reports/Dockerfile.lambda",
                image=True,
            ),
            Declared(
                kind="cdk-typescript",
                file=file,
                line=line_of(STACK, "new PythonFunction"),
                name="Notify",
                handler="index.main",
                code_root="infra/services/notify",
                runtime="python3.11",
            ),
        )
    )


def test_javascript_require_and_bare_paths(tmp_path: Path) -> None:
    source = (
        "const { Function, Runtime, Code } = require('aws-cdk-lib/aws-lambda');\n"
        "const { join } = require('node:path');\n"
        "\n"
        "function build(stack, handler) {\n"
        "  return new Function(stack, 'Orders', {\n"
        "    runtime: Runtime.PYTHON_3_12, handler,\n"
        "    code: Code.fromAsset(join(__dirname, 'lambda', 'orders')),\n"
        "  });\n"
        "}\n"
        "new Function('return 1');\n"
    )
    build_tree(tmp_path, {"cdk/cdk.json": "{}", "cdk/bin/app.js": source})
    got = cdk_typescript.read(tmp_path, tmp_path / "cdk/bin/app.js")
    assert got.functions == (
        Declared(
            kind="cdk-typescript",
            file="cdk/bin/app.js",
            line=5,
            name="Orders",
            handler=None,
            code_root="cdk/bin/lambda/orders",
            runtime="python3.12",
            skipped=("handler: handler (not a literal)",),
        ),
    )


def test_unbalanced_brackets_are_one_problem(tmp_path: Path) -> None:
    source = "import * as lambda from 'aws-cdk-lib/aws-lambda';\nnew lambda.Function(this, 'A', {\n"
    build_tree(tmp_path, {"stack.ts": source})
    got = cdk_typescript.read(tmp_path, tmp_path / "stack.ts")
    assert got == Read(problems=(Problem("stack.ts", 2, "does not parse: unbalanced '('"),))


def test_tokens_skip_comments_and_keep_strings() -> None:
    toks = tokenize("a = 'x\\'y' // c\n/* new B() */ `t${ {a: '}'} }u` + `plain`")
    assert [(t.kind, t.text) for t in toks] == [
        ("name", "a"),
        ("punct", "="),
        ("str", "x'y"),
        ("tmpl", "`t${ {a: '}'} }u`"),
        ("punct", "+"),
        ("str", "plain"),
    ]
    assert [t.line for t in toks] == [1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("infra/lib/api-stack.ts", True),
        ("bin/app.js", True),
        ("bin/app.mjs", True),
        ("lib/types.d.ts", False),
        ("node_modules/aws-cdk-lib/index.js", False),
        ("cdk.out/asset.1/index.js", False),
        ("web/dist/main.js", False),
        ("infra/app.py", False),
    ],
)
def test_wants(path: str, expected: bool) -> None:
    assert cdk_typescript.wants(PurePosixPath(path)) is expected
