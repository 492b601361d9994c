"""Annotated field types shared by the spec models: names, quantities, cron, timezones."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from packaging.requirements import InvalidRequirement, Requirement
from pydantic import AfterValidator, ConfigDict, Field

from domain.spec.quantity import validate_byte_quantity

MODEL_CONFIG = ConfigDict(
    extra="forbid",
    frozen=True,
    strict=True,
    populate_by_name=True,
    # Field names are snake_case in Python and camelCase in YAML / GraphQL.
    alias_generator=lambda name: re.sub(r"_([a-z])", lambda m: m[1].upper(), name),
)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_NODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Kubernetes label values (apimachinery's IsValidLabelValue): empty is valid there, not here.
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")  # a Kubernetes Secret's data key


def dns_label(value: str) -> str:
    if len(value) > 63 or not _DNS_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label (lowercase letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters)"
        )
    return value


def _node_id(value: str) -> str:
    if len(value) > 63 or not _NODE_ID.match(value):
        raise ValueError(
            f"{value!r} is not a valid node id (letters, digits, '_' and '-', "
            "starting with a letter or '_', at most 63 characters)"
        )
    return value


def _label_value(value: str) -> str:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise ValueError(
            f"{value!r} is not a Kubernetes label value (letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit, at most 63 characters)"
        )
    return value


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not a valid environment variable name")
    return value


def _secret_key(value: str) -> str:
    # Also a file name under FLOWPLANE_SECRETS_DIR (deprecated form): never a path.
    if not _SECRET_KEY.match(value) or value in (".", ".."):
        raise ValueError(f"{value!r} is not a Secret key (letters, digits, '-', '_', '.')")
    return value


def _cron(value: str) -> str:
    if not croniter.is_valid(value):
        raise ValueError(f"{value!r} is not a valid cron expression")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known IANA timezone") from None
    return value


DnsLabel = Annotated[
    str,
    AfterValidator(dns_label),
    Field(json_schema_extra={"pattern": _DNS_LABEL.pattern, "maxLength": 63}),
]
NodeId = Annotated[
    str,
    AfterValidator(_node_id),
    Field(json_schema_extra={"pattern": _NODE_ID.pattern, "maxLength": 63}),
]
LabelValue = Annotated[
    str,
    AfterValidator(_label_value),
    Field(json_schema_extra={"pattern": _LABEL_VALUE.pattern, "maxLength": 63}),
]
EnvName = Annotated[str, AfterValidator(_env_name)]
SecretKey = Annotated[str, AfterValidator(_secret_key)]
Cron = Annotated[str, AfterValidator(_cron)]
Timezone = Annotated[str, AfterValidator(_timezone)]
ByteQuantity = Annotated[str, AfterValidator(validate_byte_quantity)]
NonEmpty = Annotated[str, Field(min_length=1)]


_PYTHON_VERSION = re.compile(r"^3\.[0-9]{1,2}$")


def _python_package(value: str) -> str:
    """A PEP 508 requirement from an index: a name, extras, a version specifier, a marker; no
    URL (a direct reference would bypass the index and the wheels-only rule) and no option."""
    if len(value) > 200:
        raise ValueError(f"{value[:40]!r}... is longer than 200 characters")
    try:
        requirement = Requirement(value)
    except InvalidRequirement as error:
        raise ValueError(f"{value!r} is not a package requirement (PEP 508): {error}") from None
    if requirement.url:
        raise ValueError(f"{value!r} names a URL: packages come from the package index only")
    return value


def _python_version(value: str) -> str:
    if not _PYTHON_VERSION.match(value):
        raise ValueError(f"{value!r} is not a Python version such as \"3.11\"")
    return value


PythonPackage = Annotated[str, AfterValidator(_python_package)]
PythonVersion = Annotated[str, AfterValidator(_python_version)]
