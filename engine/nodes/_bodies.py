"""Reading a response body under a size cap without ever holding more than the cap."""

from __future__ import annotations

import httpx

from engine.errors import PermanentError


async def read_capped(response: httpx.Response, limit: int, what: str, truncate: bool,
                      cap_name: str = "maxResponseBytes") -> tuple[bytearray, bool]:
    """At most `limit` bytes of the (decoded) body, and whether more were sent; without
    `truncate` a larger body raises PermanentError naming `cap_name`."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise PermanentError(f"{what}: the response of {declared} bytes is larger than "
                             f"{cap_name} {limit}")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        room = limit - len(body)
        if len(chunk) > room:
            if not truncate:
                raise PermanentError(f"{what}: the response is larger than {cap_name} "
                                     f"{limit}")
            body += memoryview(chunk)[:room]
            return body, True
        body += chunk
    return body, False
