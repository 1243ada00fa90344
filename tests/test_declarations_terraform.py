"""Terraform: aws_lambda_function resources and terraform-aws-modules/lambda calls, read by a
tolerant scanner that never runs terraform."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from helpers import write_file
from uvbake.scan.declarations import terraform
from uvbake.scan.declarations.model import Declared, Read

LAMBDAS = """\
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

locals {
  prefix = "orders-${var.stage}" # a comment with "quotes" and { a brace
}

/* Switched off for now:
resource "aws_lambda_function" "commented" { handler = "no.handler" }
*/

data "archive_file" "orders" {
  type        = "zip"
  source_dir  = "${path.module}/../services/orders/src"
  output_path = "${path.module}/build/orders.zip"
}

resource "aws_lambda_function" "orders" {
  function_name    = "${local.prefix}-api"
  filename         = data.archive_file.orders.output_path
  source_code_hash = data.archive_file.orders.output_base64sha256
  handler          = "orders.api.handler"
  runtime          = "python3.12"
  architectures    = ["arm64"]
  role             = aws_iam_role.lambda.arn

  environment {
    variables = {
      TABLE    = aws_dynamodb_table.orders.name
      GREETING = "hello } world \\" ${upper("x")}"
    }
  }
  // a closing brace in a comment }
}

resource "aws_lambda_function" "reports" {
  function_name = "reports"
  filename      = "build/reports.zip" # zipped by archives.tf
  handler       = var.reports_handler
  runtime       = "python3.13"
}

resource "aws_lambda_function" "thumbnails" {
  function_name = "thumbnails"
  package_type  = "Image"
  image_uri     = "${aws_ecr_repository.thumbnails.repository_url}:latest"
  architectures = ["x86_64"]
  image_config {
    command = ["thumbnails.app.handler"]
  }
}

resource "aws_lambda_function" "edge" {
  function_name = "edge"
  filename      = "edge.zip"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
}

