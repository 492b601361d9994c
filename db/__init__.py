"""Persistence: the Piccolo app (tables, migrations) and the database engine.

May import only piccolo and asyncpg. Everything above (`domain`, entry points) reads and writes
through these tables; PostgreSQL is the source of truth of the whole product.
"""
