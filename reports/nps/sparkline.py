"""Sparklines: tiny inline SVG polylines of numbers (no text, no matplotlib), safe to inline."""

from __future__ import annotations

from collections.abc import Sequence


def sparkline(values: Sequence[float], width: int = 110, height: int = 22) -> str:
    """A tiny inline SVG polyline of numbers only (no text), safe to inline in HTML."""
    if not values:
        return ""
    top = max(values) or 1.0
    step = width / max(len(values) - 1, 1)
    pts = " ".join(f"{i * step:.1f},{height - 2 - (float(v) / top) * (height - 4):.1f}" for i, v in enumerate(values))
    last_x, last_y = (len(values) - 1) * step, height - 2 - (float(values[-1]) / top) * (height - 4)
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="trend"><polyline fill="none" stroke="currentColor" stroke-width="1.4" points="{pts}"/>'
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="currentColor"/></svg>')
