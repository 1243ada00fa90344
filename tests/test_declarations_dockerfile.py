"""The Dockerfile reader: the handler and code root of a Lambda function's own Dockerfile."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from helpers import build_tree
from uvbake.scan.declarations import dockerfile
from uvbake.scan.declarations.model import Declared, Read

ORDERS = """\
# syntax=docker/dockerfile:1.7
ARG PYTHON_VERSION=3.12
FROM public.ecr.aws/lambda/python:${PYTHON_VERSION}-arm64 AS base
RUN <<EOF
echo "FROM python:3.12" > /tmp/not-an-instruction
EOF

# Built from the repository root: docker build -f services/orders/Dockerfile .
FROM base
COPY services/orders/requirements.txt ${LAMBDA_TASK_ROOT}/
RUN pip install \\
      # pinned in the lock file
      -r requirements.txt --target "${LAMBDA_TASK_ROOT}"
COPY services/orders/src ./src
CMD ["src.handler.handler"]
"""

BILLING = """\
FROM public.ecr.aws/lambda/python:3.13
COPY requirements.txt ${LAMBDA_TASK_ROOT}
RUN pip install -r requirements.txt
COPY app/ ${LAMBDA_TASK_ROOT}
CMD [ "app.handler" ]
"""

WORKER = """\
FROM amazon/aws-lambda-python:3.11
WORKDIR ${LAMBDA_TASK_ROOT}
COPY worker ./worker
CMD worker.main.handler
"""

CUSTOM = """\
FROM python:3.12-slim AS deps
RUN pip install --target /deps awslambdaric

FROM --platform=linux/arm64 python:3.12-slim
WORKDIR /var/task
COPY --from=deps /deps /var/task
COPY handler.py .
ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["handler.lambda_handler"]
"""

WEB = """\
FROM python:3.12-slim
WORKDIR /app
COPY . /app
CMD ["python", "-m", "web"]
"""

MIXED = """\
FROM public.ecr.aws/lambda/python:3.12
ARG EXTRA
COPY a/x.py ./
COPY b/ ./
COPY ${EXTRA} ${LAMBDA_TASK_ROOT}/extra/
CMD ["x.handler"]
"""


def _read(top: Path, rel: str) -> Read:
    return dockerfile.read(top, top / rel)


def test_context_is_the_repository_root(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "services/orders/Dockerfile": ORDERS,
            "services/orders/requirements.txt": "boto3\n",
            "services/orders/src/handler.py": "def handler(event, context): ...\n",
        },
    )
    assert _read(tmp_path, "services/orders/Dockerfile") == Read(
        functions=(
            Declared(
                kind="dockerfile",
                file="services/orders/Dockerfile",
                line=9,
                name="orders",
                handler="src.handler.handler",
                code_root="services/orders",
                dockerfile="services/orders/Dockerfile",
                image=True,
                runtime="python3.12",
                architectures=("arm64",),
            ),
        )
    )


def test_folder_copied_into_the_task_root(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "functions/billing/Dockerfile": BILLING,
            "functions/billing/requirements.txt": "",
            "functions/billing/app/app.py": "def handler(event, context): ...\n",
        },
    )
    assert _read(tmp_path, "functions/billing/Dockerfile").functions == (
        Declared(
            kind="dockerfile",
            file="functions/billing/Dockerfile",
            line=1,
            name="billing",
            handler="app.handler",
            code_root="functions/billing/app",
            dockerfile="functions/billing/Dockerfile",
            image=True,
            runtime="python3.13",
        ),
    )


def test_shell_form_cmd(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {"jobs/worker/Dockerfile.lambda": WORKER, "jobs/worker/worker/main.py": "x = 1\n"},
    )
    assert _read(tmp_path, "jobs/worker/Dockerfile.lambda").functions == (
        Declared(
            kind="dockerfile",
            file="jobs/worker/Dockerfile.lambda",
            line=1,
            name="worker",
            handler="worker.main.handler",
            code_root="jobs/worker",
            dockerfile="jobs/worker/Dockerfile.lambda",
            image=True,
            runtime="python3.11",
        ),
    )


def test_custom_image_with_awslambdaric(tmp_path: Path) -> None:
    build_tree(tmp_path, {"lambda.Dockerfile": CUSTOM, "handler.py": "x = 1\n"})
    assert _read(tmp_path, "lambda.Dockerfile").functions == (
        Declared(
            kind="dockerfile",
            file="lambda.Dockerfile",
            line=4,
            name=tmp_path.name,
            handler="handler.lambda_handler",
            code_root=".",
            dockerfile="lambda.Dockerfile",
            image=True,
            architectures=("arm64",),
        ),
    )


def test_copies_that_keep_no_one_layout(tmp_path: Path) -> None:
    build_tree(tmp_path, {"fn/Dockerfile": MIXED, "fn/a/x.py": "", "fn/b/y.py": ""})
    assert _read(tmp_path, "fn/Dockerfile").functions == (
        Declared(
            kind="dockerfile",
            file="fn/Dockerfile",
            line=1,
            name="fn",
            handler="x.handler",
            code_root=None,
            dockerfile="fn/Dockerfile",
            image=True,
            runtime="python3.12",
            skipped=(
                "COPY ${EXTRA} ${LAMBDA_TASK_ROOT}/extra/: a source is not a literal path",
                "code_root: the copies into /var/task (lines 3, 4, 5) keep no one folder's layout",
            ),
        ),
    )


@pytest.mark.parametrize(
    "text",
    [WEB, "# generated by uvbake — regenerate with `uvbake generate`\n" + BILLING, "", "# x\n"],
)
def test_not_a_lambda_dockerfile(tmp_path: Path, text: str) -> None:
    build_tree(tmp_path, {"web/Dockerfile": text})
    assert _read(tmp_path, "web/Dockerfile") == Read()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("services/orders/Dockerfile", True),
        ("Dockerfile.lambda", True),
        ("docker/api.Dockerfile", True),
        ("uvbake.Dockerfile", False),
        ("Dockerfile.dockerignore", False),
        ("cdk.out/asset.1/Dockerfile", False),
        ("docs/Dockerfiles.md", False),
    ],
)
def test_wants(path: str, expected: bool) -> None:
    assert dockerfile.wants(PurePosixPath(path)) is expected
