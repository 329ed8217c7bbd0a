"""One module per ``ppmi`` command: ``HELP``, ``add_arguments(parser)`` and ``run(args) -> CommandResult``.

Modules are imported only when their command runs, so ``ppmi validate`` never pays for the
Azure SDK or the CDK runtime.
"""
