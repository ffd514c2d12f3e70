"""Surveys to the network from chat ("Have your say"): define, send, answer, remind, close, results."""
