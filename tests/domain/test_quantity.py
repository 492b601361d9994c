from decimal import Decimal

import pytest

from domain.spec.quantity import QuantityError, parse_quantity, validate_byte_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1Gi", Decimal(2**30)),
        ("512Mi", Decimal(512 * 2**20)),
        ("1.5Gi", Decimal(3 * 2**29)),
        ("1G", Decimal(10**9)),
        ("500m", Decimal("0.5")),
        ("100", Decimal(100)),
        ("1e3", Decimal(1000)),
        ("1E-3", Decimal("0.001")),
        (".5Ki", Decimal(512)),
        ("5.", Decimal(5)),
        ("+2k", Decimal(2000)),
        ("-1", Decimal(-1)),
        ("10n", Decimal("0.00000001")),
    ],
)
def test_parse_quantity_accepts_what_kubernetes_accepts(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text", ["1GB", "1gi", "", "Gi", "1 Gi", "1.2.3", "1Gi2", "1e", "1e3.5", "0x10", "one", "1KiB"]
)
def test_parse_quantity_rejects_what_kubernetes_rejects(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_parse_quantity_rejects_values_beyond_int64() -> None:
    with pytest.raises(QuantityError, match="too large"):
        parse_quantity("9000000000Ei")


@pytest.mark.parametrize("text", ["0", "-1Gi", "500m"])
def test_byte_quantities_must_be_at_least_one_byte(text: str) -> None:
    with pytest.raises(QuantityError):
        validate_byte_quantity(text)


def test_byte_quantity_hint_for_milli_suffix() -> None:
    with pytest.raises(QuantityError, match="did you mean 512Mi"):
        validate_byte_quantity("512m")
