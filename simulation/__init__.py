"""A simulated period of the network for the demo: `linkedup simulate` and `linkedup serve --demo`.

It plays the loaded network through the real domain functions on a frozen, advancing clock; only the
far side of the Slack and Mailchimp ports is simulated. Knows nothing of Slack's SDK or Flask.
"""

from simulation.engine import SimulationRefused, default_start, has_simulation, simulate_year
from simulation.health import HealthFigures, MonthCoverage, Share, network_health

__all__ = [
    "HealthFigures",
    "MonthCoverage",
    "Share",
    "SimulationRefused",
    "default_start",
    "has_simulation",
    "network_health",
    "simulate_year",
]
