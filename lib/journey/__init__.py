"""Journey Lab's helper library: journeys, experiments and customer feedback.

Submodules are imported on demand (``from journey import funnels``) so that importing
``journey`` stays fast in notebooks and worker processes.
"""

__version__ = "0.1.0"
