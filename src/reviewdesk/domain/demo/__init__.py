"""Realistic synthetic traces for `reviewdesk demo`: three LLM apps, their runs and their feedback."""

from reviewdesk.domain.demo.generator import DemoTrace, generate_demo

__all__ = ["DemoTrace", "generate_demo"]
