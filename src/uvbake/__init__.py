"""uvbake: one docker-bake.hcl for every AWS Lambda service of a uv workspace."""

__version__ = "0.1.0"
