"""ppmi: infrastructure as code for Power Platform managed identity."""

__version__ = "0.1.0"
