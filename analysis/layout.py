"""The questionnaire layout the statistics need: elements (yếu tố), their weights and criteria (tiêu chí).

The statistical core never reads questionnaire files. It takes a ``Layout``:
the criterion ids in order and how they group into weighted elements. The
order of ``Layout.items`` is the order of every per-item array in the
sufficient statistics (``StratumStats``). ``layout_from_questionnaire`` turns a
``forms.Questionnaire`` (or anything shaped like one) into a Layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LayoutElement:
    """One element: its id, its weight in the overall index and its criterion ids."""

    id: str
    weight: float
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """Elements in questionnaire order; the element index is the mean of its criteria.

    ``satisfied_from`` is the lowest answer level counted as satisfied (4 on
    the 1–5 SIPAS scale: "hài lòng" and "rất hài lòng").
    """

    elements: tuple[LayoutElement, ...]
    satisfied_from: int = 4

    def __post_init__(self) -> None:
        if not self.elements:
            raise ValueError("a layout needs at least one element")
        seen: set[str] = set()
        for element in self.elements:
            if not element.criteria:
                raise ValueError(f"element {element.id!r} has no criteria")
            if not element.weight > 0:
                raise ValueError(f"element {element.id!r} needs a positive weight, not {element.weight!r}")
            for item in element.criteria:
                if item in seen:
                    raise ValueError(f"criterion {item!r} appears twice in the layout")
                seen.add(item)
        if len({e.id for e in self.elements}) != len(self.elements):
            raise ValueError("element ids must be distinct")
        if not 2 <= self.satisfied_from <= 5:
            raise ValueError(f"satisfied_from must be a level 2–5, not {self.satisfied_from!r}")

    @classmethod
    def of(cls, elements: Iterable[tuple[str, float, Sequence[str]]], satisfied_from: int = 4) -> Layout:
        """Build from plain tuples: ``Layout.of([("TC", 1.0, ["TC1", "TC2"]), ...])``."""
        return cls(
            tuple(LayoutElement(str(i), float(w), tuple(str(c) for c in crit)) for i, w, crit in elements),
            satisfied_from,
        )

    @property
    def items(self) -> list[str]:
        """Criterion ids in layout order: the order k = 1..K of the statistics."""
        return [c for e in self.elements for c in e.criteria]

    @property
    def K(self) -> int:
        """Number of criteria."""
        return sum(len(e.criteria) for e in self.elements)


def layout_from_questionnaire(questionnaire: Any) -> Layout:
    """Layout of a ``forms.Questionnaire``: its elements, weights, criteria and satisfied level.

    Duck-typed (``.elements`` with ``.id``, ``.weight``, ``.criteria[*].id``;
    optional ``.scale.satisfied_from``) so that ``analysis`` does not depend on ``forms``.
    """
    scale = getattr(questionnaire, "scale", None)
    satisfied_from = int(getattr(scale, "satisfied_from", 4))
    return Layout.of(
        ((e.id, e.weight, [c.id for c in e.criteria]) for e in questionnaire.elements),
        satisfied_from=satisfied_from,
    )
