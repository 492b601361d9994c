"""The Relay `Node` interface: every object with an identity has a global `id` (see ids.py)
and can be fetched again with `node(id:)`."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global id, unique across types; fetch it "
                      "again with `node(id:)`.")
class Node:
    id: strawberry.ID
