"""The Moré–Thuente line search, as MINPACK-2's ``dcsrch`` and ``dcstep`` (the search inside
SciPy's L-BFGS-B): a step ``stp > 0`` along a descent direction that satisfies the strong Wolfe
conditions ``f(stp) <= f(0) + ftol * stp * g(0)`` and ``|g(stp)| <= gtol * |g(0)|``, where ``f`` is
the objective along the direction and ``g`` its derivative. Host numbers only: the caller evaluates.

J. J. Moré and D. J. Thuente, "Line search algorithms with guaranteed sufficient decrease",
ACM Transactions on Mathematical Software 20 (1994), 286–307.
"""

from __future__ import annotations

import math

#: Where the search bounds its next trial step before a minimiser is bracketed (dcsrch's).
EXTRAPOLATE_LOWER, EXTRAPOLATE_UPPER = 1.1, 4.0


class MoreThuente:
    """One search: :meth:`start` with the step to try first, ``f(0)`` and ``g(0) < 0``, then
    :meth:`next` with ``f``, ``g`` at each step it asks for. Both return ``(task, stp)``: ``task``
    ``"FG"`` (evaluate at ``stp``), ``"CONVERGENCE"`` or a ``"WARNING: ..."`` (the search ends at
    ``stp``, the last step evaluated)."""

    def __init__(self, ftol: float = 1e-3, gtol: float = 0.9, xtol: float = 0.1, stpmin: float = 0.0,
                 stpmax: float = 1e10) -> None:
        self.ftol, self.gtol, self.xtol, self.stpmin, self.stpmax = ftol, gtol, xtol, stpmin, stpmax

    def start(self, stp: float, f: float, g: float) -> tuple[str, float]:
        """Begin at ``stp`` (within [stpmin, stpmax]) from ``f(0) = f`` and ``g(0) = g`` (< 0)."""
        if not self.stpmin <= stp <= self.stpmax:
            raise ValueError(f"line search: the first step {stp} is outside [{self.stpmin}, {self.stpmax}]")
        if not g < 0:
            raise ValueError(f"line search: the direction is not a descent direction (derivative {g} >= 0)")
        self.bracketed, self.stage = False, 1
        self.finit, self.ginit = f, g
        self.gtest = self.ftol * g
        self.width = self.stpmax - self.stpmin
        self.width1 = self.width / 0.5
        self.stx, self.fx, self.gx = 0.0, f, g
        self.sty, self.fy, self.gy = 0.0, f, g
        self.stmin, self.stmax = 0.0, stp + EXTRAPOLATE_UPPER * stp
        return "FG", stp

    def next(self, stp: float, f: float, g: float) -> tuple[str, float]:
        """The search's next move from ``f(stp) = f`` and ``g(stp) = g``."""
        ftest = self.finit + stp * self.gtest
        if self.stage == 1 and f <= ftest and g >= 0:
            self.stage = 2
        task = ""
        if self.bracketed and (stp <= self.stmin or stp >= self.stmax):
            task = "WARNING: ROUNDING ERRORS PREVENT PROGRESS"
        if self.bracketed and self.stmax - self.stmin <= self.xtol * self.stmax:
            task = "WARNING: XTOL TEST SATISFIED"
        if stp == self.stpmax and f <= ftest and g <= self.gtest:
            task = "WARNING: STP = STPMAX"
        if stp == self.stpmin and (f > ftest or g >= self.gtest):
            task = "WARNING: STP = STPMIN"
        if f <= ftest and abs(g) <= self.gtol * -self.ginit:
            task = "CONVERGENCE"
        if task:
            return task, stp
        if self.stage == 1 and self.fx >= f > ftest:
            # The modified function f(stp) - stp * gtest, until a step has sufficient decrease
            # and a non-negative derivative: a better first guess of the step.
            gtest = self.gtest
            self.stx, fxm, gxm, self.sty, fym, gym, stp, self.bracketed = step(
                self.stx, self.fx - self.stx * gtest, self.gx - gtest, self.sty, self.fy - self.sty * gtest,
                self.gy - gtest, stp, f - stp * gtest, g - gtest, self.bracketed, self.stmin, self.stmax)
            self.fx, self.fy = fxm + self.stx * gtest, fym + self.sty * gtest
            self.gx, self.gy = gxm + gtest, gym + gtest
        else:
            self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp, self.bracketed = step(
                self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp, f, g, self.bracketed, self.stmin,
                self.stmax)
        if self.bracketed:  # bisect where the interval did not shrink enough
            if abs(self.sty - self.stx) >= 0.66 * self.width1:
                stp = self.stx + 0.5 * (self.sty - self.stx)
            self.width1, self.width = self.width, abs(self.sty - self.stx)
            self.stmin, self.stmax = min(self.stx, self.sty), max(self.stx, self.sty)
        else:
            self.stmin = stp + EXTRAPOLATE_LOWER * (stp - self.stx)
            self.stmax = stp + EXTRAPOLATE_UPPER * (stp - self.stx)
        stp = min(max(stp, self.stpmin), self.stpmax)
        if self.bracketed and (stp <= self.stmin or stp >= self.stmax
                               or self.stmax - self.stmin <= self.xtol * self.stmax):
            stp = self.stx  # no further progress possible: the best step so far
        return "FG", stp


