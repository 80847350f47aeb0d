"""The NAS-Bench-201 CIFAR-10 search protocol's defaults (no imports: the CLI reads them for its help).

Select by ``c10v_valid_12``, charge ``12/200`` of ``c10v_train_seconds_200`` per query, report
``c10_test_200``.
"""

DEFAULT_SIGNAL = "c10v_valid_12"
DEFAULT_REPORT = "c10_test_200"
DEFAULT_COST_COLUMN = "c10v_train_seconds_200"
DEFAULT_COST_SCALE = 12 / 200
