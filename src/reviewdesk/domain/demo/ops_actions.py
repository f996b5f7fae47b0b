"""Ops requests where the agent changes something: tickets, refunds, reschedules."""

from __future__ import annotations

import random
from datetime import timedelta

from reviewdesk.domain.demo.ops_tools import (
    AgentScript,
    Scenario,
    ToolCall,
    order_record,
    other_order,
    ticket,
    weather,
)


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def storm_orders(rng: random.Random, sc: Scenario) -> AgentScript:
    tomorrow = (sc.today + timedelta(days=1)).isoformat()
    forecast = weather(rng, sc.city, sc.today + timedelta(days=1), severe=True)
    orders = [other_order(rng, sc, "in_transit") for _ in range(rng.randrange(2, 6))]
    created = ticket(rng, "Logistics")
    ids = ", ".join(order["order_id"] for order in orders)
    title = f"Weather risk: {len(orders)} shipments to {sc.city} on {tomorrow}"
    description = f"{forecast['alerts'][0]}. Affected orders: {ids}. Consider holding at depot."
    return AgentScript(
        request=f"Which in-transit orders to {sc.city} could be hit by tomorrow's storm? Open a ticket for "
        "logistics if needed.",
        rounds=[
            [ToolCall("get_weather", {"city": sc.city, "date": tomorrow}, forecast)],
            [
                ToolCall(
                    "search_orders",
                    {"city": sc.city, "status": "in_transit"},
                    {"orders": orders, "count": len(orders)},
                )
            ],
            [
                ToolCall(
                    "create_ticket",
                    {"title": title, "description": description, "priority": "high"},
                    created,
                )
            ],
        ],
        answer=(
            f"Forecast for {sc.city} on {tomorrow}: **{forecast['condition']}** — {forecast['alerts'][0]}.\n\n"
            f"{len(orders)} orders in transit could be affected: {ids}.\n\nI opened "
            f"**{created['ticket_id']}** (high priority) for the logistics team: {created['url']}"
        ),
        action_round=2,
    )


def damaged_ticket(rng: random.Random, sc: Scenario) -> AgentScript:
    order = order_record(rng, sc, "delivered")
    created = ticket(rng, "Fulfilment")
    return AgentScript(
        request=rng.choice(
            (
                f"{sc.customer} says their {sc.product.name} arrived broken (order {sc.order_id}). Please open "
                "a ticket and get a replacement going.",
                f"damaged on arrival: {sc.order_id}, customer sent photos. ticket pls",
            )
        ),
        rounds=[
            [ToolCall("search_orders", {"order_id": sc.order_id}, {"orders": [order], "count": 1})],
            [
                ToolCall(
                    "create_ticket",
                    {
                        "title": f"Damaged on arrival: {sc.product.name} ({sc.order_id})",
                        "description": f"Customer {sc.customer} reports the item arrived broken. Photos received. "
                        "Ship replacement.",
                        "priority": "high",
                        "customer_id": sc.customer_id,
                    },
                    created,
                )
            ],
        ],
        answer=(
            f"Done — I opened **{created['ticket_id']}** (high priority, Fulfilment) for the damaged "
            f"{sc.product.name} on order {sc.order_id}. A replacement ships within 2 business days; the "
            "customer doesn't need to return the broken unit unless we send a label."
        ),
        action_round=1,
    )


def refund(rng: random.Random, sc: Scenario) -> AgentScript:
    order = order_record(rng, sc, "delivered")
    amount = round(order["total"] * rng.choice((0.1, 0.15, 0.2)), 2)
    expected = (sc.today + timedelta(days=5)).isoformat()
    result = {
        "refund_id": f"re_{rng.getrandbits(64):016x}",
        "status": "pending",
        "amount": amount,
        "currency": order["currency"],
        "expected_by": expected,
    }
    return AgentScript(
        request=rng.choice(
            (
                f"Refund {amount:.2f} on {sc.order_id}, it arrived 6 days late",
                f"please issue a partial refund of {amount:.2f} for order {sc.order_id} — late delivery",
            )
        ),
        rounds=[
            [ToolCall("search_orders", {"order_id": sc.order_id}, {"orders": [order], "count": 1})],
            [
                ToolCall(
                    "issue_refund",
                    {"order_id": sc.order_id, "amount": amount, "reason": "late delivery"},
                    result,
                )
            ],
        ],
        answer=(
            f"Refund `{result['refund_id']}` for {_money(amount, order['currency'])} on {sc.order_id} is "
            f"pending and should reach the customer's original payment method by {expected}."
        ),
        action_round=1,
    )


def reschedule(rng: random.Random, sc: Scenario) -> AgentScript:
    order = order_record(rng, sc, "in_transit")
    new_date = sc.today + timedelta(days=rng.randrange(3, 7))
    result = {
        "order_id": sc.order_id,
        "new_delivery_date": new_date.isoformat(),
        "status": "scheduled",
        "carrier_reference": f"RS{rng.randrange(10**7, 10**8)}",
    }
    return AgentScript(
        request=f"Customer for {sc.order_id} won't be home until {new_date.strftime('%A')}, can you move the "
        f"delivery to {new_date.isoformat()}?",
        rounds=[
            [ToolCall("search_orders", {"order_id": sc.order_id}, {"orders": [order], "count": 1})],
            [
                ToolCall(
                    "reschedule_delivery", {"order_id": sc.order_id, "date": new_date.isoformat()}, result
                )
            ],
        ],
        answer=(
            f"Rescheduled: {sc.carrier} will now deliver {sc.order_id} on **{new_date.strftime('%A %d %B')}** "
            f"(reference {result['carrier_reference']})."
        ),
        action_round=1,
    )


def outage_incident(rng: random.Random, sc: Scenario) -> AgentScript:
    created = ticket(rng, "Platform on-call")
    count = rng.randrange(4, 30)
    return AgentScript(
        request=f"{count} customers report the Nova camera app shows 'device offline' since this morning. "
        "Open an urgent incident.",
        rounds=[
            [
                ToolCall(
                    "create_ticket",
                    {
                        "title": "Nova cameras showing 'device offline' in app",
                        "description": f"{count} customer reports since this morning, several regions.",
                        "priority": "urgent",
                    },
                    created,
                )
            ]
        ],
        answer=f"Urgent incident **{created['ticket_id']}** is open and paged to Platform on-call: {created['url']}",
        action_round=0,
    )