def _sign(value: float) -> float:
    return math.copysign(1.0, value) if value else 0.0


def _cubic_gamma(theta: float, a: float, b: float, clip: bool = False) -> float:
    """``sqrt(theta**2 - a * b)``, scaled against overflow (negative values as 0 with ``clip``)."""
    s = max(abs(theta), abs(a), abs(b))
    inside = (theta / s) ** 2 - (a / s) * (b / s)
    if clip:
        inside = max(0.0, inside)
    return s * math.sqrt(inside) if inside >= 0 else math.nan  # NaN, as NumPy's, where rounding made it negative


def step(stx: float, fx: float, dx: float, sty: float, fy: float, dy: float, stp: float, fp: float, dp: float,
         bracketed: bool, stpmin: float, stpmax: float) -> tuple[float, float, float, float, float, float, float,
                                                                 bool]:
    """dcstep: a safeguarded trial step from the best step ``stx`` (``fx``, ``dx``), the interval's
    other end ``sty`` and the current step ``stp`` (``fp``, ``dp``), by cubic and quadratic
    interpolation; the interval updated. Returns ``(stx, fx, dx, sty, fy, dy, stp, bracketed)``."""
    sgnd = _sign(dp) * _sign(dx)
    if fp > fx:  # a higher value: the minimum is bracketed; cubic or halfway to the quadratic's
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp)
        if stp < stx:
            gamma = -gamma
        r = ((gamma - dx) + theta) / (((gamma - dx) + gamma) + dp)
        stpc = stx + r * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) <= abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        bracketed = True
    elif sgnd < 0.0:  # derivatives of opposite sign: bracketed; the cubic or the secant step
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp)
        if stp > stx:
            gamma = -gamma
        r = ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dx)
        stpc = stp + r * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        bracketed = True
    elif abs(dp) < abs(dx):  # same sign, the derivative shrinks: the cubic where it heads the right way
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp, clip=True)
        if stp > stx:
            gamma = -gamma
        r = ((gamma - dp) + theta) / ((gamma + (dx - dp)) + gamma)
        if r < 0 and gamma != 0:
            stpc = stp + r * (stx - stp)
        elif stp > stx:
            stpc = stpmax
        else:
            stpc = stpmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if bracketed:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            stpf = min(stp + 0.66 * (sty - stp), stpf) if stp > stx else max(stp + 0.66 * (sty - stp), stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = min(max(stpf, stpmin), stpmax)
    elif bracketed:  # same sign, the derivative does not shrink: the cubic through sty
        theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
        gamma = _cubic_gamma(theta, dy, dp)
        if stp > sty:
            gamma = -gamma
        r = ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dy)
        stpf = stp + r * (sty - stp)
    else:
        stpf = stpmax if stp > stx else stpmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, stpf, bracketed