resource "aws_lambda_function" "legacy" {
  s3_bucket   = "artifacts"
  s3_key      = "legacy.zip"
  handler     = "legacy.main"
  runtime     = "python3.9"
  description = <<-EOT
    A heredoc with "quotes", { braces and
    resource "aws_lambda_function" "fake" {
  EOT
}

module "payments" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "~> 7.0"

  function_name = "payments"
  handler       = "payments.handler.main"
  runtime       = "python3.12"
  architectures = ["arm64"]
  source_path   = "../services/payments/src"
}

module "exports" {
  source  = "git::https://github.com/terraform-aws-modules/terraform-aws-lambda.git?ref=v7.2.0"
  handler = "exports.main"
  runtime = "python3.12"
  source_path = [
    "${path.module}/../services/exports",
  ]
}

module "network" {
  source = "terraform-aws-modules/vpc/aws"
  name   = "main"
}
"""

ARCHIVES = """\
data "archive_file" "reports" {
  type        = "zip"
  source_dir  = "../services/reports"
  output_path = "build/reports.zip"
}
"""


def test_lambda_resources_and_modules(tmp_path: Path) -> None:
    file = write_file(tmp_path, "infra/lambda.tf", LAMBDAS)
    write_file(tmp_path, "infra/archives.tf", ARCHIVES)
    where = {"kind": "terraform", "file": "infra/lambda.tf"}
    assert terraform.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                line=21,
                name="orders",
                handler="orders.api.handler",
                code_root="services/orders/src",
                runtime="python3.12",
                architectures=("arm64",),
            ),
            Declared(
                **where,
                line=39,
                name="reports",
                handler=None,
                code_root="services/reports",
                runtime="python3.13",
                skipped=("handler: var.reports_handler (not a literal)",),
            ),
            Declared(
                **where,
                line=46,
                name="thumbnails",
                handler="thumbnails.app.handler",
                code_root=None,
                image=True,
                architectures=("x86_64",),
            ),
            Declared(
                **where,
                line=63,
                name="legacy",
                handler="legacy.main",
                code_root=None,
                runtime="python3.9",
                skipped=('s3_bucket: "artifacts" (code in S3)',),
            ),
            Declared(
                **where,
                line=74,
                name="payments",
                handler="payments.handler.main",
                code_root="services/payments/src",
                runtime="python3.12",
                architectures=("arm64",),
            ),
            Declared(
                **where,
                line=85,
                name="exports",
                handler="exports.main",
                code_root=None,
                runtime="python3.12",
                skipped=('source_path: [ "${path.module}/../services/exports", ] (not a literal)',),
            ),
        )
    )


def test_zips_without_a_known_folder(tmp_path: Path) -> None:
    text = """\
data "archive_file" "single" {
  type        = "zip"
  source_file = "${path.module}/handler.py"
  output_path = "${path.module}/single.zip"
}

resource "aws_lambda_function" "single" {
  filename = "${data.archive_file.single.output_path}"
  handler  = "handler.main"
}

resource "aws_lambda_function" "prebuilt" {
  filename = "dist/prebuilt.zip"
  handler  = "prebuilt.main"
}

resource "aws_lambda_function" "missing" {
  filename = data.archive_file.nowhere.output_path
  handler  = "missing.main"
}

resource "aws_lambda_function" "variable" {
  filename = var.zip
  handler  = "variable.main"
  runtime  = var.runtime
  architectures = [var.arch]
}
"""
    file = write_file(tmp_path, "deploy/main.tf", text)
    where = {"kind": "terraform", "file": "deploy/main.tf", "code_root": None}
    assert terraform.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                line=7,
                name="single",
                handler="handler.main",
                skipped=(
                    'filename: "${data.archive_file.single.output_path}" (archive_file: no '
                    "source_dir (source_file or source blocks: no folder))",
                ),
            ),
            Declared(
                **where,
                line=12,
                name="prebuilt",
                handler="prebuilt.main",
                skipped=(
                    'filename: "dist/prebuilt.zip" (no archive_file of this folder builds it)',
                ),
            ),
            Declared(
                **where,
                line=17,
                name="missing",
                handler="missing.main",
                skipped=(
                    "filename: data.archive_file.nowhere.output_path "
                    "(no archive_file of this folder builds it)",
                ),
            ),
            Declared(
                **where,
                line=22,
                name="variable",
                handler="variable.main",
                skipped=(
                    "runtime: var.runtime (not a literal)",
                    "architectures: [var.arch] (not a literal)",
                    "filename: var.zip (not a literal)",
                ),
            ),
        )
    )


def test_one_line_blocks_and_module_images(tmp_path: Path) -> None:
    text = (
        'resource "aws_lambda_function" "tiny" { handler = "tiny.h"\n'
        '  runtime = "python3.12" }\n'
        'module "render" {\n'
        '  source = "registry.terraform.io/terraform-aws-modules/lambda/aws"\n'
        '  package_type = "Image"\n'
        '  image_config_command = ["render.app.handler"]\n'
        "  create_package = false\n"
        "}\n"
        'resource aws_lambda_function "bare" {\n'
        '  image_config { command = ["x"] }\n'
        "}\n"
    )
    file = write_file(tmp_path, "main.tf", text)
    where = {"kind": "terraform", "file": "main.tf", "code_root": None}
    assert terraform.read(tmp_path, file) == Read(
        functions=(
            Declared(**where, line=1, name="tiny", handler="tiny.h", runtime="python3.12"),
            Declared(**where, line=3, name="render", handler="render.app.handler", image=True),
            Declared(**where, line=9, name="bare", handler=None),
        )
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('resource "aws_lambda_function" "a" {\n  handler = "a.b"\n', 1, "block not closed"),
        ('resource "aws_lambda_function" "a" {\n  handler = "a.b\n}\n', 2, "string not closed"),
        ('resource "aws_lambda_function" "a" {\n  /* open\n}\n', 2, "comment not closed"),
        ('resource "aws_lambda_function" "a" {\n  x = <<EOT\n  y\n}\n', 2, "heredoc <<EOT"),
        ('resource "aws_lambda_function" "a" {\n}\n}\n', 3, "unexpected '}'"),
        ('resource "aws_lambda_function" "a"\n', 1, "expected '=' or a block"),
    ],
)
def test_malformed_file_is_one_problem(tmp_path: Path, text: str, line: int, message: str) -> None:
    read = terraform.read(tmp_path, write_file(tmp_path, "infra/bad.tf", text))
    assert read.functions == ()
    assert len(read.problems) == 1
    problem = read.problems[0]
    assert (problem.file, problem.line) == ("infra/bad.tf", line)
    assert problem.message.startswith("not valid Terraform: ") and message in problem.message


def test_files_without_lambdas_are_not_parsed(tmp_path: Path) -> None:
    text = 'variable "stage" {\n  type = string\n'  # unclosed, but nothing to read in it
    assert terraform.read(tmp_path, write_file(tmp_path, "variables.tf", text)) == Read()


def test_a_broken_sibling_does_not_matter(tmp_path: Path) -> None:
    write_file(tmp_path, "tf/broken.tf", 'data "archive_file" "x" {\n')
    text = 'resource "aws_lambda_function" "f" {\n  filename = "f.zip"\n  handler = "f.h"\n}\n'
    file = write_file(tmp_path, "tf/f.tf", text)
    assert terraform.read(tmp_path, file) == Read(
        functions=(
            Declared(
                kind="terraform",
                file="tf/f.tf",
                line=1,
                name="f",
                handler="f.h",
                code_root=None,
                skipped=('filename: "f.zip" (no archive_file of this folder builds it)',),
            ),
        )
    )


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("main.tf", True),
        ("infra/lambda.tf", True),
        ("infra/.terraform/modules/lambda/main.tf", False),
        ("main.tf.json", False),
        ("prod.tfvars", False),
        ("node_modules/x/main.tf", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert terraform.wants(PurePosixPath(path)) is wanted


def test_module_calls_that_create_no_function(tmp_path: Path) -> None:
    text = """\
module "layer" {
  source          = "terraform-aws-modules/lambda/aws"
  create_function = false
  create_layer    = true
  source_path     = "../layers/common"
}

module "disabled" {
  source = "terraform-aws-modules/lambda/aws"
  create = false
}

module "orders" {
  source      = "terraform-aws-modules/lambda/aws"
  create      = var.enabled
  handler     = "orders.main"
  runtime     = "python3.12"
  source_path = "${path.module}/../orders"
}
"""
    file = write_file(tmp_path, "stack/lambda.tf", text)
    assert terraform.read(tmp_path, file) == Read(
        functions=(
            Declared(
                kind="terraform",
                file="stack/lambda.tf",
                line=13,
                name="orders",
                handler="orders.main",
                code_root="orders",
                runtime="python3.12",
            ),
        )
    )


def test_image_module_with_a_variable_command(tmp_path: Path) -> None:
    text = """\
module "render" {
  source               = "terraform-aws-modules/lambda/aws"
  package_type         = "Image"
  image_uri            = module.docker_image.image_uri
  image_config_command = var.command
}
"""
    file = write_file(tmp_path, "render.tf", text)
    assert terraform.read(tmp_path, file) == Read(
        functions=(
            Declared(
                kind="terraform",
                file="render.tf",
                line=1,
                name="render",
                handler=None,
                code_root=None,
                image=True,
                skipped=("image_config_command: var.command (not a literal)",),
            ),
        )
    )
