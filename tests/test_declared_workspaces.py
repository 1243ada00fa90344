"""Workspaces whose functions are declared by infrastructure code (SAM, CDK, Serverless,
Terraform, a member's own Dockerfile), locked by the real uv: the targets, CMDs and the code
each image ships come from the declarations, not from module names."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import build_tree, uv_lock, uvbake, wheel
from helpers import pyproject as _pyproject
from uvbake.api import generated_files, planned
from uvbake.names import DOCKERFILE

HANDLER = "def lambda_handler(event, context):\n    return {'ok': True}\n"


def pyproject(name: str, **options: object) -> str:
    return _pyproject(name, **options).replace('">=3.12"', '">=3.10"')  # type: ignore[arg-type]


def root_pyproject(members: list[str]) -> str:
    return (
        '[project]\nname = "monorepo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        f"dependencies = []\n\n[tool.uv.workspace]\nmembers = {json.dumps(members)}\n"
        '\n[tool.uvbake]\npython = "3.13"\n'
    )


def locked(root: Path, tmp_path: Path) -> Path:
    wheel(root / "wheels", "requests", "2.0")
    uv_lock(root, cache=tmp_path / "uv-cache")
    return root


SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: orders and billing

Parameters:
  Stage:
    Type: String

Globals:
  Function:
    Runtime: python3.13
    Architectures: [arm64]
    Environment:
      Variables:
        TABLE: !Ref OrdersTable
        STAGE: !Sub "${AWS::StackName}-${Stage}"

Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/orders/
      Handler: app.lambda_handler
      Role: !GetAtt OrdersRole.Arn
  OrdersTable:
    Type: AWS::DynamoDB::Table
"""

BILLING = """\
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Transform": "AWS::Serverless-2016-10-31",
  "Resources": {
    "ChargeFunction": {
      "Type": "AWS::Serverless::Function",
      "Properties": {
        "CodeUri": "src",
        "Handler": "billing_jobs.charge.lambda_handler",
        "Runtime": "python3.13"
      }
    },
    "RefundFunction": {
      "Type": "AWS::Serverless::Function",
      "Properties": {
        "CodeUri": "src",
        "Handler": "billing_jobs.refund.lambda_handler",
        "Runtime": "python3.13"
      }
    }
  }
}
"""

REPORTS = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  NightlyReport:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: billing_jobs.report.lambda_handler
      Runtime: python3.13
