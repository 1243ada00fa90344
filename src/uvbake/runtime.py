"""What AWS Lambda's Python runtimes are, in one place: the Pythons, when each was (or will
be) deprecated, the glibc of each, the base images and their platforms, what the images ship
in site-packages, and where a function's code goes. Update it from the AWS Lambda Developer
Guide ("Lambda runtimes", "Deploy Python Lambda functions with container images")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
# The "deprecation date" column of the supported-runtimes table
# (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
DEPRECATED: Mapping[str, date] = {"3.9": date(2025, 12, 15), "3.10": date(2026, 10, 31)}
# Lambda platforms and the machine (PEP 508 platform_machine) each one runs on.
MACHINES: Mapping[str, str] = {"linux/arm64": "aarch64", "linux/amd64": "x86_64"}
PLATFORMS = tuple(MACHINES)
DEFAULT_PLATFORM = "linux/arm64"
BASE_IMAGE = "public.ecr.aws/lambda/python:{python}"
# LAMBDA_TASK_ROOT: the function's code, the first folder of the runtime's sys.path.
TASK_ROOT = "/var/task"
# What the base images ship in site-packages: the AWS SDK for Python and what it needs
# (normalised distribution names).
BASE_DISTRIBUTIONS = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six"}
)
# Import names the runtime provides, and the distribution each belongs to (awslambdaric is
# the runtime interface client in /var/runtime).
PROVIDED_IMPORTS: Mapping[str, str] = {
    "boto3": "boto3",
    "botocore": "botocore",
    "s3transfer": "s3transfer",
    "jmespath": "jmespath",
    "dateutil": "python-dateutil",
    "urllib3": "urllib3",
    "six": "six",
    "awslambdaric": "awslambdaric",
}


def glibc(python: str) -> str:
    """The glibc of the runtime for `python`: Amazon Linux 2023 for 3.12 and later, Amazon
    Linux 2 before."""
    return "2.34" if tuple(int(p) for p in python.split(".")) >= (3, 12) else "2.26"


def site_packages(python: str) -> str:
    """The base image's site-packages folder for `python`."""
    return f"/var/lang/lib/python{python}/site-packages"
