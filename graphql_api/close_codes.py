"""The websocket close codes of Flowplane: one table for every refusal and ending, documented
in docs/websockets.md (keep the two in step).

graphql-transport-ws defines the protocol's own codes (4400 bad message, 4401 subscribe before
`connection_ack`, 4406 subprotocol, 4408 no `connection_init` in time, 4409 duplicate id, 4429
second `connection_init`, 4500 server error); Strawberry sends those. Ours sit in 4100-4199,
apart from the protocol's and from the reference client's own (4004, 4005, 4504), plus the
standard 1009 for a message over the size limit. The reference `graphql-ws` client retries
4100-range closes with backoff (so a client whose `connectionParams` fetches a fresh token
recovers by itself) and gives up on 1009.
"""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    # The token is missing, malformed, unknown or expired (at `connection_init`, or when it
    # expires while connected). A revoked token presented at `connection_init` also gets this.
    INVALID_TOKEN = 4101
    # The connection's token was revoked while connected.
    TOKEN_REVOKED = 4102
    # The user was removed from the organization while connected.
    REMOVED_FROM_ORGANIZATION = 4103
    # `X-Organization-ID` is missing, names no organization, or one the user is not a member
    # of (the two are not told apart), or the token is scoped to another organization.
    UNKNOWN_ORGANIZATION = 4104
    # The user already holds the organization's `max_connections_per_user` in this process.
    TOO_MANY_CONNECTIONS = 4129
    # A message larger than FLOWPLANE_MAX_REQUEST_BYTES, the HTTP body limit (RFC 6455 1009).
    MESSAGE_TOO_LARGE = 1009


REASONS: dict[CloseCode, str] = {
    CloseCode.INVALID_TOKEN: "invalid or expired token",
    CloseCode.TOKEN_REVOKED: "token revoked",
    CloseCode.REMOVED_FROM_ORGANIZATION: "removed from the organization",
    CloseCode.UNKNOWN_ORGANIZATION: "unknown organization",
    CloseCode.TOO_MANY_CONNECTIONS: "too many connections",
    CloseCode.MESSAGE_TOO_LARGE: "message too large",
}