"""


def sam_repository(root: Path) -> Path:
    """A SAM repository: a flat function importing a sibling module and reading a data file,
    and a packaged member declaring three functions in two templates (one in JSON, one not
    named template.yaml)."""
    return build_tree(
        root,
        {
            "pyproject.toml": root_pyproject(["functions/*"]),
            "template.yaml": SAM,
            "functions/orders/pyproject.toml": pyproject(
                "orders", deps=["requests"], packaged=False
            ),
            "functions/orders/app.py": "from helpers import total\n\n\n" + HANDLER,
            "functions/orders/helpers.py": "def total(items):\n    return sum(items)\n",
            "functions/orders/templates/receipt.txt": "Total: {total}\n",
            "functions/orders/tests/test_app.py": "def test_app():\n    pass\n",
            "functions/billing/pyproject.toml": pyproject("billing", deps=["requests"]),
            "functions/billing/template.json": BILLING,
            "functions/billing/reports.yaml": REPORTS,
            "functions/billing/src/billing_jobs/__init__.py": "",
            "functions/billing/src/billing_jobs/charge.py": HANDLER,
            "functions/billing/src/billing_jobs/refund.py": HANDLER,
            "functions/billing/src/billing_jobs/report.py": HANDLER,
        },
    )


def test_sam_functions_become_targets_with_their_declared_handlers(tmp_path: Path) -> None:
    root = locked(sam_repository(tmp_path / "ws"), tmp_path)
    the_plan = planned(root)
    assert [(s.name, s.reason, s.targets) for s in the_plan.services] == [
        (
            "billing",
            "declared as a Lambda function in functions/billing/reports.yaml:3 (NightlyReport), "
            "functions/billing/template.json:5 (ChargeFunction), "
            "functions/billing/template.json:13 (RefundFunction)",
            (
                ("billing-nightly-report", "billing_jobs.report.lambda_handler"),
                ("billing-charge-function", "billing_jobs.charge.lambda_handler"),
                ("billing-refund-function", "billing_jobs.refund.lambda_handler"),
            ),
        ),
        (
            "orders",
            "declared as a Lambda function in template.yaml:19 (OrdersFunction)",
            (("orders", "app.lambda_handler"),),
        ),
    ]
    billing, orders = the_plan.services
    # the flat function ships every module and data file beside its handler (no tests)
    assert [(a.source, a.dest) for a in orders.app] == [
        ("functions/orders/app.py", "app.py"),
        ("functions/orders/helpers.py", "helpers.py"),
        ("functions/orders/pyproject.toml", "pyproject.toml"),
        ("functions/orders/templates", "templates"),
    ]
    assert orders.declared == "template.yaml:19"
    assert {f.declared: [(a.source, a.dest) for a in f.app] for f in billing.functions} == {
        "functions/billing/reports.yaml:3": [
            ("functions/billing/src/billing_jobs", "billing_jobs")
        ],
        "functions/billing/template.json:5": [
            ("functions/billing/src/billing_jobs", "billing_jobs")
        ],
        "functions/billing/template.json:13": [
            ("functions/billing/src/billing_jobs", "billing_jobs")
        ],
    }
    # every function of billing shares the service's layers; each has its own CMD
    _, files = generated_files(root)
    dockerfile = files[DOCKERFILE]
    assert 'CMD ["app.lambda_handler"]' in dockerfile
    for handler in ("report", "charge", "refund"):
        assert f'CMD ["billing_jobs.{handler}.lambda_handler"]' in dockerfile


def test_list_names_where_each_function_is_declared(tmp_path: Path) -> None:
    root = locked(sam_repository(tmp_path / "ws"), tmp_path)
    result = uvbake("list", cwd=root)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if "target " in line] == [
        "    target billing-nightly-report: billing_jobs.report.lambda_handler "
        "(declared at functions/billing/reports.yaml:3)",
        "    target billing-charge-function: billing_jobs.charge.lambda_handler "
        "(declared at functions/billing/template.json:5)",
        "    target billing-refund-function: billing_jobs.refund.lambda_handler "
        "(declared at functions/billing/template.json:13)",
    ]


def test_a_malformed_template_is_one_warning_and_the_rest_is_planned(tmp_path: Path) -> None:
    root = locked(sam_repository(tmp_path / "ws"), tmp_path)
    (root / "functions/billing/reports.yaml").write_text(REPORTS + "  Bad: [unclosed\n")
    result = uvbake("generate", cwd=root)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("uvbake: warning")]
    assert len(warnings) == 1
    assert warnings[0].startswith("uvbake: warning: functions/billing/reports.yaml:")
    assert planned(root).services[0].targets == (
        ("billing-charge-function", "billing_jobs.charge.lambda_handler"),
        ("billing-refund-function", "billing_jobs.refund.lambda_handler"),
    )


def test_a_declared_module_that_does_not_exist_stops_generate(tmp_path: Path) -> None:
    root = locked(sam_repository(tmp_path / "ws"), tmp_path)
    text = (root / "template.yaml").read_text().replace("app.lambda_handler", "ap.lambda_handler")
    (root / "template.yaml").write_text(text)
    result = uvbake("generate", cwd=root)
    assert (result.returncode, result.stderr) == (
        1,
        "uvbake: error: template.yaml:19: handler module 'ap' is not in functions/orders "
        "(function OrdersFunction of 'orders', declared at template.yaml:19); fix the handler "
        "or the declaration at template.yaml:19\n",
    )
    listed = uvbake("list", cwd=root)
    assert listed.returncode == 0
    assert "  orders               functions/orders             left out: " in listed.stdout


def test_an_async_handler_is_refused_wherever_it_is_named(tmp_path: Path) -> None:
    root = locked(sam_repository(tmp_path / "ws"), tmp_path)
    app = root / "functions/orders/app.py"
    app.write_text(app.read_text().replace("def lambda_handler", "async def lambda_handler"))
    result = uvbake("generate", cwd=root)
    assert (result.returncode, result.stderr) == (
        1,
        "uvbake: error: functions/orders/app.py:4: 'lambda_handler' is an async function, "
        "which the Lambda runtime never awaits (function OrdersFunction of 'orders', declared "
        "at template.yaml:19); fix the handler or the declaration at template.yaml:19\n",
    )


def test_two_declarations_that_disagree_stop_generate(tmp_path: Path) -> None:
    root = locked(sam_repository(tmp_path / "ws"), tmp_path)
    (root / "functions/orders/template.yaml").write_text(
        SAM.replace("CodeUri: functions/orders/", "CodeUri: .").replace(
            "app.lambda_handler", "helpers.total"
        )
    )
    result = uvbake("generate", cwd=root)
    assert result.returncode == 1
    assert result.stderr == (
        "uvbake: error: template.yaml:19: declares function OrdersFunction differently from "
        "functions/orders/template.yaml:19 (app.lambda_handler in functions/orders against "
        "helpers.total in functions/orders); make the declarations agree, or remove one\n"
    )


def test_a_declaration_pointing_outside_the_workspace_is_named(tmp_path: Path) -> None:
    root = locked(sam_repository(tmp_path / "ws"), tmp_path)
    (root / "template.yaml").write_text(SAM.replace("functions/orders/", "../elsewhere/"))
    result = uvbake("list", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (
        "  template.yaml:19 OrdersFunction (sam): its code (../elsewhere) is outside the workspace"
    ) in result.stdout.splitlines()
    assert (
        "uvbake: warning: template.yaml:19: function OrdersFunction is not built: its code "
        "(../elsewhere) is outside the workspace"
    ) in result.stderr.splitlines()


def test_a_web_server_under_services_is_listed_and_left_out(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": root_pyproject(["services/*"]),
            "services/api/pyproject.toml": pyproject("api"),
            "services/api/src/api/__init__.py": "",
            "services/api/src/api/main.py": "def handler(event, context):\n    return 1\n",
            "services/web/pyproject.toml": pyproject("web"),
            "services/web/src/web/__init__.py": "",
            "services/web/src/web/server.py": "def serve():\n    pass\n",
        },
    )
    locked(root, tmp_path)
    generate = uvbake("generate", cwd=root)
    assert generate.returncode == 0, generate.stderr
    assert generate.stderr == (
        "uvbake: warning: services/web/pyproject.toml: service 'web' has no Lambda handler "
        '(web.main.handler not found); set [tool.uvbake] handler = "package.module.function" '
        "(service 'web' left out)\n"
    )
    listed = uvbake("list", cwd=root)
    assert listed.returncode == 0
    assert [line for line in listed.stdout.splitlines() if "web" in line] == [
        "  web                  services/web                 left out: services/web/"
        "pyproject.toml: service 'web' has no Lambda handler (web.main.handler not found); "
        'set [tool.uvbake] handler = "package.module.function"'
    ]


def test_a_renamed_handler_is_never_dropped_in_silence(tmp_path: Path) -> None:
    """Functions under lambdas/ found by convention: renaming `def handler` to `def handle`
    leaves the function out, and generate, check and affected all say so."""
    from gitrepo import init_repo

    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": root_pyproject(["lambdas/*"]),
            "lambdas/resize/pyproject.toml": pyproject("resize"),
            "lambdas/resize/src/resize/__init__.py": "",
            "lambdas/resize/src/resize/handler.py": HANDLER,
            "lambdas/notify/pyproject.toml": pyproject("notify"),
            "lambdas/notify/src/notify/__init__.py": "",
            "lambdas/notify/src/notify/handler.py": HANDLER,
        },
    )
    locked(root, tmp_path)
    assert uvbake("generate", cwd=root).returncode == 0
    init_repo(root)
    handler = root / "lambdas/resize/src/resize/handler.py"
    handler.write_text(HANDLER.replace("def lambda_handler", "def lambda_handle"))
    gone = (
        "docker-bake.hcl: target 'resize' was built and no longer is (no Lambda handler found "
        "(def handler or lambda_handler(event, context) in a module named main, index, app, "
        "handler, lambda_function, else in any module it ships))"
    )
    check = uvbake("check", cwd=root)
    assert check.returncode == 1
    fix = "make it a Lambda function again, or run `uvbake generate` to stop building it"
    assert f"{gone}; {fix}" in check.stdout.splitlines()
    affected = uvbake("affected", "--since", "HEAD", cwd=root)
    assert affected.stdout.splitlines() == ["resize"]
    generate = uvbake("generate", cwd=root)
    assert (generate.returncode, generate.stderr) == (
        0,
        f"uvbake: warning: {gone}; make it a Lambda function again to keep building it\n",
    )


CDK_TS = """\
import * as path from 'path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export class ApiStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // new lambda.Function(this, 'Commented', { handler: 'nope.handler' })
    new lambda.Function(this, 'Api', {
      runtime: lambda.Runtime.PYTHON_3_13,
      architecture: lambda.Architecture.ARM_64,
      handler: 'src.handler.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '../../services/api')),
    });
  }
}
"""

CDK_PY = """\
import os

