"""Redis ACL users of organizations' workers: each reaches only its organization's keys.

Everything a worker of organization N touches carries N: its queues and their health-check
keys (`flowplane:org:N:…`, `domain.dispatch.workflow_queue`), its state key, and arq's keys
of its jobs, whose ids are `exec:N:<execution>:<generation>` (`arq:job:`, `arq:in-progress:`,
`arq:retry:`, `arq:result:`). The one shared key is `arq:abort`, which arq's worker removes
finished jobs from; Flowplane never aborts through arq (cancels go through PostgreSQL), so
what a tenant writes there changes nothing. Commands are an allow-list of what arq's worker
and enqueue use, plus INFO and DBSIZE (arq logs them at start), plus SUBSCRIBE to the channel
of the organization's cancel hints (`domain.cancel_signals`) and to the wake-up channels of its
queues (`domain.dispatch.wake_channel`), and PUBLISH to those wake-up channels only (a
selector); no other channel, no KEYS, SCAN or admin command. The user is (re)declared with
`reset` each time, so its rules are exactly these.
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

# What arq's worker, its health check and `enqueue_job` send (arq 0.28, redis-py 5).
COMMANDS = (
    "ping", "auth", "hello", "client|setinfo", "client|setname", "select", "quit", "info",
    "dbsize",
    "get", "set", "psetex", "setex", "exists", "expire", "pexpire", "del", "incr", "incrby",
    "zadd", "zrem", "zcard", "zscore", "zrange", "zrangebyscore", "zincrby",
    "zremrangebyscore", "watch", "unwatch", "multi", "exec", "discard",
    "subscribe", "unsubscribe",
)
ARQ_PREFIXES = ("arq:job:", "arq:in-progress:", "arq:retry:", "arq:result:")
SHARED_KEYS = ("arq:abort",)


def organization_prefix(organization_id: int) -> str:
    """The prefix of every queue and state key of the organization's workers."""
    return f"flowplane:org:{organization_id}:"


def job_prefix(organization_id: int) -> str:
    return f"exec:{organization_id}:"


def key_patterns(organization_id: int) -> list[str]:
    jobs = job_prefix(organization_id)
    return [f"{organization_prefix(organization_id)}*",
            *(f"{prefix}{jobs}*" for prefix in ARQ_PREFIXES), *SHARED_KEYS]


def acl_rules(organization_id: int, password: str) -> list[str]:
    """The ACL SETUSER rules of the organization's worker user."""
    digest = hashlib.sha256(password.encode()).hexdigest()
    org = organization_prefix(organization_id)
    wakes = f"&{org}wf:*:wake"  # domain.dispatch.wake_channel of the organization's queues
    return ["reset", "on", f"#{digest}", "resetchannels", f"&{org}cancel", wakes,
            # PUBLISH only to its queues' wake-up channels (it enqueues released executions).
            f"(+publish {wakes})",
            *(f"~{pattern}" for pattern in key_patterns(organization_id)),
            *(f"+{command}" for command in COMMANDS)]


async def acl_users(redis_url: str) -> set[str]:
    """The users the server knows now."""
    client: aioredis.Redis = aioredis.from_url(redis_url)  # type: ignore[no-untyped-call]
    try:
        names = await client.execute_command("ACL", "USERS")  # type: ignore[no-untyped-call]
    finally:
        await client.aclose()
    return {name.decode() if isinstance(name, bytes) else str(name) for name in names}


async def ensure_acl_user(redis_url: str, organization_id: int, user: str,
                          password: str) -> None:
    """Declare the user with exactly its rules, as the platform (idempotent)."""
    client: aioredis.Redis = aioredis.from_url(redis_url)  # type: ignore[no-untyped-call]
    try:
        rules = acl_rules(organization_id, password)
        await client.execute_command(  # type: ignore[no-untyped-call]
            "ACL", "SETUSER", user, *rules)
    finally:
        await client.aclose()
