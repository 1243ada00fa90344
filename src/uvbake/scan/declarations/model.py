"""The records every declaration reader returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Declared:
    """One Lambda function that an infrastructure file declares.

    Every path is POSIX, normalised, relative to the folder the scan started at (`top`: the
    git top or the workspace root); a path that leaves it starts with "../".
    """

    kind: str
    """The reader: sam, cloudformation, serverless, cdk-python, cdk-typescript, sst,
    terraform, dockerfile."""
    file: str
    """The declaring file."""
    line: int
    """1-based line of the declaration (the resource, construct call or block)."""
    name: str
    """The function's name in the declaration: logical id, construct id, Serverless key,
    Terraform resource name."""
    handler: str | None
    """The handler exactly as Lambda receives it ("src.handler.handler", "app.lambda_handler");
    None when it is not a literal or not given."""
    code_root: str | None
    """The folder whose contents Lambda puts in /var/task (SAM CodeUri, CDK asset folder,
    Terraform source_dir, the folder a Dockerfile copies into the task root); None when not
    a literal or not known."""
    handler_file: str | None = None
    """Path-style handlers (SST, "functions/src/api.handler"): the Python file the handler
    function is in; `handler` then holds the function's name only."""
    dockerfile: str | None = None
    """Image functions: the Dockerfile that builds the image, when the declaration names it."""
    image: bool = False
    """PackageType Image, DockerImageFunction, Terraform package_type = "Image"."""
    runtime: str | None = None
    """"python3.13" and the like, when given as a literal."""
    architectures: tuple[str, ...] = ()
    """"arm64", "x86_64", as declared."""
    skipped: tuple[str, ...] = ()
    """Values that were not literals and so were left out, each as "Handler: !Ref Name"."""


@dataclass(frozen=True)
class Problem:
    """A declaration file that could not be read, or a declaration that makes no sense: one
    warning, the rest of the workspace is still planned."""

    file: str
    line: int
    message: str

    def line_text(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Read:
    """What one reader found in one file."""

    functions: tuple[Declared, ...] = ()
    problems: tuple[Problem, ...] = ()
