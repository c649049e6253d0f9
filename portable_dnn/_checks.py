"""The package's checks of scalar settings: positive numbers, fractions, counts and flags, each
refused with a ``TypeError`` or ``ValueError`` that names the setting."""

from __future__ import annotations

import math
import numbers


def check_positive(value: object, name: str) -> float:
    """``value`` as a positive finite float (a learning rate, an epsilon), else
    ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a positive number, got {type(value).__name__}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name}: expected a positive finite number, got {value!r}")
    return number


def check_fraction(value: object, name: str, *, low_open: bool = False, high_open: bool = True) -> float:
    """``value`` as a float in [0, 1) (``low_open``: (0, ...; ``high_open=False``: ..., 1]),
    else ``TypeError``/``ValueError`` naming ``name``."""
    interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number in {interval}, got {type(value).__name__}")
    number = float(value)
    too_low = number <= 0 if low_open else number < 0
    too_high = number >= 1 if high_open else number > 1
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{name}: expected a number in {interval}, got {value!r}")
    return number


def check_non_negative(value: object, name: str) -> float:
    """``value`` as a finite float >= 0, else ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a non-negative number, got {type(value).__name__}")
    number = float(value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name}: expected a non-negative finite number, got {value!r}")
    return number


def check_count(value: object, name: str, minimum: int = 0) -> int:
    """``value`` as an int of at least ``minimum``, else ``TypeError``/``ValueError`` naming ``name``."""
    wanted = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected {wanted}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected {wanted}, got {value}")
    return int(value)


def check_flag(value: object, name: str) -> bool:
    """``value``: True or False, else ``TypeError`` naming it."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return value
