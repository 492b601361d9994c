"""Envelope encryption of the secret store (pure: bytes in, bytes out).

The master key (FLOWPLANE_SECRET_KEY, 32 random bytes in URL-safe base64) only wraps each
organization's data key; the data key encrypts that organization's secret values. Everything
is AES-256-GCM with a fresh 96-bit nonce, stored as `nonce || ciphertext+tag`. The associated
data binds a wrapped key to its organization and a value to (organization, secret name), so a
ciphertext copied to another row or organization does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import DomainError

KEY_BYTES = 32
_NONCE_BYTES = 12


class SecretKeyError(DomainError):
    """A master key that is missing or malformed, or that does not open what it is given (an
    operator's mistake: clients see an unexpected error, the CLI this message)."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def encode_key(key: bytes) -> str:
    """The text form of a master key (what FLOWPLANE_SECRET_KEY holds)."""
    return base64.urlsafe_b64encode(key).decode()


def parse_key(text: str, source: str = "FLOWPLANE_SECRET_KEY") -> bytes:
    """The master key from its text form; SecretKeyError saying what is wrong with it."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raise SecretKeyError(f"{source} is not URL-safe base64 (generate one with "
                        "`flowplane secret new-key`)") from None
    if len(key) != KEY_BYTES:
        raise SecretKeyError(f"{source} must decode to {KEY_BYTES} bytes, not {len(key)} "
                        "(generate one with `flowplane secret new-key`)")
    return key


def derive_key(material: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (HMAC-SHA256 of a label under `material`): it reveals
    nothing of `material`, nor of the keys of other purposes."""
    return hmac.new(material, f"flowplane/derived/v1/{purpose}".encode(), hashlib.sha256).digest()


def _key_context(organization_id: int) -> bytes:
    return f"flowplane/data-key/v1/{organization_id}".encode()


def _value_context(organization_id: int, name: str) -> bytes:
    return f"flowplane/secret/v1/{organization_id}/{name}".encode()


def _seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def _open(key: bytes, sealed: bytes, context: bytes) -> bytes | None:
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        return None


# Text sealed by `seal_text` starts with this (what `tenant_credential` holds, for example):
# a value without it is one stored before it was sealed. The format is also written by the
# migration that sealed existing rows (db/migrations/flowplane_2026_12_04t15_00_00_000000.py).
SEALED_TEXT = "fpenc1:"


def seal_text(key: bytes, text: str, context: str) -> str:
    """`text` encrypted under `key`, bound to `context`, as printable text."""
    sealed = _seal(key, text.encode(), context.encode())
    return SEALED_TEXT + base64.urlsafe_b64encode(sealed).decode()


def open_text(key: bytes, sealed: str, context: str) -> str:
    """The inverse of `seal_text`; SecretKeyError when `key` or `context` do not fit."""
    try:
        raw = base64.urlsafe_b64decode(sealed.removeprefix(SEALED_TEXT).encode())
    except (binascii.Error, ValueError):
        raw = b""
    value = _open(key, raw, context.encode())
    if value is None:
        raise SecretKeyError(f"{context} does not decrypt with the master key: "
                             "FLOWPLANE_SECRET_KEY is not the key it was stored with")
    return value.decode()


def wrap_data_key(master: bytes, organization_id: int, data_key: bytes) -> bytes:
    return _seal(master, data_key, _key_context(organization_id))


def unwrap_data_key(master: bytes, organization_id: int, wrapped: bytes) -> bytes:
    key = _open(master, wrapped, _key_context(organization_id))
    if key is None:
        raise SecretKeyError(f"the master key does not open organization {organization_id}'s data "
                        "key: FLOWPLANE_SECRET_KEY is not the key its secrets were stored with")
    return key


def encrypt_value(data_key: bytes, organization_id: int, name: str, value: str) -> bytes:
    return _seal(data_key, value.encode(), _value_context(organization_id, name))


def decrypt_value(data_key: bytes, organization_id: int, name: str, sealed: bytes) -> str:
    value = _open(data_key, sealed, _value_context(organization_id, name))
    if value is None:
        raise SecretKeyError(f"secret {name!r} of organization {organization_id} does not decrypt "
                        "with its organization's data key (tampered or moved)")
    return value.decode()
