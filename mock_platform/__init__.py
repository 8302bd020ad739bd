"""A mock Canvas platform (Starlette) that behaves as the source documents say, with fault switches."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import PlatformConfig, create_app


def __getattr__(name: str) -> Any:
    """The app is imported on first use, so that reading the fault list (``mock_platform.faults``) stays cheap."""
    if name in ("PlatformConfig", "create_app"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PlatformConfig", "create_app"]
