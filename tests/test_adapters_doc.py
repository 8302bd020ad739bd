"""README's "Adapters" section lists the adapter interface by hand: its two lists must name exactly the
methods of ``Adapter`` (the admin actions) and ``MockControls`` (the mock-only controls), in order; the
built-in adapters offer both, and a missing control ends its check not applicable."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from lti_harness.harness import adapters, results
from lti_harness.harness.adapters import Adapter, AdapterControls, CanvasAdapter, MockControls, NoAdapter, NotSupported

README = Path(__file__).resolve().parents[1] / "README.md"
LISTS = {Adapter: "admin actions (`Adapter`)", MockControls: "mock-only controls (`MockControls`)"}


def methods(protocol: type) -> list[str]:
    """The public methods a protocol declares, in the order of its source."""
    return [name for name, value in vars(protocol).items() if inspect.isfunction(value) and not name.startswith("_")]


def readme_list(lead: str) -> list[str]:
    """The ``name()`` items of the README bullet that starts with ``lead`` in the "Adapters" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Adapters\n", 1)[1].split("\n## ", 1)[0]
    bullets = re.split(r"\n- ", section)
    found = [b for b in bullets if b.startswith(lead)]
    assert len(found) == 1, f"README's Adapters section has no single bullet starting {lead!r}"
    return re.findall(r"`(\w+)\(\)`", found[0])


@pytest.mark.parametrize("protocol", list(LISTS), ids=lambda p: p.__name__)
def test_readme_lists_the_protocol(protocol):
    assert readme_list(LISTS[protocol]) == methods(protocol)


def test_the_two_parts_do_not_overlap():
    assert not set(methods(Adapter)) & set(methods(MockControls))


def test_the_canvas_adapter_implements_both():
    for name in methods(Adapter) + methods(MockControls):
        assert callable(getattr(CanvasAdapter, name, None)), name


class _VendorAdapter:
    """An adapter written for another platform: the admin actions only."""

    name = "vendor"


def test_a_missing_control_is_not_applicable():
    controls = AdapterControls(_VendorAdapter())
    assert controls.is_mock() is False
    for call in (controls.expired_registration_token, lambda: controls.fill_throttle(5),
                 lambda: controls.lti11_sourcedid("1", "2", "3", "4")):
        with pytest.raises(NotSupported, match="'vendor' cannot") as caught:
            call()
        assert results.classify(caught.value) == results.NOT_APPLICABLE


def test_a_missing_admin_action_is_not_applicable(tmp_path, monkeypatch):
    """A vendor's adapter that lacks an admin action: the check needing it ends not applicable, never failed;
    what the class has is used as it is."""
    (tmp_path / "vendor_adapter.py").write_text(
        "class Partial:\n    name = 'partial'\n    def __init__(self, target, client):\n        pass\n"
        "    def feature_flag(self, feature):\n        return 'on'\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    target = type("Target", (), {"adapter": "vendor_adapter:Partial"})()
    adapter = adapters.load_adapter(target, None)  # type: ignore[arg-type]
    assert adapter.feature_flag("x") == "on"
    with pytest.raises(NotSupported, match="'partial' has no create_course") as caught:
        adapter.create_course("Course")
    assert results.classify(caught.value) == results.NOT_APPLICABLE
    with pytest.raises(AttributeError):
        adapter.no_such_action
    assert AdapterControls(adapter).is_mock() is False


def test_no_adapter_refuses_every_control():
    controls = AdapterControls(NoAdapter(None, None))  # type: ignore[arg-type]
    assert controls.is_mock() is False
    with pytest.raises(NotSupported, match="adapter is 'none'"):
        controls.fill_throttle(5)


def test_the_routes_of_the_controls_are_the_mocks():
    assert {k for k, v in adapters.CANVAS_ROUTES.items() if v.startswith("/_mock/")} == {k for k in adapters.CANVAS_ROUTES if k.startswith("mock_")}
