"""Hypothesis strategies shared by the test modules."""

from hypothesis import strategies as st


@st.composite
def graphs(draw, max_n=10):
    """``(n, edges)``: a random raw directed edge list on nodes ``0..n-1`` (n may be 0);
    self-loops, duplicates and both directions of an edge included."""
    n = draw(st.integers(0, max_n))
    if n == 0:
        return 0, []
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    return n, draw(st.lists(pair, max_size=3 * n))
