"""Serverless Framework services: the Lambda functions serverless.yml declares."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from helpers import write_file
from uvbake.scan.declarations import serverless
from uvbake.scan.declarations.model import Declared, Problem, Read

SERVICE = """\
service: orders
frameworkVersion: "3"

custom:
  stage: ${opt:stage, 'dev'}
  pythonRequirements:
    dockerizePip: true

provider:
  name: aws
  runtime: python3.12
  architecture: arm64
  region: eu-west-1
  ecr:
    images:
      thumbnails:
        path: ./images/thumbnails
        file: Dockerfile.lambda
      exporter:
        path: ../exporter
      prebuilt:
        uri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/prebuilt@sha256:abc

functions:
  createOrder:
    handler: src/orders/handler.create
    events:
      - httpApi: POST /orders
  listOrders:
    handler: orders.api.list_orders
    runtime: python3.13
    architecture: x86_64
  dynamicHandler:
    handler: ${self:custom.handlers.${self:custom.stage}}
  legacyNode:
    handler: legacy/index.handler
    runtime: nodejs20.x
  thumbnails:
    image:
      name: thumbnails
      command:
        - thumbnails.app.handler
  exporter:
    image: exporter
  prebuilt:
    image: prebuilt
  fromRegistry:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports:1.4
  packaged:
    handler: billing.main
    package:
      artifact: dist/billing.zip
  perModule:
    handler: handler.main
    module: services/refunds

resources:
  Resources:
    OrdersTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: !Sub "${AWS::StackName}-orders"
        StreamSpecification: !If [HasStream, {StreamViewType: NEW_IMAGE}, !Ref AWS::NoValue]
"""


def test_serverless_yml_functions(tmp_path: Path) -> None:
    file = write_file(tmp_path, "services/orders/serverless.yml", SERVICE)
    where = {"kind": "serverless", "file": "services/orders/serverless.yml"}
    arm = {"architectures": ("arm64",)}
    zipped = {"code_root": "services/orders", "runtime": "python3.12", **arm}
    assert serverless.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                **zipped,
                line=25,
                name="createOrder",
                handler="create",
                handler_file="services/orders/src/orders/handler.py",
            ),
            Declared(
                **where,
                line=29,
                name="listOrders",
                handler="list_orders",
                handler_file="services/orders/orders/api.py",
                code_root="services/orders",
                runtime="python3.13",
                architectures=("x86_64",),
            ),
            Declared(
                **where,
                **zipped,
                line=33,
                name="dynamicHandler",
                handler=None,
                skipped=("handler: ${self:custom.handlers.${self:custom.stage}} (not a literal)",),
            ),
            Declared(
                **where,
                **arm,
                line=38,
                name="thumbnails",
                handler="thumbnails.app.handler",
                code_root="services/orders/images/thumbnails",
                dockerfile="services/orders/images/thumbnails/Dockerfile.lambda",
                image=True,
            ),
            Declared(
                **where,
                **arm,
                line=43,
                name="exporter",
                handler=None,
                code_root="services/exporter",
                dockerfile="services/exporter/Dockerfile",
                image=True,
            ),
            Declared(
                **where, **arm, line=45, name="prebuilt", handler=None, code_root=None, image=True
            ),
            Declared(
                **where,
                **arm,
                line=47,
                name="fromRegistry",
                handler=None,
                code_root=None,
                image=True,
            ),
            Declared(
                **where,
                **arm,
                line=49,
                name="packaged",
                handler="main",
                handler_file="services/orders/billing.py",
                code_root=None,
                runtime="python3.12",
                skipped=("package.artifact: dist/billing.zip (a zip built elsewhere)",),
            ),
            Declared(
                **where,
                **arm,
                line=53,
                name="perModule",
                handler="main",
                handler_file="services/orders/services/refunds/handler.py",
                code_root="services/orders/services/refunds",
                runtime="python3.12",
            ),
        )
    )


SERVICE_JSON = """\
{
  "service": "billing",
  "provider": {"name": "aws", "runtime": "${env:PYTHON_RUNTIME}"},
  "functions": {
    "invoice": {"handler": "handler.invoice"},
    "refund": {
      "handler": "./lib/refunds.handle",
      "runtime": "python3.11"
    }
  }
}
"""


def test_serverless_json_and_a_variable_runtime(tmp_path: Path) -> None:
    file = write_file(tmp_path, "billing/serverless.json", SERVICE_JSON)
    where = {"kind": "serverless", "file": "billing/serverless.json", "code_root": "billing"}
    assert serverless.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                line=5,
                name="invoice",
                handler="invoice",
                handler_file="billing/handler.py",
                skipped=("provider.runtime: ${env:PYTHON_RUNTIME} (not a literal)",),
            ),
            Declared(
                **where,
                line=6,
                name="refund",
                handler="handle",
                handler_file="billing/lib/refunds.py",
                runtime="python3.11",
            ),
        )
    )


def test_functions_without_a_runtime_are_node_and_left_out(tmp_path: Path) -> None:
    text = "service: web\nprovider:\n  name: aws\nfunctions:\n  page:\n    handler: page.render\n"
    file = write_file(tmp_path, "serverless.yaml", text)
    assert serverless.read(tmp_path, file) == Read()


def test_functions_as_a_list_with_file_includes(tmp_path: Path) -> None:
    text = """\
