"""The ops agent's tools: JSON schemas, believable results for a scenario, and the script a run follows."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reviewdesk.domain.demo.catalog import (
    B2B_ACCOUNTS,
    CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    PRODUCTS,
    WAREHOUSES,
    Product,
    person_email,
    random_order_id,
    random_tracking,
)
from reviewdesk.domain.demo.models import count_tokens

_STRING = {"type": "string"}

# name -> (description, parameters, required)
_TOOL_SPECS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    "search_orders": (
        "Search orders by id, customer email, destination city or status.",
        {
            "order_id": _STRING,
            "customer_email": _STRING,
            "city": _STRING,
            "status": {"type": "string", "enum": ["processing", "in_transit", "delivered", "cancelled"]},
        },
        (),
    ),
    "get_shipment_status": (
        "Live carrier tracking for a tracking number.",
        {"tracking_number": _STRING, "carrier": _STRING},
        ("tracking_number",),
    ),
    "get_weather": (
        "Weather forecast and severe-weather alerts for a city on a date (YYYY-MM-DD).",
        {"city": _STRING, "date": _STRING},
        ("city", "date"),
    ),
    "lookup_customer": (
        "Find a customer account by email or name.",
        {"email": _STRING, "name": _STRING},
        (),
    ),
    "create_ticket": (
        "Open a ticket in the ops desk.",
        {
            "title": _STRING,
            "description": _STRING,
            "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
            "customer_id": _STRING,
        },
        ("title", "priority"),
    ),
    "issue_refund": (
        "Refund part or all of an order to the original payment method.",
        {"order_id": _STRING, "amount": {"type": "number"}, "reason": _STRING},
        ("order_id", "amount", "reason"),
    ),
    "check_inventory": (
        "Stock levels for a SKU, optionally in one warehouse.",
        {"sku": _STRING, "warehouse": _STRING},
        ("sku",),
    ),
    "reschedule_delivery": (
        "Move an order's delivery to another date (YYYY-MM-DD).",
        {"order_id": _STRING, "date": _STRING},
        ("order_id", "date"),
    ),
}


_TOOL_SCHEMAS_JSON = json.dumps(
    [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": description,
                "parameters": {"type": "object", "properties": params, "required": list(required)},
            },
        }
        for name, (description, params, required) in _TOOL_SPECS.items()
    ]
)
TOOL_SCHEMA_TOKENS = count_tokens(_TOOL_SCHEMAS_JSON)


def tool_schemas() -> list[dict[str, Any]]:
    """A fresh copy per call, so no two runs share (and could mutate) the same dicts."""
    return json.loads(_TOOL_SCHEMAS_JSON)


@dataclass(slots=True)
class Scenario:
    """The people, orders and places one agent request is about."""

    today: date
    first_name: str
    last_name: str
    email: str
    customer_id: str
    product: Product
    quantity: int
    order_id: str
    city: str
    country: str
    carrier: str
    tracking: str
    warehouse: str
    account: str
    agent_name: str

    @property
    def customer(self) -> str:
        return f"{self.first_name} {self.last_name}"


def new_scenario(rng: random.Random, today: date) -> Scenario:
    city, country, carrier = rng.choice(CITIES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return Scenario(
        today=today,
        first_name=first,
        last_name=last,
        email=person_email(first, last),
        customer_id=f"cus_{rng.getrandbits(40):010x}",
        product=rng.choice(PRODUCTS),
        quantity=rng.choice((1, 1, 1, 2, 3)),
        order_id=random_order_id(rng),
        city=city,
        country=country,
        carrier=carrier,
        tracking=random_tracking(rng, carrier),
        warehouse=rng.choice(WAREHOUSES),
        account=rng.choice(B2B_ACCOUNTS),
        agent_name=rng.choice(FIRST_NAMES),
    )


def order_record(rng: random.Random, sc: Scenario, status: str) -> dict[str, Any]:
    placed = sc.today - timedelta(days=rng.randrange(1, 12))
    return {
        "order_id": sc.order_id,
        "status": status,
        "customer_email": sc.email,
        "items": [{"sku": sc.product.sku, "name": sc.product.name, "qty": sc.quantity}],
        "total": round(sc.product.price * sc.quantity, 2),
        "currency": "USD" if sc.country == "United States" else "EUR",
        "carrier": sc.carrier,
        "tracking_number": sc.tracking if status != "processing" else None,
        "ship_to": {"city": sc.city, "country": sc.country},
        "placed_at": placed.isoformat(),
    }


def other_order(rng: random.Random, sc: Scenario, status: str) -> dict[str, Any]:
    product = rng.choice(PRODUCTS)
    return {
        "order_id": random_order_id(rng),
        "status": status,
        "items": [{"sku": product.sku, "name": product.name, "qty": 1}],
        "total": product.price,
        "carrier": sc.carrier,
        "tracking_number": random_tracking(rng, sc.carrier),
        "ship_to": {"city": sc.city, "country": sc.country},
    }


def shipment(rng: random.Random, sc: Scenario, delayed: bool) -> dict[str, Any]:
    hubs = {
        "DHL": "Leipzig Hub",
        "UPS": "Louisville Worldport",
        "FedEx": "Memphis Hub",
        "Royal Mail": "Warrington",
    }
    eta = sc.today + timedelta(days=rng.randrange(2, 5) if delayed else rng.randrange(0, 2))
    return {
        "tracking_number": sc.tracking,
        "carrier": sc.carrier,
        "status": "exception" if delayed else "in_transit",
        "last_scan": {
            "location": hubs.get(sc.carrier, f"{sc.city} sorting centre"),
            "time": f"{(sc.today - timedelta(days=1 if delayed else 0)).isoformat()}T{rng.randrange(5, 22):02d}:"
            f"{rng.randrange(60):02d}:00Z",
            "event": "Delayed: held at facility due to volume" if delayed else "Departed facility",
        },
        "estimated_delivery": eta.isoformat(),
    }


_CONDITIONS = (
    ("clear", None),
    ("partly cloudy", None),
    ("light rain", None),
    ("heavy rain", "Yellow warning: heavy rain, possible localised flooding"),
    ("snow", "Amber warning: snow and ice, travel disruption likely"),
    ("thunderstorms", "Severe thunderstorm watch 14:00–22:00"),
    ("strong wind", "Wind advisory: gusts up to 85 km/h"),
)


def weather(rng: random.Random, city: str, day: date, severe: bool) -> dict[str, Any]:
    condition, alert = rng.choice(_CONDITIONS[3:] if severe else _CONDITIONS[:3])
    cold = condition == "snow"
    return {
        "city": city,
        "date": day.isoformat(),
        "condition": condition,
        "temp_c": {"min": rng.randrange(-8, 0) if cold else rng.randrange(2, 14),
                   "max": rng.randrange(0, 3) if cold else rng.randrange(14, 27)},
        "wind_kph": rng.randrange(60, 95) if condition == "strong wind" else rng.randrange(5, 30),
        "precip_mm": round(rng.uniform(8, 40), 1) if severe else round(rng.uniform(0, 3), 1),
        "alerts": [alert] if alert else [],
    }  # fmt: skip


def customer_record(rng: random.Random, sc: Scenario, tier: str) -> dict[str, Any]:
    return {
        "customer_id": sc.customer_id,
        "name": sc.customer,
        "email": sc.email,
        "tier": tier,
        "country": sc.country,
        "lifetime_value": round(
            rng.uniform(80, 2400) if tier != "business" else rng.uniform(20_000, 250_000), 2
        ),
        "open_tickets": rng.choice((0, 0, 0, 1, 2)),
        "customer_since": (sc.today - timedelta(days=rng.randrange(30, 2000))).isoformat(),
    }


def lookalike_customer(rng: random.Random, sc: Scenario) -> dict[str, Any]:
    first = sc.first_name
    last = rng.choice(LAST_NAMES)
    return {
        "customer_id": f"cus_{rng.getrandbits(40):010x}",
        "name": f"{first} {last}",
        "email": person_email(first, last),
    }


def ticket(rng: random.Random, team: str) -> dict[str, Any]:
    number = rng.randrange(10_000, 99_999)
    return {
        "ticket_id": f"OPS-{number}",
        "status": "open",
        "assigned_team": team,
        "url": f"https://desk.lumio.example/tickets/OPS-{number}",
    }


def inventory(rng: random.Random, sc: Scenario, in_stock: bool) -> dict[str, Any]:
    names = [sc.warehouse, *rng.sample([name for name in WAREHOUSES if name != sc.warehouse], 2)]
    rows = []
    for name in names:
        available = rng.randrange(12, 900) if in_stock or name != sc.warehouse else 0
        restock = None if available else (sc.today + timedelta(days=rng.randrange(5, 30))).isoformat()
        rows.append(
            {
                "warehouse": name,
                "available": available,
                "reserved": rng.randrange(0, 40),
                "next_restock": restock,
            }
        )
    return {"sku": sc.product.sku, "name": sc.product.name, "warehouses": rows}


@dataclass(slots=True)
class ToolCall:
    name: str
    args: dict[str, Any]
    result: Any


@dataclass(slots=True)
class AgentScript:
    request: str
    rounds: list[list[ToolCall]]
    answer: str
    # The round that changes something (a ticket, a refund); an agent that skips it but claims it is the
    # classic hallucination reviewers should catch.
    action_round: int | None = None
    weak_answer: str | None = None
