"""A mock LTI tool (Starlette): the counterpart the harness uses when testing a platform."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import ToolConfig, create_app


def __getattr__(name: str) -> Any:
    """The app is imported on first use, so that reading the fault list (``mock_tool.faults``) stays cheap."""
    if name in ("ToolConfig", "create_app"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ToolConfig", "create_app"]
