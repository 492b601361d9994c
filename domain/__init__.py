"""The domain layer shared by every entry point: the workflow spec, lifecycle services, access
rules, executions and dispatch, STRONGLY_SERVICES, events, errors and settings. May import `db`
and `deploy`; never `graphql_api`, `engine`, `sync` or `flowplane`."""
