"""The execution engine: arq worker settings, the runner that executes a workflow's node graph
(spans, retries, timeouts, cancellation, leases), node executors (found through the one
node-type registry), the sandbox that runs `python` nodes, the sweeper, the scheduler loop
and retention pruning. May import `domain` (and `db` through it); never `graphql_api`,
`sync` or `deploy`.
"""
