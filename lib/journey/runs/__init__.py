"""Running notebooks as reports: playbooks (schema), notebook parameters, the papermill runner
and its warm kernels, HTML rendering, the reports index, and schedules."""
