"""The `flowplane` command and the composition root: settings, wiring of the parts, and the
embedded PostgreSQL / Redis servers of `flowplane dev`. May import every other package."""
