"""A mock LTI tool (Starlette): the counterpart the harness uses when testing a platform."""

from .app import ToolConfig, create_app

__all__ = ["ToolConfig", "create_app"]
