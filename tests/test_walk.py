"""The enumeration state travels: pickled in the middle of a run, finished in another process, it
gives the identical partition (what multi-core runs, Dask and checkpoints stand on)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from exactrelu import Domain, partition
from exactrelu.engines.forms import IntegerNetwork
from exactrelu.engines.run import assemble, make_engine, with_facets
from exactrelu.engines.walk import start, step

from example_nets import EXAMPLES, by_name

FINISH_ELSEWHERE = """
import pickle, sys
from exactrelu.engines.walk import step
state, inet, strategy = pickle.load(sys.stdin.buffer)
found = []
while not state.done:
    found.extend(step(state, inet, strategy))
pickle.dump(found, sys.stdout.buffer)
"""


def finish_in_another_process(state, inet, strategy) -> list:
    done = subprocess.run([sys.executable, "-c", FINISH_ELSEWHERE], input=pickle.dumps((state, inet, strategy)),
                          capture_output=True, check=True, timeout=120)
    return pickle.loads(done.stdout)


@pytest.mark.parametrize("engine", ["dd", "lp"])
@pytest.mark.parametrize("name", ["zero_on_half", "leaky", "repeat_deep", "random6_2d_3x3x3",
                                  "random10_3d_2x2x2"])
def test_a_state_pickled_mid_run_finishes_elsewhere_with_the_identical_partition(engine, name):
    ex = by_name(name)
    domain = Domain.box(ex.box)
    whole = partition(ex.net, domain, engine=engine)
    assert len(whole.regions) >= 3
    inet = IntegerNetwork.of(ex.net)
    strategy = make_engine(domain, engine)
    state, found = start(inet, strategy)
    while len(state.tasks) > 1 and len(found) < len(whole.regions) // 3:
        found.extend(step(state, inet, strategy))
    assert not state.done  # really in the middle
    found += finish_in_another_process(state, inet, strategy)
    result = assemble([with_facets(raw, strategy) for raw in found], strategy)
    assert result.complete
    assert result.regions == whole.regions
    assert result.adjacencies == whole.adjacencies


def test_partitions_compare_by_content_and_pickle():
    ex = by_name("concurrent4")
    first, second = partition(ex.net, ex.box), partition(ex.net, ex.box)
    assert first == second  # timing takes no part
    assert pickle.loads(pickle.dumps(first)) == first
    assert first != partition(ex.net, [(0, 1), (0, "1/2")])
