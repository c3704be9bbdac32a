"""Every construction by name, in the order `badminima list` and `reproduce` show them."""

from __future__ import annotations

from badminima.constructions import relu_blind_spots, saturated, sigmoid_deadlock, small_sets
from badminima.constructions.family import Construction, ConstructionError

REGISTRY: dict[str, Construction] = {
    c.name: c
    for c in (
        *sigmoid_deadlock.CONSTRUCTIONS,
        *relu_blind_spots.CONSTRUCTIONS,
        *saturated.CONSTRUCTIONS,
        *small_sets.CONSTRUCTIONS,
    )
}


def construction(name: str) -> Construction:
    """The construction called ``name``.

    Raises:
        ConstructionError: no such construction (the message lists them).
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConstructionError(
            f"no construction {name!r}; expected one of: {', '.join(REGISTRY)} (see `badminima list`)"
        ) from None