service: jobs
provider:
  runtime: python3.12
functions:
  - ${file(./functions/extra.yml)}
  - nightly:
      handler: jobs/nightly.run
    weekly: ${file(./functions/weekly.yml)}
"""
    file = write_file(tmp_path, "jobs/serverless.yml", text)
    where = {"kind": "serverless", "file": "jobs/serverless.yml", "code_root": "jobs"}
    assert serverless.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                line=6,
                name="nightly",
                handler="run",
                handler_file="jobs/jobs/nightly.py",
                runtime="python3.12",
            ),
            Declared(
                **where,
                line=8,
                name="weekly",
                handler=None,
                runtime="python3.12",
                skipped=("functions.weekly: ${file(./functions/weekly.yml)} (not a literal)",),
            ),
        ),
        problems=(
            Problem(
                "jobs/serverless.yml",
                4,
                "functions: ${file(./functions/extra.yml)} (not a literal): "
                "its functions are not read",
            ),
        ),
    )


def test_image_settings_that_are_not_literals(tmp_path: Path) -> None:
    text = """\
service: media
provider:
  ecr:
    images:
      encoder:
        path: ${self:custom.encoderPath}
functions:
  encode:
    image:
      name: encoder
      command: ${self:custom.command}
  missing:
    image: nosuchimage
"""
    file = write_file(tmp_path, "media/serverless.yml", text)
    where = {"kind": "serverless", "file": "media/serverless.yml", "handler": None}
    assert serverless.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                line=8,
                name="encode",
                code_root=None,
                image=True,
                skipped=(
                    "image.command: ${self:custom.command} (not a literal)",
                    "provider.ecr.images.encoder.path: ${self:custom.encoderPath} (not a literal)",
                ),
            ),
            Declared(
                **where,
                line=12,
                name="missing",
                code_root=None,
                image=True,
                skipped=("image: nosuchimage (not built by provider.ecr.images.nosuchimage)",),
            ),
        )
    )


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("serverless.yml", "service: x\nfunctions:\n  a: [\n", 4),
        ("serverless.yml", "service: x\n\tfunctions: {}\n", 2),
        ("serverless.json", '{"service": "x",\n "functions": }\n', 2),
    ],
)
def test_malformed_file_is_one_problem(tmp_path: Path, name: str, text: str, line: int) -> None:
    read = serverless.read(tmp_path, write_file(tmp_path, f"svc/{name}", text))
    assert read.functions == ()
    assert [(p.file, p.line) for p in read.problems] == [(f"svc/{name}", line)]


def test_empty_and_non_mapping_files(tmp_path: Path) -> None:
    assert serverless.read(tmp_path, write_file(tmp_path, "a/serverless.yml", "")) == Read()
    assert serverless.read(tmp_path, write_file(tmp_path, "b/serverless.yml", "- a\n")) == Read(
        problems=(Problem("b/serverless.yml", 1, "not a Serverless service (not a mapping)"),)
    )


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("serverless.yml", True),
        ("services/orders/serverless.yaml", True),
        ("billing/serverless.json", True),
        ("web/serverless.ts", False),
        ("serverless-compose.yml", False),
        ("orders/.serverless/serverless.yml", False),
        ("node_modules/pkg/serverless.yml", False),
        ("docs/serverless.md", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert serverless.wants(PurePosixPath(path)) is wanted


def test_other_clouds_are_not_lambda(tmp_path: Path) -> None:
    text = (
        "provider:\n  name: google\n  runtime: python312\nfunctions:\n  f:\n    handler: main.f\n"
    )
    assert serverless.read(tmp_path, write_file(tmp_path, "g/serverless.yml", text)) == Read()
