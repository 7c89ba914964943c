"""VertexPool: one object and one number per exact vertex, looked up by float guide, decided exactly."""

from __future__ import annotations

from exactrelu.engines.vertex_pool import VertexPool
from exactrelu.geometry.predicates import float_points


def test_vertices_with_equal_float_guides_stay_apart_and_equal_ones_merge():
    big = 10**30
    a, b, c = (big, 1, 0), (big + 1, 1, 0), (big, 2, 0)  # a and b: distinct, the same float guide
    assert (float_points([a]) == float_points([b])).all() and a != b
    pool = VertexPool()
    first = [a, b, c]
    entries = pool.share(first, float_points(first))
    numbers = [e[2] for e in entries]
    assert len(set(numbers)) == 3
    again = [tuple(int(str(x)) for x in v) for v in (b, c, a)]  # equal values, other objects
    entries2 = pool.share(again, float_points(again))
    assert [e[2] for e in entries2] == [numbers[1], numbers[2], numbers[0]]
    assert again[0] is first[1] and again[1] is first[2] and again[2] is first[0]  # one object per value
    pool.release(entries)
    pool.release(entries2)
    assert not pool.kept and not pool.collided
    # a value whose guide's first holder was dropped is still found by its exact coordinates
    entries = pool.share([a, b], float_points([a, b]))
    pool.release(entries[:1])  # as if the cell holding a alone were dropped
    entry = pool.share([b], float_points([b]))[0]
    assert entry is entries[1] and entry[1] == 2
