"""Tools around a run that read a network without changing it.

- :func:`~monnto.analysis.visualize_module.visualize_module`: a flow chart of
  a group's behaviours with the variables each reads and writes (paper Fig. 4).

Submodules are imported on use; importing this package loads neither
matplotlib nor Qt.
"""
