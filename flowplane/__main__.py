from flowplane.cli import app

app()
