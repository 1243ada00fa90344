"""SAM and CloudFormation templates: the Lambda functions they declare, read as written."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from helpers import write_file
from uvbake.scan.declarations import cloudformation
from uvbake.scan.declarations.model import Declared, Problem, Read

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: Orders service

Parameters:
  Stage:
    Type: String
    Default: dev
  WorkerHandler:
    Type: String

Conditions:
  IsProd: !Equals [!Ref Stage, prod]

Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: src/
    Architectures:
      - arm64
    Timeout: 10
    Environment:
      Variables:
        TABLE: !Ref OrdersTable

Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST

  OrdersApi:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-orders-api"
      CodeUri: orders/
      Handler: orders.api.handler
      Role: !GetAtt OrdersRole.Arn
      Events:
        Get:
          Type: Api
          Properties:
            Path: /orders
            Method: get

  OrdersWorker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: !If [IsProd, worker.main, worker.debug]
      Architectures: [x86_64]
      MemorySize: !If [IsProd, 1024, 256]

  ReportsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: !Sub "../reports/${!literal}/"
      Handler: !Ref WorkerHandler
      Runtime: python3.13

  WebhookFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: web/
      Handler: index.handler
      Runtime: nodejs20.x

  ArchivedFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://orders-artifacts/archive.zip

  PinnedFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri:
        Bucket: !Ref ArtifactBucket
        Key: pinned.zip

  ThumbnailFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageConfig:
        Command: ["thumbnails.app.handler"]
      Architectures: [x86_64]
    Metadata:
      DockerContext: ./thumbnails
      Dockerfile: docker/Dockerfile.lambda
      DockerTag: python3.12-v1

Outputs:
  ApiUrl:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/"
"""


def test_sam_template_with_globals_and_short_tags(tmp_path: Path) -> None:
    file = write_file(tmp_path, "services/orders/template.yaml", SAM)
    read = cloudformation.read(tmp_path, file)
    where = {"kind": "sam", "file": "services/orders/template.yaml"}
    assert read == Read(
        functions=(
            Declared(
                **where,
                line=33,
                name="OrdersApi",
                handler="orders.api.handler",
                code_root="services/orders/orders",
                runtime="python3.12",
                architectures=("arm64",),
            ),
            Declared(
                **where,
                line=47,
                name="OrdersWorker",
                handler=None,
                code_root="services/orders/src",
                runtime="python3.12",
                architectures=("x86_64",),
                skipped=("Handler: !If [IsProd, worker.main, worker.debug] (not a literal)",),
            ),
            Declared(
                **where,
                line=54,
                name="ReportsFunction",
                handler=None,
                code_root="services/reports/${literal}",
                runtime="python3.13",
                architectures=("arm64",),
                skipped=("Handler: !Ref WorkerHandler (not a literal)",),
            ),
            Declared(
                **where,
                line=68,
                name="ArchivedFunction",
                handler="app.handler",
                code_root=None,
                runtime="python3.12",
                architectures=("arm64",),
                skipped=("CodeUri: s3://orders-artifacts/archive.zip (an S3 object)",),
            ),
            Declared(
                **where,
                line=73,
                name="PinnedFunction",
                handler="app.handler",
                code_root=None,
                runtime="python3.12",
                architectures=("arm64",),
                skipped=("CodeUri: {Bucket: !Ref ArtifactBucket, Key: pinned.zip} (an S3 object)",),
            ),
            Declared(
                **where,
                line=80,
                name="ThumbnailFunction",
                handler="thumbnails.app.handler",
                code_root="services/orders/thumbnails",
                dockerfile="services/orders/thumbnails/docker/Dockerfile.lambda",
                image=True,
                architectures=("x86_64",),
            ),
        )
    )


CFN_JSON = """\
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "Billing functions, packaged with aws cloudformation package",
  "Parameters": {
    "BillingHandler": {"Type": "String"}
  },
  "Resources": {
    "BillingRole": {
      "Type": "AWS::IAM::Role",
      "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17"}}
    },
    "InvoiceFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Code": "../services/billing/src",
        "Handler": "billing.invoice.handler",
        "Runtime": "python3.13",
        "Architectures": ["arm64"],
        "Role": {"Fn::GetAtt": ["BillingRole", "Arn"]}
      }
    },
    "CleanupFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Code": {"ZipFile": "def handler(event, context):\\n    return None\\n"},
        "Handler": "index.handler",
        "Runtime": "python3.12"
      }
    },
    "LedgerFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Code": {"S3Bucket": "billing-artifacts", "S3Key": "ledger.zip"},
        "Handler": {"Ref": "BillingHandler"},
        "Runtime": "python3.12"
      }
    },
    "ExportFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "PackageType": "Image",
        "Code": {"ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/export:1"},
        "ImageConfig": {"Command": ["export.main.handler"]}
      }
    },
    "NotifyFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {"Code": "notify/", "Handler": "Notify::handleRequest", "Runtime": "java21"}
    }
  }
}
"""


