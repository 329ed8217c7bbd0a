"""``ppmi review``: read synthesized stacks or a Terraform plan, explain the managed identity
resources in it and flag the changes that break plug-ins.

readers (files -> ``model.Stack``) -> views (identities, credentials, grants, records) -> rules
(risks) -> render (markdown, JSON). Nothing here imports the CDK library: it reads JSON only.
"""
