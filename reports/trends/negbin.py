"""Exact tail thresholds of the quasi-Poisson negative binomial (Noufaily et al. 2013).

A quasi-Poisson count with mean mu and Var = phi · mu is represented by the negative binomial
with size r = mu / (phi - 1) and success probability p = 1 / phi, whose mean is r(1-p)/p = mu
and variance mu/p = phi · mu. With phi == 1 it is Poisson. Using the exact quantile of that
distribution rather than Farrington's 2/3-power normal approximation is what keeps false alarms
near ``alpha`` for the small counts (0–5 a week) typical of NPS listings.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from reports.trends.series import FloatArray


def nb_upper_quantile(mu: FloatArray, phi: FloatArray | float, alpha: float) -> FloatArray:
    """The (1 - alpha) quantile of NB(mean mu, Var = phi · mu); Poisson where phi == 1.

    An observed count strictly above this value has upper-tail probability <= alpha.
    """
    mu = np.asarray(mu, dtype=np.float64)
    phi = np.broadcast_to(np.asarray(phi, dtype=np.float64), mu.shape)
    out = np.zeros(mu.shape)
    over = (phi > 1.0) & (mu > 0)
    pois = (phi <= 1.0) & (mu > 0)
    q = 1.0 - alpha
    out[over] = stats.nbinom.ppf(q, mu[over] / (phi[over] - 1.0), 1.0 / phi[over])
    out[pois] = stats.poisson.ppf(q, mu[pois])
    return out


def nb_upper_tail(y: FloatArray, mu: FloatArray | float, phi: FloatArray | float) -> FloatArray:
    """P(Y >= y) under NB(mean mu, Var = phi · mu): the exact one-sided p-value of a count."""
    y = np.asarray(y, dtype=np.float64)
    mu = np.broadcast_to(np.asarray(mu, dtype=np.float64), y.shape)
    phi = np.broadcast_to(np.asarray(phi, dtype=np.float64), y.shape)
    out = np.where(y <= 0, 1.0, 0.0)
    over = (phi > 1.0) & (mu > 0) & (y > 0)
    pois = (phi <= 1.0) & (mu > 0) & (y > 0)
    out[over] = stats.nbinom.sf(y[over] - 1, mu[over] / (phi[over] - 1.0), 1.0 / phi[over])
    out[pois] = stats.poisson.sf(y[pois] - 1, mu[pois])
    return out