def test_json_cloudformation_template(tmp_path: Path) -> None:
    file = write_file(tmp_path, "infra/billing-stack.json", CFN_JSON)
    read = cloudformation.read(tmp_path, file)
    where = {"kind": "cloudformation", "file": "infra/billing-stack.json"}
    assert read == Read(
        functions=(
            Declared(
                **where,
                line=12,
                name="InvoiceFunction",
                handler="billing.invoice.handler",
                code_root="services/billing/src",
                runtime="python3.13",
                architectures=("arm64",),
            ),
            Declared(
                **where,
                line=22,
                name="CleanupFunction",
                handler="index.handler",
                code_root=None,
                runtime="python3.12",
                skipped=("Code.ZipFile: inline code (no folder)",),
            ),
            Declared(
                **where,
                line=30,
                name="LedgerFunction",
                handler=None,
                code_root=None,
                runtime="python3.12",
                skipped=(
                    "Handler: {Ref: BillingHandler} (not a literal)",
                    "Code: {S3Bucket: billing-artifacts, S3Key: ledger.zip} (an S3 object)",
                ),
            ),
            Declared(
                **where,
                line=38,
                name="ExportFunction",
                handler="export.main.handler",
                code_root=None,
                image=True,
            ),
        )
    )


def test_plain_cloudformation_yaml_with_local_code_and_a_path_leaving_top(tmp_path: Path) -> None:
    text = """\
Resources:
  Resizer:
    Type: AWS::Lambda::Function
    Properties:
      Code: ../../shared/resizer
      Handler: resizer.handler
      Runtime: python3.11
      PackageType: Zip
"""
    file = write_file(tmp_path, "deploy/cfn/resizer.yml", text)
    assert cloudformation.read(tmp_path / "deploy", file) == Read(
        functions=(
            Declared(
                kind="cloudformation",
                file="cfn/resizer.yml",
                line=2,
                name="Resizer",
                handler="resizer.handler",
                code_root="../shared/resizer",
                runtime="python3.11",
            ),
        )
    )


def test_sam_defaults_code_uri_to_the_template_folder_and_images_ignore_zip_globals(
    tmp_path: Path,
) -> None:
    text = """\
Transform:
  - AWS::LanguageExtensions
  - AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: main.handler
    Architectures: [arm64]
Resources:
  Api:
    Type: AWS::Serverless::Function
  Batch:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: batch:latest
  Inline:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        ZipFile: |
          def handler(event, context):
              return event
      Handler: index.handler
"""
    file = write_file(tmp_path, "api/template.yml", text)
    where = {"kind": "sam", "file": "api/template.yml"}
    assert cloudformation.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                line=10,
                name="Api",
                handler="main.handler",
                code_root="api",
                runtime="python3.12",
                architectures=("arm64",),
            ),
            Declared(
                **where,
                line=12,
                name="Batch",
                handler=None,
                code_root=None,
                image=True,
                architectures=("arm64",),
            ),
            Declared(
                **where,
                line=17,
                name="Inline",
                handler="index.handler",
                code_root=None,
                skipped=("Code.ZipFile: inline code (no folder)",),
            ),
        )
    )


def test_image_function_with_default_dockerfile_and_non_literal_metadata(tmp_path: Path) -> None:
    text = """\
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  Scanner:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageConfig:
        Command: [!Ref ScannerCommand]
    Metadata:
      DockerContext: ../scanner
  Indexer:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
    Metadata:
      DockerContext: !Sub "${Root}/indexer"
"""
    file = write_file(tmp_path, "stacks/search.yaml", text)
    where = {"kind": "sam", "file": "stacks/search.yaml", "handler": None, "image": True}
    assert cloudformation.read(tmp_path, file) == Read(
        functions=(
            Declared(
                **where,
                line=4,
                name="Scanner",
                code_root="scanner",
                dockerfile="scanner/Dockerfile",
                skipped=("ImageConfig.Command: [!Ref ScannerCommand] (not a literal)",),
            ),
            Declared(
                **where,
                line=12,
                name="Indexer",
                code_root=None,
                skipped=("DockerContext: !Sub ${Root}/indexer (not a literal)",),
            ),
        )
    )


def test_malformed_yaml_template_is_one_problem(tmp_path: Path) -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
     Runtime: python3.12
