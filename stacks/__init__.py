"""Render a validated ``validators.model.Config`` into CDK for Terraform stacks.

Only ``stacks.cdk`` imports the CDK library; everything else here goes through it, so switching
between cdktf and its maintained fork cdktn is one environment variable (``PPMI_CDK``).
"""
