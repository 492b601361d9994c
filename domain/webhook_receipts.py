"""Deliveries a webhook has accepted, remembered to refuse them when they come again.

`claim_receipt` inserts (organization, source, key) once: the first caller gets True, every
later or concurrent one False (the unique constraint decides, not a read before the write).
Receipts older than their window are pruned by the same call, on the database clock.
"""

from __future__ import annotations

from domain._sql import fetch, fetch_one


async def claim_receipt(organization_id: int, source: str, key: str,
                        keep_seconds: float) -> bool:
    """Record the delivery; False when it was recorded before (within `keep_seconds`)."""
    await fetch(
        "DELETE FROM webhook_receipt WHERE organization = $1 AND source = $2"
        " AND received_at < clock_timestamp() - make_interval(secs => $3)",
        organization_id, source, float(keep_seconds))
    row = await fetch_one(
        "INSERT INTO webhook_receipt (organization, source, key, received_at)"
        " VALUES ($1, $2, $3, clock_timestamp())"
        " ON CONFLICT ON CONSTRAINT webhook_receipt_unique DO NOTHING RETURNING id",
        organization_id, source, key[:128])
    return row is not None