"""
    file = write_file(tmp_path, "svc/template.yaml", text)
    read = cloudformation.read(tmp_path, file)
    assert read.functions == ()
    assert len(read.problems) == 1
    problem = read.problems[0]
    assert (problem.file, problem.line) == ("svc/template.yaml", 7)
    assert problem.message.startswith("not valid YAML: ")


def test_malformed_json_template_is_one_problem(tmp_path: Path) -> None:
    text = '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {,}\n}\n'
    file = write_file(tmp_path, "template.json", text)
    assert cloudformation.read(tmp_path, file) == Read(
        problems=(
            Problem(
                "template.json",
                3,
                "not valid JSON: Expecting property name enclosed in double quotes",
            ),
        )
    )


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        # A compose file in the infra folder.
        ("infra/compose.yaml", "services:\n  db:\n    image: postgres:16\n"),
        # Kubernetes manifests: several documents, one of them with a Resources-like key.
        ("infra/k8s.yaml", "kind: Service\n---\nkind: Deployment\nResources: {}\n"),
        # A Helm template: Go templating, not YAML; no CloudFormation in it.
        ("templates/deploy.yaml", "metadata:\n  name: {{ .Release.Name }\n  - x: [\n"),
        # A JSON file with a Resources key that holds no function.
        ("cfn/data.json", '{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}'),
        ("cfn/list.json", '[{"Resources": 1}]'),
        ("stack.yaml", ""),
    ],
)
def test_files_that_are_not_templates_read_as_nothing(tmp_path: Path, rel: str, text: str) -> None:
    assert cloudformation.read(tmp_path, write_file(tmp_path, rel, text)) == Read()


def test_template_with_no_functions_and_bad_resources(tmp_path: Path) -> None:
    ok = write_file(tmp_path, "a/template.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\n')
    assert cloudformation.read(tmp_path, ok) == Read()
    bad = write_file(
        tmp_path, "b/template.yaml", "Transform: AWS::Serverless-2016-10-31\nResources: 3\n"
    )
    assert cloudformation.read(tmp_path, bad) == Read(
        problems=(Problem("b/template.yaml", 2, "Resources is not a mapping"),)
    )


def test_unreadable_bytes_and_odd_yaml_never_raise(tmp_path: Path) -> None:
    binary = tmp_path / "template.json"
    binary.write_bytes(b"\xff\xfe\x00AWSTemplateFormatVersion")
    assert cloudformation.read(tmp_path, binary) == Read()
    odd = write_file(
        tmp_path, "x/template.yaml", "Resources:\n  ? [a, b]\n  : 1\nWhen: 2010-13-45\n"
    )
    read = cloudformation.read(tmp_path, odd)
    assert read.functions == () and len(read.problems) == 1


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("template.yaml", True),
        ("services/orders/template.yml", True),
        ("template.json", True),
        ("orders.template.json", True),
        ("infra/orders.yaml", True),
        ("Infrastructure/main.yml", True),
        ("deploy/cfn/api.json", True),
        ("sam/api.yaml", True),
        ("ops/cloudformation/db.yaml", True),
        ("ops/templates/db.yaml", True),
        ("ops/orders-stack.yaml", True),
        ("samconfig.yaml", False),
        ("samconfig.toml", False),
        ("infra/samconfig.yml", False),
        ("infra/package.json", False),
        ("template.txt", False),
        ("orders/config.yaml", True),
        (".github/workflows/ci.yml", True),
        ("cdk.out/OrdersStack.template.json", False),
        ("api/.aws-sam/build/template.yaml", False),
        ("web/node_modules/x/template.yaml", False),
        ("api/.serverless/cloudformation-template-update-stack.json", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert cloudformation.wants(PurePosixPath(path)) is wanted


def test_a_json_dot_template_file_indented_with_tabs(tmp_path: Path) -> None:
    text = (
        '{\n\t"Resources": {\n\t\t"Tabbed": {\n\t\t\t"Type": "AWS::Lambda::Function",\n'
        '\t\t\t"Properties": {"Handler": "t.h", "Runtime": "python3.12", "Code": "src"}\n'
        "\t\t}\n\t}\n}\n"
    )
    file = write_file(tmp_path, "cfn/tabbed.template", text)
    assert cloudformation.read(tmp_path, file) == Read(
        functions=(
            Declared(
                kind="cloudformation",
                file="cfn/tabbed.template",
                line=3,
                name="Tabbed",
                handler="t.h",
                code_root="cfn/src",
                runtime="python3.12",
            ),
        )
    )
    assert cloudformation.wants(PurePosixPath("cfn/tabbed.template"))
