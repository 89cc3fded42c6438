"""Low-rank day-profile forecaster (Shen & Huang 2008): days x intervals matrix, SVD, forecast day scores.

For every queue:

1. *Days.* As ``SmoothedProfileForecaster``: every calendar day from the queue's first day to the last
   day of history; a day with no row is closed; an open day missing some intervals is scaled up to a full
   day for its total. Left out of every estimate (``excluded_days_`` says which and why): configured
   ``holiday_dates``, days observing less than ``MIN_DAY_COVERAGE`` of their weekday's shape, and
   *abnormal* days: a day whose total is below ``ANOMALY_FRACTION`` or above ``HIGH_FRACTION`` times the
   median total of the same weekday over the last ``ANOMALY_WEEKS`` weeks (unlisted holidays, outages,
   one-off floods). A weekday is open when it has an open day among its last ``OPEN_WEEKS`` dates.
2. *Matrix.* The clean days of the last ``window_weeks`` weeks are the rows, the intervals of day the
   columns, of ``Y = sqrt(contacts + 1/4)``: the root transform makes Poisson-like counts roughly
   homoscedastic (variance about 1/4 whatever the volume), so the busy and the quiet intervals weigh alike
   in the decomposition. An interval a weekday never observed on a clean window day is closed on that
   weekday (contacts 0 in the matrix, no row in the forecast). Other unobserved cells (a partial day) are
   imputed by alternating a rank-``rank`` reconstruction and the observed values (``IMPUTE_ROUNDS``).
3. *Decomposition.* ``Y = U S V^T`` (SVD, sign fixed so that each right vector sums to a positive value);
   the first ``rank`` right vectors are the intraday *profiles*, the day *scores* ``beta[day, k] =
   U[day, k] S[k]``. The first profile is close to the average day shape and its score to the square root
   of the day's level; the next ones carry how the shape changes (weekend against weekday, busier
   mornings on busy days).
4. *Score forecast.* Per profile ``k`` and weekday ``w``, the baseline is the recency-weighted
   (``RECENCY_DECAY ** weeks_back``) mean score of the clean days of weekday ``w``. The deviations from it
   follow an AR(1) in day order (over clean days), ``phi_k`` by least squares clipped to
   ``[0, PHI_MAX]``; a forecast day ``h`` open days after the last clean day gets
   ``baseline[w] + phi_k ** h x last deviation``, so a recent level shift carries into the first days and
   fades into the weekday baseline.
5. *Reconstruction.* With ``y_hat = max(sum_k beta_hat[k] V[k], 0)`` the root forecast of an interval
   and ``s2`` the variance of the fit's residuals ``Y - beta V`` in that interval of day (over the window,
   scaled by ``n / (n - rank)`` days), ``contacts = max(y_hat ** 2 + s2 - 1/4, 0)``: since
   ``E[X] = E[Y ** 2] - 1/4``, this is the expected count (which staffing needs for Erlang), not the
   square of a mean root (which would be closer to a median). It is exact on noise-free history. The
   uncertainty of the forecast scores themselves is left out (it is small against ``s2``).
6. *Holidays.* As ``SmoothedProfileForecaster``: a configured holiday in the horizon on an open weekday
   is forecast as ``holiday factor x`` the ordinary day (median of actual over expected total over the
   queue's past holidays; 0 without any), closed below ``CLOSED_FACTOR``. Month-edge effects are not
   modelled.
7. *Handle time.* Contact-weighted mean per weekday and interval over the clean window days, falling
   back to the weekday mean, then the queue mean, else NaN.

Deterministic (LAPACK SVD on the same matrix gives the same result); no randomness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from forecasting.errors import InputError
from forecasting.history import History
from forecasting.seasonal import (
    DAYS_PER_WEEK,
    RECENCY_DECAY,
    _as_date,
    _forecast_frame,
    _horizon,
    _rows,
    _slot_aht,
    _weighted_mean,
)
from forecasting.smoothed import CLOSED_FACTOR, DayMatrix, day_matrix

ROOT_OFFSET = 0.25
ANOMALY_FRACTION = 0.5
HIGH_FRACTION = 2.0
ANOMALY_WEEKS = 12
MIN_DAY_COVERAGE = 0.5
OPEN_WEEKS = 8
PHI_MAX = 0.9
IMPUTE_ROUNDS = 10


@dataclass(frozen=True)
class _QueueModel:
    """What the model learned for one queue.

    ``profiles``: (rank, n_slots) right singular vectors over ``minute_of_day`` (n_slots,);
    ``baseline``: (7, rank) weekday mean scores; ``phi``: (rank,); ``last_deviation``: (rank,);
    ``residual_variance``: (n_slots,) variance of the root residuals;
    ``last_clean``: the last clean day; ``open_slot``: (7, n_slots) bool; ``aht_seconds``: (7, n_slots).
    """

    minute_of_day: np.ndarray
    profiles: np.ndarray
    baseline: np.ndarray
    phi: np.ndarray
    last_deviation: np.ndarray
    residual_variance: np.ndarray
    last_clean: date
    open_weekday: np.ndarray
    open_slot: np.ndarray
    holiday_factor: float
    aht_seconds: np.ndarray


class LowRankProfileForecaster:
    """Days x intervals SVD with forecast day scores (see the module docstring for the model).

    ``rank``: number of intraday profiles kept (>= 1); ``window_weeks``: weeks of clean days in the
    matrix (>= 2); ``holiday_dates``: known holidays (left out of the fit; future ones forecast by the
    holiday factor).

    Learned state after ``fit``: ``models_`` (per queue), ``excluded_days_`` (``queue, date, reason``),
    ``holidays_``, ``interval_minutes_``, ``last_date_``, ``queues_``.
    """

    def __init__(self, rank: int = 3, window_weeks: int = 12, holiday_dates: Sequence[date] = ()) -> None:
        self.rank = rank
        self.window_weeks = window_weeks
        self.holiday_dates = holiday_dates

    def fit(self, history: History) -> LowRankProfileForecaster:
        """Learn profiles, score baselines and dynamics, holiday factor and handle times per queue."""
        for name, least in (("rank", 1), ("window_weeks", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
                raise InputError(f"{name} must be a whole number >= {least}, got {value!r}")
        self.holidays_ = {_as_date(day) for day in self.holiday_dates}
        self.last_date_ = history.last_date
        self.interval_minutes_ = history.interval_minutes
        self.queues_ = history.queues
        self.models_: dict[str, _QueueModel] = {}
        excluded: list[tuple[str, date, str]] = []
        for queue, rows in history.frame.groupby("queue", sort=True):
            model, dropped = self._fit_queue(day_matrix(rows, self.last_date_))
            if model is not None:
                self.models_[str(queue)] = model
            excluded.extend((str(queue), day, reason) for day, reason in dropped)
        self.excluded_days_ = pd.DataFrame(excluded, columns=["queue", "date", "reason"])
        return self

    def _fit_queue(self, matrix: DayMatrix) -> tuple[_QueueModel | None, list[tuple[date, str]]]:
        days, weekday, weeks_back = matrix.days, matrix.weekday, matrix.weeks_back
        opened, total = matrix.opened, matrix.total
        holiday = np.array([day.date() in self.holidays_ for day in days])
        open_weekday = np.array(
            [bool((opened & (weekday == w) & (weeks_back < OPEN_WEEKS)).any()) for w in range(DAYS_PER_WEEK)]
        )
        reason = np.full(len(days), "", dtype=object)
        reason[opened & holiday] = "holiday"
        reason[opened & (reason == "") & (matrix.coverage < MIN_DAY_COVERAGE)] = "incomplete"
        for w in range(DAYS_PER_WEEK):
            candidates = opened & (weekday == w) & (reason == "")
            recent = candidates & (weeks_back < ANOMALY_WEEKS)
            if not recent.any():
                continue
            median = float(np.median(total[recent]))
            reason[candidates & (total < ANOMALY_FRACTION * median)] = "low volume"
            reason[candidates & (total > HIGH_FRACTION * median)] = "high volume"
        dropped = [(days[int(i)].date(), str(reason[i])) for i in np.flatnonzero(opened & (reason != ""))]
        clean = opened & (reason == "") & open_weekday[weekday]
        use = clean & (weeks_back < self.window_weeks)
        if not use.any():
            return None, dropped

        volume = matrix.volume[use]
        observed = ~np.isnan(volume)
        use_weekday = weekday[use]
        open_slot = np.zeros((DAYS_PER_WEEK, volume.shape[1]), dtype=bool)
        for w in range(DAYS_PER_WEEK):
            these = use_weekday == w
            if these.any():
                open_slot[w] = observed[these].any(axis=0)
        open_weekday = open_weekday & open_slot.any(axis=1)
        # A slot its weekday never opens is a true zero; other gaps are unknown and imputed.
        unknown = ~observed & open_slot[use_weekday]
        roots = np.sqrt(np.where(observed, volume, 0.0) + ROOT_OFFSET)
        rank = min(int(self.rank), *roots.shape)
        profiles, scores = _low_rank(roots, unknown, rank)
        known = ~unknown
        residual = np.where(known, roots - scores @ profiles, 0.0)
        cells = known.sum(axis=0)
        dof = np.maximum(cells - rank, 1)
        residual_variance = np.divide((residual**2).sum(axis=0), dof, out=np.zeros(len(cells)), where=cells > rank)

        weight = RECENCY_DECAY ** weeks_back[use].astype(float)
        baseline = np.zeros((DAYS_PER_WEEK, rank))
        for w in range(DAYS_PER_WEEK):
            these = use_weekday == w
            if these.any():
                baseline[w] = np.average(scores[these], axis=0, weights=weight[these])
        deviation = scores - baseline[use_weekday]
        phi = _ar1(deviation)
        used_days = days[use]

        expected_total = _day_total(baseline[weekday] @ profiles, open_slot[weekday], residual_variance)
        holiday_factor = 0.0
        past_holidays = holiday & open_weekday[weekday] & (expected_total > 0)
        if past_holidays.any():
            actual = np.where(opened, total, 0.0)[past_holidays]
            holiday_factor = float(np.median(actual / expected_total[past_holidays]))

        handle = matrix.handle[use]
        queue_aht = _weighted_mean(matrix.handle[clean].ravel(), matrix.volume[clean].ravel())
        aht = np.full(open_slot.shape, np.nan)
        for w in range(DAYS_PER_WEEK):
            these = use_weekday == w
            if not these.any():
                continue
            slot_aht = _slot_aht(volume[these], handle[these])
            weekday_aht = _weighted_mean(handle[these].ravel(), volume[these].ravel())
            aht[w] = np.where(np.isfinite(slot_aht), slot_aht, weekday_aht if np.isfinite(weekday_aht) else queue_aht)
        model = _QueueModel(
            minute_of_day=matrix.minute_of_day,
            profiles=profiles,
            baseline=baseline,
            phi=phi,
            last_deviation=deviation[-1],
            residual_variance=residual_variance,
            last_clean=used_days[-1].date(),
            open_weekday=open_weekday,
            open_slot=open_slot,
            holiday_factor=holiday_factor,
            aht_seconds=aht,
        )
        return model, dropped

    def predict(self, start: date, days: int) -> pd.DataFrame:
        """Interval forecast of every queue for ``days`` days from ``start``; same frame as
        ``WeeklyProfileForecaster.predict`` (``interval_start, queue, contacts, aht_seconds``)."""
        if not hasattr(self, "models_"):
            raise RuntimeError("LowRankProfileForecaster.predict called before fit")
        horizon = _horizon(start, days, self.last_date_)
        parts: list[pd.DataFrame] = []
        for queue in self.queues_:
            model = self.models_.get(queue)
            if model is None:
                continue
            steps = 0
            gap = (horizon[0] - model.last_clean).days - 1
            # Open days between the last clean day and the horizon count as steps of the AR(1) too.
            steps += sum(model.open_weekday[(model.last_clean.toordinal() + k) % DAYS_PER_WEEK] for k in range(gap))
            for day in horizon:
                weekday = day.weekday()
                if not model.open_weekday[weekday]:
                    continue
                steps += 1
                scores = model.baseline[weekday] + model.phi**steps * model.last_deviation
                roots = np.maximum(scores @ model.profiles, 0.0)
                contacts = np.maximum(roots**2 + model.residual_variance - ROOT_OFFSET, 0.0)
                if day in self.holidays_:
                    if model.holiday_factor < CLOSED_FACTOR:
                        continue
                    contacts = contacts * model.holiday_factor
                slot = model.open_slot[weekday]
                parts.append(
                    _rows(queue, day, model.minute_of_day[slot], contacts[slot], model.aht_seconds[weekday][slot])
                )
        return _forecast_frame(parts)


def _low_rank(roots: np.ndarray, unknown: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """Profiles (rank, n_slots) and scores (n_days, rank) of ``roots`` (n_days, n_slots), the ``unknown``
    cells imputed by alternating reconstruction (start: the column mean of the known cells)."""
    filled = roots.copy()
    if unknown.any():
        known = ~unknown
        counts = known.sum(axis=0)
        column_mean = np.divide(
            np.where(known, roots, 0.0).sum(axis=0), counts, out=np.full(roots.shape[1], np.sqrt(ROOT_OFFSET)),
            where=counts > 0,
        )
        filled = np.where(unknown, column_mean[None, :], roots)
    for _ in range(IMPUTE_ROUNDS if unknown.any() else 1):
        left, singular, right = np.linalg.svd(filled, full_matrices=False)
        sign = np.where(right[:rank].sum(axis=1) < 0, -1.0, 1.0)
        profiles = right[:rank] * sign[:, None]
        scores = left[:, :rank] * singular[:rank] * sign[None, :]
        if unknown.any():
            filled = np.where(unknown, scores @ profiles, roots)
    return profiles, scores


def _ar1(deviation: np.ndarray) -> np.ndarray:
    """Least-squares AR(1) coefficient per column of ``deviation`` (n_days, rank), clipped to [0, PHI_MAX]."""
    if len(deviation) < 3:
        return np.zeros(deviation.shape[1])
    previous, current = deviation[:-1], deviation[1:]
    denominator = (previous**2).sum(axis=0)
    phi = np.divide((previous * current).sum(axis=0), denominator, out=np.zeros(deviation.shape[1]),
                    where=denominator > 0)
    return np.clip(phi, 0.0, PHI_MAX)


def _day_total(roots: np.ndarray, open_slot: np.ndarray, residual_variance: np.ndarray) -> np.ndarray:
    """Expected day total (n_days,) from root forecasts (n_days, n_slots) over the open slots."""
    return np.where(open_slot, np.maximum(roots, 0.0) ** 2 + residual_variance - ROOT_OFFSET, 0.0).clip(0).sum(axis=1)
