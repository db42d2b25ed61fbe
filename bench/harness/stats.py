"""Summaries of repeated measurements: medians with their min-max spread, and ratios."""

import math
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    samples: int


def spread(values):
    values = list(values)
    return Spread(statistics.median(values), min(values), max(values), len(values))


def ratio(value, reference):
    if value is None or not reference:
        return None
    return value / reference


def geomean(values):
    values = [v for v in values if v]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))
