"""The machine's ceiling for the load benchmark: the smallest Flask app, under the same gunicorn."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
