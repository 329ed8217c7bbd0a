"""``ppmi verify``: read live Azure and Dataverse state and compare it, item by item, with the config.

``clients`` authenticates with azure-identity and reads through azure-core pipelines (GET only),
``checks`` walks the validated ``Config`` and turns each comparison into a ``Check``, ``report``
renders the checks and picks the exit code.
"""
