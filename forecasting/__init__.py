"""Forecasting and staffing: contact history in, interval forecasts and agent requirements out.

This package knows nothing of agents or shifts; ``scheduler`` imports it, never the reverse.
"""
