"""The one statistics core: distributions, intervals and multiple-testing corrections.

Every package that reports an interval or a p-value (experiments, feedback, stages) calls
these; each function is tested once against statsmodels or scipy.
"""
