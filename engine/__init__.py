"""Execution: arq worker settings, the runner that executes a workflow's node graph with spans,
retries and leases, the node executors, the scheduler and the sweeper. May import `domain` and
`db`; never `graphql_api` or `sync`."""
