"""The CDK Python reader: Lambda functions a CDK app in Python declares, read with `ast`."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from helpers import build_tree, line_of
from uvbake.scan.declarations import cdk_python
from uvbake.scan.declarations.model import Declared, Problem, Read

STACK = """\
import os
from pathlib import Path

from aws_cdk import Stack, aws_cloudfront as cloudfront, aws_lambda as _lambda
from aws_cdk.aws_lambda import DockerImageCode, DockerImageFunction
from aws_cdk.aws_lambda_python_alpha import PythonFunction
from constructs import Construct

HANDLER = "orders.processor.handler"
SERVICES = os.path.join(os.path.dirname(__file__), "..", "..", "services")


class OrdersStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, handler: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        _lambda.Function(
            self,
            "OrdersProcessor",
            runtime=_lambda.Runtime.PYTHON_3_13,
            handler=HANDLER,
            code=_lambda.Code.from_asset("../services/orders/src"),
            architecture=_lambda.Architecture.ARM_64,
        )
        billing = os.path.join(os.path.dirname(__file__), "..", "..", "services", "billing")
        _lambda.Function(
            self,
            "BillingWorker",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler="billing.worker.handler",
            code=_lambda.Code.from_asset(os.path.join(billing, "src")),
        )
        DockerImageFunction(
            self,
            "Reports",
            code=DockerImageCode.from_image_asset(
                str(Path(__file__).parent.parent.parent / "services" / "reports"),
                cmd=["reports.app.handler"],
                file="docker/Dockerfile.lambda",
            ),
            architecture=_lambda.Architecture.X86_64,
        )
        PythonFunction(
            self,
            "Notify",
            entry=f"{SERVICES}/notify",
            index="notify/main.py",
            runtime=_lambda.Runtime.PYTHON_3_12,
        )
        _lambda.Function(
            self,
            "Configurable",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler=handler,
            code=_lambda.Code.from_asset("../services/configurable"),
        )
        _lambda.Function(
            self,
            "Frontend",
            runtime=_lambda.Runtime.NODEJS_20_X,
            handler="index.handler",
            code=_lambda.Code.from_asset("../web/dist"),
        )
        cloudfront.Function(
            self,
            "Rewrite",
            code=cloudfront.FunctionCode.from_inline("function handler(e) { return e.request; }"),
        )
"""


def test_stack(tmp_path: Path) -> None:
    build_tree(tmp_path, {"infra/cdk.json": "{}", "infra/stacks/orders_stack.py": STACK})
    file = "infra/stacks/orders_stack.py"
    got = cdk_python.read(tmp_path, tmp_path / file)
    assert got == Read(
        functions=(
            Declared(
                kind="cdk-python",
                file=file,
                line=line_of(STACK, "_lambda.Function("),
                name="OrdersProcessor",
                handler="orders.processor.handler",
                code_root="services/orders/src",
                runtime="python3.13",
                architectures=("arm64",),
            ),
            Declared(
                kind="cdk-python",
                file=file,
                line=line_of(STACK, "billing = ") + 1,
                name="BillingWorker",
                handler="billing.worker.handler",
                code_root="services/billing/src",
                runtime="python3.12",
            ),
            Declared(
                kind="cdk-python",
                file=file,
                line=line_of(STACK, "DockerImageFunction("),
                name="Reports",
                handler="reports.app.handler",
                code_root=None,
                dockerfile="services/reports/docker/Dockerfile.lambda",
                image=True,
                architectures=("x86_64",),
            ),
            Declared(
                kind="cdk-python",
                file=file,
                line=line_of(STACK, "PythonFunction("),
                name="Notify",
                handler="notify.main.handler",
                code_root="services/notify",
                runtime="python3.12",
            ),
            Declared(
                kind="cdk-python",
                file=file,
                line=line_of(STACK, '"Configurable"') - 2,
                name="Configurable",
                handler=None,
                code_root="services/configurable",
                runtime="python3.12",
                skipped=("handler: handler (not a literal)",),
            ),
        )
    )


def test_without_cdk_json_a_plain_path_is_relative_to_the_file(tmp_path: Path) -> None:
    source = (
        "from aws_cdk.aws_lambda import Code, Function, Runtime\n"
        "from aws_cdk.aws_lambda_python_alpha import PythonFunction\n"
        "\n"
        "def build(scope, props):\n"
        '    Function(scope, "Api", runtime=Runtime.PYTHON_3_11, handler="app.handler",\n'
        '             code=Code.from_asset("../../lambdas/api"), **props)\n'
        '    PythonFunction(scope, "Worker", entry=props.entry, handler="run")\n'
    )
    build_tree(tmp_path, {"deploy/app.py": source})
    got = cdk_python.read(tmp_path, tmp_path / "deploy/app.py")
    assert got.functions == (
        Declared(
            kind="cdk-python",
            file="deploy/app.py",
            line=5,
            name="Api",
            handler="app.handler",
            code_root="../lambdas/api",
            runtime="python3.11",
            skipped=("**props (not a literal)",),
        ),
        Declared(
            kind="cdk-python",
            file="deploy/app.py",
            line=7,
            name="Worker",
            handler="index.run",
            code_root=None,
            skipped=("entry: props.entry (not a literal)",),
        ),
    )


def test_syntax_error_is_one_problem(tmp_path: Path) -> None:
    build_tree(tmp_path, {"app.py": "from aws_cdk import aws_lambda\n\ndef broken(:\n    pass\n"})
    got = cdk_python.read(tmp_path, tmp_path / "app.py")
    assert got.functions == ()
    assert [(p.file, p.line) for p in got.problems] == [("app.py", 3)]
    assert isinstance(got.problems[0], Problem)


def test_file_without_constructs_is_not_parsed(tmp_path: Path) -> None:
    build_tree(tmp_path, {"tool.py": "def broken(:\n"})
    assert cdk_python.read(tmp_path, tmp_path / "tool.py") == Read()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("infra/stacks/orders_stack.py", True),
        ("app.py", True),
        ("infra/cdk.out/asset.1234/handler.py", False),
        ("tests/unit/test_stack.py", False),
        ("services/orders/.venv/lib/x.py", False),
        ("node_modules/pkg/x.py", False),
        ("infra/stack.ts", False),
    ],
)
def test_wants(path: str, expected: bool) -> None:
    assert cdk_python.wants(PurePosixPath(path)) is expected
