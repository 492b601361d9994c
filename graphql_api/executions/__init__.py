"""Execution queries (summary lists, one execution with spans and logs) and the run, retry
and cancel mutations, which call `domain.executions` after checking workflow access."""
