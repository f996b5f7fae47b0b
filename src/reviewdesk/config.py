"""Settings: the only reader of REVIEWDESK_* environment variables and CLI flags."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DATA_DIR = Path("reviewdesk-data")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8700
    max_body_bytes: int = 20 * 1024 * 1024
    secret_key: str = ""
    init_admin_email: str | None = None
    init_admin_password: str | None = None
    init_api_key: str | None = None
    run_migrations: bool = True
    webhooks_enabled: bool = True
    webhook_poll_seconds: float = 1.0
    table_maintenance: bool = True  # PostgreSQL: VACUUM/ANALYZE of our tables (store/pg_maintenance.py)
    query_timeout_s: float = 10.0  # a request's transaction is stopped past this (store/database.py)
    # A web session unused this long ends (it also ends 12 hours after login, whatever its use).
    session_idle_minutes: int = 60
    # Proxies whose X-Forwarded-For names the client (login throttling, the sessions list); none by default.
    trusted_proxies: tuple[IPNetwork, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    # Outbound calls to non-public addresses: "" (none), "true" (all but cloud metadata) or a comma
    # list of networks; read by domain/destinations.py's parse_policy for every outbound call.
    allow_private_destinations: str = ""
    # Off: outbound destinations must be IP literals (or localhost); no name is ever looked up, for
    # air-gapped sites and for the API fuzz run, whose random URLs must not send DNS queries.
    resolve_hostnames: bool = True
    # An egress allowlist (comma list of networks): when set, nothing outside it is ever sent to.
    outbound_only_to: str = ""
    # The evaluator job worker thread in `serve` (off when `reviewdesk worker` runs them separately).
    evaluator_worker: bool = True
    evaluator_poll_seconds: float = 1.0
    # How long a claimed job is a worker's before another may take it (its worker died or hung).
    evaluator_lease_seconds: float = 300.0

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'reviewdesk.db').resolve()}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("REVIEWDESK_DATA_DIR", str(DEFAULT_DATA_DIR)))
        return cls(
            database_url=env.get("REVIEWDESK_DB", ""),
            data_dir=data_dir,
            host=env.get("REVIEWDESK_HOST", "127.0.0.1"),
            port=int(env.get("REVIEWDESK_PORT", "8700")),
            max_body_bytes=int(env.get("REVIEWDESK_MAX_BODY_BYTES", str(20 * 1024 * 1024))),
            secret_key=env.get("REVIEWDESK_SECRET_KEY", ""),
            init_admin_email=env.get("REVIEWDESK_INIT_ADMIN_EMAIL") or None,
            init_admin_password=env.get("REVIEWDESK_INIT_ADMIN_PASSWORD") or None,
            init_api_key=env.get("REVIEWDESK_INIT_API_KEY") or None,
            webhooks_enabled=_switched_on(env, "REVIEWDESK_WEBHOOKS"),
            webhook_poll_seconds=float(env.get("REVIEWDESK_WEBHOOK_POLL_SECONDS", "1.0")),
            table_maintenance=_switched_on(env, "REVIEWDESK_PG_MAINTENANCE"),
            query_timeout_s=float(env.get("REVIEWDESK_QUERY_TIMEOUT_S", "10")),
            allow_private_destinations=env.get("REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS", ""),
            resolve_hostnames=_switched_on(env, "REVIEWDESK_RESOLVE_HOSTNAMES"),
            outbound_only_to=env.get("REVIEWDESK_OUTBOUND_ONLY_TO", ""),
            session_idle_minutes=int(env.get("REVIEWDESK_SESSION_IDLE_MINUTES", "60")),
            trusted_proxies=parse_networks(env.get("REVIEWDESK_TRUSTED_PROXIES", "")),
            evaluator_worker=_switched_on(env, "REVIEWDESK_EVALUATOR_WORKER"),
            evaluator_poll_seconds=float(env.get("REVIEWDESK_EVALUATOR_POLL_SECONDS", "1.0")),
            evaluator_lease_seconds=float(env.get("REVIEWDESK_EVALUATOR_LEASE_SECONDS", "300")),
        )


def _switched_on(env: Mapping[str, str], name: str) -> bool:
    """An on/off variable, on unless set to off, 0 or false."""
    return env.get(name, "on").lower() not in ("off", "0", "false")


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """A comma- or space-separated list of networks (`10.0.0.0/8, 192.0.2.7`); a bad one stops the start."""
    networks = []
    for part in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"REVIEWDESK_TRUSTED_PROXIES: {part!r} is not a network or address") from None
    return tuple(networks)
