"""The store: one SQLite file holding every checked submission (values, findings, file hash and bytes,
time) per unit and year, with each unit's history and its current submission. Written one
transaction per submission; `check --store`, `build --roster --store` and the desk use it."""

from .db import SCHEMA_VERSION, StoreError
from .model import Submission, Tally
from .store import Store, StorePriorIndex

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "StorePriorIndex", "Submission", "Tally"]
