"""The change plan: what a deployment would add, update, replace or delete, and the rule that
refuses to replace or delete what holds data or identity unless the configuration allows it.

Its own layer beside the CDK app: it reads cloud assemblies and templates (JSON), the
CloudFormation provider schemas cfn-lint ships, and the mesh configuration; it never imports
aws_cdk.
"""
