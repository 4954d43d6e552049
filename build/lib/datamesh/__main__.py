from datamesh.cli import app

app(prog_name="datamesh")
