"""Lean, hand-written provider wrappers: one typed class per Terraform type ppmi emits.

The prebuilt provider packages carry every resource of a provider (azurerm: about 1,000) and make a
synth cost seconds and hundreds of MiB; these classes declare only what ppmi uses. Attribute names are
Terraform's, verbatim; ``tests/test_conformance.py`` checks them against the provider schemas.
"""
