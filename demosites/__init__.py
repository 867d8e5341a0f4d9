"""Deterministic fictional darknet markets and forums, served on 127.0.0.1, with ground truth.

``DemoWorld.build(seed)`` simulates 26 weeks; ``DemoServer`` serves one week at a time.
"""

from demosites.server import DemoServer
from demosites.world import DemoWorld

__all__ = ["DemoServer", "DemoWorld"]
