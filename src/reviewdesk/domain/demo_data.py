"""The demo data set's public entry point; the generator lives in `reviewdesk.domain.demo`."""

from reviewdesk.domain.demo import DemoTrace, generate_demo

__all__ = ["DemoTrace", "generate_demo"]
