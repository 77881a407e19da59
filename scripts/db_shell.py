"""`make shell`: a Python prompt connected to the data that `make db` serves (or a server started
with DB_PORT), through pymongo, MongoDB's own Python driver. mongosh and Compass do the same job,
but Debian does not package them; pymongo is already in the workshop's `.venv`.

    make db                 # terminal 1
    make shell              # terminal 2, then:  db.users.find_one()
"""
import os
import sys

import pymongo

port = os.environ.get("DB_PORT") or "27017"
client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=2000)
db = client[os.environ.get("DB_NAME") or "videotube"]
try:
    names = sorted(db.list_collection_names())
except pymongo.errors.PyMongoError:
    sys.exit(f"nothing answers on 127.0.0.1:{port}: start `make db` first (or give the server's DB_PORT)")
print(f"`db` is the database {db.name!r} on 127.0.0.1:{port}; its collections: {', '.join(names) or 'none yet'}")
print("try:  db.users.find_one()   list(db.videos.find({}, {'title': 1}).limit(3))   db.videos.count_documents({})")