from aws_cdk import Stack
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

HERE = os.path.dirname(__file__)
CODE = os.path.join(HERE, "..", "..", "services", "orders", "src")


class OrdersStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        _lambda.Function(
            self,
            "OrdersProcessor",
            runtime=_lambda.Runtime.PYTHON_3_13,
            handler="orders.processor.handler",
            code=_lambda.Code.from_asset(CODE),
        )
"""


def test_cdk_declarations_keep_a_package_named_src_and_a_free_module_name(
    tmp_path: Path,
) -> None:
    """CDK in TypeScript declares src.handler.handler for a member whose code is a package
    literally named src (no __init__.py, `from src.config import ...`): /var/task keeps src/.
    CDK in Python declares orders.processor.handler, a module no convention names."""
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": root_pyproject(["services/*"]),
            "cdk/lib/api-stack.ts": CDK_TS,
            "cdk/cdk.json": '{"app": "npx ts-node bin/app.ts"}\n',
            "infra/stacks/orders_stack.py": CDK_PY,
            "infra/cdk.json": '{"app": "python3 app.py"}\n',
            "services/api/pyproject.toml": pyproject("api", packaged=False),
            "services/api/src/handler.py": "from src.config import TABLE\n\n\n"
            + HANDLER.replace("lambda_handler", "handler"),
            "services/api/src/config.py": 'TABLE = "orders"\n',
            "services/orders/pyproject.toml": pyproject("orders", packaged=False),
            "services/orders/src/orders/__init__.py": "",
            "services/orders/src/orders/processor.py": HANDLER.replace("lambda_handler", "handler"),
        },
    )
    locked(root, tmp_path)
    api, orders = planned(root).services
    assert (api.targets, api.declared, [(a.source, a.dest) for a in api.app]) == (
        (("api", "src.handler.handler"),),
        "cdk/lib/api-stack.ts:10",
        [
            ("services/api/pyproject.toml", "pyproject.toml"),
            ("services/api/src", "src"),
        ],
    )
    assert (orders.targets, orders.declared, [(a.source, a.dest) for a in orders.app]) == (
        (("orders", "orders.processor.handler"),),
        "infra/stacks/orders_stack.py:14",
        [("services/orders/src/orders", "orders")],
    )


def test_a_members_own_dockerfile_declares_its_handler_and_code(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": root_pyproject(["services/*"]),
            "services/jobs/pyproject.toml": pyproject("jobs", packaged=False),
            "services/jobs/Dockerfile": (
                "FROM public.ecr.aws/lambda/python:3.13\n"
                "COPY services/jobs/src ${LAMBDA_TASK_ROOT}/src\n"
                'CMD ["src.nightly.run"]\n'
            ),
            "services/jobs/src/nightly.py": "def run(event, context):\n    return 1\n",
        },
    )
    locked(root, tmp_path)
    (jobs,) = planned(root).services
    assert (jobs.targets, jobs.declared, [(a.source, a.dest) for a in jobs.app]) == (
        (("jobs", "src.nightly.run"),),
        "services/jobs/Dockerfile:1",
        [
            ("services/jobs/Dockerfile", "Dockerfile"),
            ("services/jobs/pyproject.toml", "pyproject.toml"),
            ("services/jobs/src", "src"),
        ],
    )


SERVERLESS = """\
service: notifications
frameworkVersion: '3'

