"""The pure core of ppmi: identity strings, configuration and findings.

Nothing here starts Node, imports jsii or touches the network, so validation stays fast
and can run anywhere (editor hooks, pre-commit, CI) before any synthesis.
"""
