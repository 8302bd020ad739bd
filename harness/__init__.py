"""LTI 1.3 conformance harness: the engine behind the CLI and the pytest plugin."""

__version__ = "0.1.0"