provider:
  name: aws
  runtime: python3.13
  architecture: arm64
  stage: ${opt:stage, 'dev'}

functions:
  sendEmail:
    handler: src/notify/email.send
    events:
      - sqs: arn:aws:sqs:eu-west-1:123456789012:emails
  sendSms:
    handler: src/notify/sms.send
"""

SST = """\
/// <reference path="./.sst/platform/config.d.ts" />
export default $config({
  app(input) {
    return { name: "shop", home: "aws" };
  },
  async run() {
    const api = new sst.aws.Function("Checkout", {
      handler: "services/checkout/src/checkout/api.handler",
      runtime: "python3.13",
    });
  },
});
"""

TERRAFORM = """\
data "archive_file" "reports" {
  type        = "zip"
  source_dir  = "${path.module}/../services/reports/src"
  output_path = "${path.module}/build/reports.zip"
}

resource "aws_lambda_function" "reports" {
  function_name = "reports-${var.stage}"
  filename      = data.archive_file.reports.output_path
  handler       = "reports.jobs.lambda_handler"
  runtime       = "python3.13"
  architectures = ["arm64"]
  role          = aws_iam_role.reports.arn
}
"""


def test_serverless_sst_and_terraform_declare_their_functions(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": root_pyproject(["services/*"]),
            "services/notify/serverless.yml": SERVERLESS,
            "services/notify/pyproject.toml": pyproject("notify", packaged=False),
            "services/notify/src/notify/__init__.py": "",
            "services/notify/src/notify/email.py": "def send(event, context):\n    return 1\n",
            "services/notify/src/notify/sms.py": "def send(event, context):\n    return 2\n",
            "sst.config.ts": SST,
            "services/checkout/pyproject.toml": pyproject("checkout"),
            "services/checkout/src/checkout/__init__.py": "",
            "services/checkout/src/checkout/api.py": HANDLER.replace("lambda_handler", "handler"),
            "terraform/lambda.tf": TERRAFORM,
            "services/reports/pyproject.toml": pyproject("reports"),
            "services/reports/src/reports/__init__.py": "",
            "services/reports/src/reports/jobs.py": HANDLER,
        },
    )
    locked(root, tmp_path)
    the_plan = planned(root)
    assert [(s.name, s.targets, s.declared) for s in the_plan.services] == [
        ("checkout", (("checkout", "checkout.api.handler"),), "sst.config.ts:7"),
        (
            "notify",
            (
                ("notify-send-email", "src.notify.email.send"),
                ("notify-send-sms", "src.notify.sms.send"),
            ),
            None,
        ),
        ("reports", (("reports", "reports.jobs.lambda_handler"),), "terraform/lambda.tf:7"),
    ]
    notify = the_plan.services[1]
    assert [f.declared for f in notify.functions] == [
        "services/notify/serverless.yml:11",
        "services/notify/serverless.yml:15",
    ]
    _, files = generated_files(root)
    for handler in ("checkout.api.handler", "src.notify.email.send", "reports.jobs.lambda_handler"):
        assert f'CMD ["{handler}"]' in files[DOCKERFILE]


def test_an_explicit_handler_in_a_flat_module_ships_the_folder_beside_it(tmp_path: Path) -> None:
    """[tool.uvbake] handler = "app.handler" with app.py beside pyproject.toml: the image
    ships app.py and what sits beside it, and the check finds the handler there."""
    from helpers import build_tree
    from uvbake.api import planned

    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["services/*"]\n',
            "services/flat/pyproject.toml": (
                '[project]\nname = "flat"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
                'dependencies = []\n\n[tool.uvbake]\nhandler = "app.handler"\n'
            ),
            "services/flat/app.py": "from helpers import X\n\n\n" + HANDLER.replace("lambda_", ""),
            "services/flat/helpers.py": "X = 1\n",
        },
    )
    locked(root, tmp_path)
    (flat,) = planned(root).services
    assert [(a.source, a.dest) for a in flat.app] == [
        ("services/flat/app.py", "app.py"),
        ("services/flat/helpers.py", "helpers.py"),
        ("services/flat/pyproject.toml", "pyproject.toml"),
    ]
