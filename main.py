"""The CDK for Terraform app: load and validate the config, then synthesize one stack per tenant.

Config: ``$PPMI_CONFIG``, else ``examples/ppmi.yaml``. Output: ``$CDKTF_OUTDIR``, else ``cdktf.out``.
With any error nothing is written: the findings go to stderr and the exit code is 1.
"""

import os
import sys

from ppmi.output import format_findings
from validators.config import load_config
from validators.findings import has_errors


def main() -> int:
    loaded = load_config(os.environ.get("PPMI_CONFIG") or "examples/ppmi.yaml")
    if loaded.findings:
        print(format_findings(loaded.findings), file=sys.stderr)
    if loaded.config is None or has_errors(loaded.findings):
        return 1
    from stacks.synth import synthesize  # the CDK runtime starts only for a valid config

    print(synthesize(loaded.config).describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
