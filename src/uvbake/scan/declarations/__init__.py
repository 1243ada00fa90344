"""Readers of the files where Lambda projects declare their functions (SAM and CloudFormation
templates, Serverless, CDK in Python and TypeScript, SST, Terraform, a function's own
Dockerfile). Each reader parses, never runs, the file it is given."""
