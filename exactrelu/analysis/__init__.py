"""Free functions over regions and their adjacency: the graph, linear pieces, continuity."""
