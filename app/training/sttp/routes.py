from flask import Blueprint

bp = Blueprint("sttp", __name__)
