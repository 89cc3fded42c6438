"""Automatic model choice per queue by back-test.

``AutoForecaster`` back-tests every candidate (``forecasting.backtest.candidate_models``) on each queue
over the last ``selection_weeks`` weekly origins of the history it is given (so, before the forecast
start), picks the lowest WAPE per queue, and fits that model on the queue's whole history. A queue with
too little history for one back-test week gets the first candidate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import pandas as pd

from forecasting.backtest import Forecaster, ForecasterFactory, backtest, candidate_models, weekly_origins
from forecasting.history import History
from forecasting.seasonal import _forecast_frame


class AutoForecaster:
    """Per queue, the candidate with the lowest back-test WAPE over the last ``selection_weeks`` weeks.

    ``models``: name -> factory of unfitted forecasters (default: ``candidate_models(holiday_dates,
    holiday_effects)``).
    Learned state: ``chosen_`` (queue -> model name), ``fitted_`` (queue -> fitted forecaster),
    ``selection_`` (the ``BacktestResult`` per queue, absent where no back-test was possible).
    """

    def __init__(
        self,
        selection_weeks: int = 4,
        holiday_dates: Sequence[date] = (),
        models: Mapping[str, ForecasterFactory] | None = None,
        holiday_effects: bool = True,
    ) -> None:
        self.selection_weeks = selection_weeks
        self.holiday_dates = holiday_dates
        self.models = models
        self.holiday_effects = holiday_effects

    def fit(self, history: History) -> AutoForecaster:
        models = candidate_models(self.holiday_dates, self.holiday_effects) if self.models is None else self.models
        default = next(iter(models))
        self.chosen_: dict[str, str] = {}
        self.fitted_: dict[str, Forecaster] = {}
        self.selection_ = {}
        frame = history.frame
        for queue in history.queues:
            own = replace(history, frame=frame.loc[frame["queue"] == queue].reset_index(drop=True))
            name = default
            if weekly_origins(own, 1):
                result = backtest(own, models, weeks=self.selection_weeks)
                self.selection_[queue] = result
                name = result.chosen[queue]
            self.chosen_[queue] = name
            self.fitted_[queue] = models[name]().fit(own)
        self.last_date_ = history.last_date
        return self

    def predict(self, start: date, days: int) -> pd.DataFrame:
        """Forecast frame like ``WeeklyProfileForecaster.predict``, each queue by its chosen model."""
        if not hasattr(self, "fitted_"):
            raise RuntimeError("AutoForecaster.predict called before fit")
        parts = [model.predict(start, days) for model in self.fitted_.values()]
        return _forecast_frame([part for part in parts if len(part)])
