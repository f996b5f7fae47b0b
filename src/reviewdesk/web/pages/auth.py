"""The login and password pages."""

from __future__ import annotations

from dataclasses import dataclass


def safe_next(target: str | None) -> str:
    """Only same-site paths: `next=//evil.example` or a full URL would make login an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@dataclass
class LoginPage:
    next: str = "/"
    email: str = ""
    error: str | None = None


@dataclass
class PasswordPage:
    error: str | None = None
    changed: bool = False
