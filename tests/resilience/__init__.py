"""Resilience tests: real `flowplane` processes (API, workers, scheduler, sync) on the test
PostgreSQL and Redis, one injected fault each, and checks that nothing is lost or done twice.
May import every package and the other test helpers."""
