"""The wire server as pymongo (PyPI) sees it: CRUD, cursors across getMore, aggregation,
unique indexes raising DuplicateKeyError, sessions, and malformed frames on a raw socket.

Run by `make test` in the virtual environment the Makefile creates; it starts the built
`videotube-db` on a free port with a temporary data folder.
"""
import socket
import struct

import pymongo
import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError, OperationFailure

from conftest import Server

@pytest.fixture(scope="module")
def server():
    running = Server()
    yield running.port, running.data
    running.stop()


@pytest.fixture()
def db(server):
    client = pymongo.MongoClient("127.0.0.1", server[0], serverSelectionTimeoutMS=3000)
    name = "py_" + str(ObjectId())
    yield client[name]
    client.drop_database(name)
    client.close()


def test_crud_round_trip(db):
    users = db.users
    result = users.insert_one({"username": "chai", "age": 30, "tags": ["a"]})
    assert isinstance(result.inserted_id, ObjectId)
    users.insert_many([{"username": "code", "age": 25}, {"username": "tube", "age": 35}])
    assert users.count_documents({"age": {"$gte": 30}}) == 2
    assert users.find_one({"username": "chai"})["tags"] == ["a"]
    assert [u["username"] for u in users.find({}, {"_id": 0}).sort("age", -1).skip(1).limit(1)] == ["chai"]
    assert users.update_one({"username": "code"}, {"$inc": {"age": 1}}).modified_count == 1
    assert users.update_many({}, {"$set": {"v": True}}).matched_count == 3
    upsert = users.update_one({"username": "new"}, {"$set": {"age": 1}}, upsert=True)
    assert upsert.upserted_id is not None
    after = users.find_one_and_update({"username": "tube"}, {"$set": {"age": 40}},
                                      return_document=pymongo.ReturnDocument.AFTER)
    assert after["age"] == 40
    removed = users.find_one_and_delete({"username": "new"})
    assert removed["age"] == 1
    assert users.replace_one({"username": "chai"}, {"username": "chai", "age": 31}).modified_count == 1
    # The replacement dropped "v" from chai, so two documents still have it.
    assert users.delete_many({"v": True}).deleted_count == 2
    assert users.estimated_document_count() == 1
    assert users.distinct("username") == ["chai"]


def test_cursors_span_get_more(db):
    db.events.insert_many([{"n": i} for i in range(1000)])
    seen = [doc["n"] for doc in db.events.find({}, batch_size=64).sort("n", 1)]
    assert seen == list(range(1000))
    cursor = db.events.find({}, batch_size=10)
    next(cursor)
    cursor.close()  # killCursors


def test_aggregation(db):
    db.sales.insert_many([{"item": "abc", "qty": 2}, {"item": "xyz", "qty": 10}, {"item": "abc", "qty": 5}])
    result = list(db.sales.aggregate([{"$group": {"_id": "$item", "total": {"$sum": "$qty"}}}, {"$sort": {"_id": 1}}]))
    assert result == [{"_id": "abc", "total": 7}, {"_id": "xyz", "total": 10}]


def test_unique_index_raises_duplicate_key_error(db):
    db.users.create_index("email", unique=True)
    db.users.insert_one({"email": "a@b.c"})
    with pytest.raises(DuplicateKeyError) as info:
        db.users.insert_one({"email": "a@b.c"})
    assert info.value.code == 11000
    assert info.value.details["keyValue"] == {"email": "a@b.c"}
    names = [ix["name"] for ix in db.users.list_indexes()]
    assert names == ["_id_", "email_1"]
    db.users.drop_index("email_1")
    assert [ix["name"] for ix in db.users.list_indexes()] == ["_id_"]


def test_sessions_are_accepted_and_errors_are_operation_failures(db):
    with db.client.start_session() as session:
        db.things.insert_one({"x": 1}, session=session)
        assert db.things.find_one({"x": 1}, session=session)["x"] == 1
    with pytest.raises(OperationFailure) as info:
        db.things.find_one({"x": {"$foo": 1}})
    assert info.value.code == 2
    with pytest.raises(OperationFailure) as info:
        db.command("frobnicate")
    assert info.value.code == 59
    assert db.name in db.client.list_database_names()


def test_malformed_frames_leave_the_server_serving(server, db):
    port = server[0]
    frames = [
        struct.pack("<ii", 8, 1),  # shorter than a header
        struct.pack("<iiii", 20, 1, 0, 9999) + b"\0\0\0\0",  # unknown opcode
        struct.pack("<iiiiIB", 40, 1, 0, 2013, 0, 0) + struct.pack("<i", 100) + b"\0" * 15,  # BSON length lies
        struct.pack("<iii", 1000, 1, 0),  # half a message, then hang up
    ]
    for frame in frames:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(frame)
            if len(frame) >= 16:
                try:
                    assert s.recv(1024) == b""  # closed by the server
                except socket.timeout:
                    pass
    assert db.command("ping")["ok"] == 1.0


def test_ordered_insert_reports_the_failing_index(db):
    from pymongo.errors import BulkWriteError
    db.items.insert_one({"_id": 3, "v": "old"})
    with pytest.raises(BulkWriteError) as info:
        db.items.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}, {"_id": 4}])
    details = info.value.details
    assert details["nInserted"] == 2
    assert details["writeErrors"][0]["index"] == 2
    assert details["writeErrors"][0]["code"] == 11000
    assert sorted(d["_id"] for d in db.items.find()) == [1, 2, 3]
    assert db.items.find_one({"_id": 3})["v"] == "old"


def test_bind_all_says_what_it_exposes():
    """`--bind-all` serves every network without authentication: the log says so, first."""
    running = Server("--bind-all")
    try:
        text = running.output()
        assert "--bind-all: every network this machine is on can reach" in text, text
        assert "password hashes included" in text
        assert "mongodb://0.0.0.0:" in text
    finally:
        running.stop()


def test_extreme_values_are_mongodbs_errors_not_a_dead_server(db):
    """Each of these ended the process once (an overflow trap, or padding an array for ever)."""
    from bson import Int64
    import datetime
    lo, hi = Int64(-(2**63)), Int64(2**63 - 1)
    db.t.insert_many([{"a": [1], "d": datetime.datetime(2024, 3, 1), "n": i} for i in range(3)])

    def code(command):
        with pytest.raises(OperationFailure) as failure:
            db.command(command)
        return failure.value.code

    assert code({"find": "t", "limit": lo}) == 51024
    assert code({"find": "t", "skip": Int64(-1)}) == 51024
    assert code({"count": "t", "skip": lo}) == 51024
    assert db.command({"find": "t", "skip": hi, "limit": 10})["cursor"]["firstBatch"] == []
    assert db.command({"count": "t", "limit": lo})["n"] == 3
    assert list(db.t.aggregate([{"$sort": {"n": 1}}, {"$skip": hi}, {"$limit": 5}])) == []
    assert [d["m"] for d in db.t.aggregate([{"$limit": 1}, {"$project": {"m": {"$mod": [lo, -1]}}}])] == [0]
    for expression in ({"$add": ["$d", 1e300]}, {"$add": ["$d", hi]}, {"$subtract": ["$d", lo]}, {"$add": ["$d", float("nan")]}):
        assert code({"aggregate": "t", "pipeline": [{"$project": {"x": expression}}], "cursor": {}}) == 15, expression
    reply = db.command({"update": "t", "updates": [{"q": {"n": 0}, "u": {"$set": {"a.4000000000": 1}}}]})
    assert reply["writeErrors"][0]["code"] == 34 and "backfill" in reply["writeErrors"][0]["errmsg"]
    db.t.update_one({"n": 0}, {"$set": {"a.5": 1}})  # a little padding is fine
    assert db.t.find_one({"n": 0})["a"] == [1, None, None, None, None, 1]
    assert db.command("ping")["ok"] == 1.0


def test_explain_shows_the_index_walk_and_what_it_read(db):
    db.videos.create_index([("createdAt", -1)])
    db.videos.insert_many([{"createdAt": i, "views": i % 7} for i in range(500)])
    plan = db.videos.find().sort("createdAt", -1).limit(10).explain()

    def stages(node):
        while node:
            yield node
            node = node.get("inputStage")

    names = {s["stage"]: s for s in stages(plan["queryPlanner"]["winningPlan"])}
    assert names["IXSCAN"]["indexName"] == "createdAt_-1" and "SORT" not in names
    assert plan["executionStats"]["totalDocsExamined"] == 10
    scan = db.videos.find().sort("views", 1).limit(10).explain()
    assert {s["stage"] for s in stages(scan["queryPlanner"]["winningPlan"])} >= {"COLLSCAN", "SORT"}
    assert scan["executionStats"]["totalDocsExamined"] == 500


def test_rename_collection_moves_documents_and_indexes(db):
    db.old.create_index("email", unique=True)
    db.old.insert_one({"email": "a@x"})
    db.taken.insert_one({"x": 1})
    with pytest.raises(OperationFailure) as taken:
        db.old.rename("taken")
    assert taken.value.code == 48
    db.old.rename("new")
    assert db.new.find_one({}, {"_id": 0}) == {"email": "a@x"}
    assert "old" not in db.list_collection_names()
    assert "email_1" in db.new.index_information()
    db.taken.rename("new", dropTarget=True)
    assert db.new.find_one({}, {"_id": 0}) == {"x": 1}


def test_sparse_partial_and_ttl_index_options_pass_through_the_wire(db):
    db.users.create_index("phone", unique=True, sparse=True)
    db.users.create_index("email", unique=True, partialFilterExpression={"active": True})
    db.sessions.create_index("expiresAt", expireAfterSeconds=3600)
    db.users.insert_many([{"n": 1}, {"n": 2}, {"email": "a@x"}, {"email": "a@x", "active": True}])
    with pytest.raises(DuplicateKeyError):
        db.users.insert_one({"email": "a@x", "active": True})
    info = db.users.index_information()
    assert info["phone_1"]["sparse"] is True
    assert info["email_1"]["partialFilterExpression"] == {"active": True}
    assert db.sessions.index_information()["expiresAt_1"]["expireAfterSeconds"] == 3600


def test_text_search_with_its_score(db):
    db.videos.create_index([("title", "text"), ("description", "text")])
    db.videos.insert_many([
        {"_id": 1, "title": "Swift on the server", "description": "Hummingbird and NIO"},
        {"_id": 2, "title": "Connecting to MongoDB", "description": "libmongoc from Swift, servers and all"},
        {"_id": 3, "title": "Baking bread", "description": "nothing to do with code"},
    ])
    found = list(db.videos.find({"$text": {"$search": "swift servers"}}, {"score": {"$meta": "textScore"}})
                 .sort([("score", {"$meta": "textScore"})]))
    assert [d["_id"] for d in found] == [1, 2] and found[0]["score"] > found[1]["score"] > 0
    piped = list(db.videos.aggregate([{"$match": {"$text": {"$search": "bread"}}}, {"$project": {"s": {"$meta": "textScore"}}}]))
    assert [d["_id"] for d in piped] == [3] and piped[0]["s"] > 0
    assert all("\x01textScore" not in d for d in db.videos.find({"$text": {"$search": "swift"}}))


def test_an_idle_client_stays_idle(server, db):
    """pymongo's monitor holds an awaitable hello open (MongoDB's streaming protocol): the server
    answers it after maxAwaitTimeMS, not at once, so a connected client that does nothing costs
    nothing. Answered at once, the monitor asked again in a loop and kept a core busy."""
    import time
    db.command("ping")
    before = time.process_time()
    time.sleep(1.5)
    assert time.process_time() - before < 0.2
    # A hello that does not know this server's topology version is answered at once.
    start = time.perf_counter()
    db.client.admin.command({"hello": 1, "topologyVersion": {"processId": ObjectId(), "counter": 0}, "maxAwaitTimeMS": 5000})
    assert time.perf_counter() - start < 1


def test_a_view_reads_through_its_pipeline_and_refuses_writes(db):
    db.orders.insert_many([{"_id": i, "item": "tea" if i % 2 else "cake", "qty": i} for i in range(1, 7)])
    db.create_collection("teas", viewOn="orders", pipeline=[{"$match": {"item": "tea"}}, {"$project": {"item": 0}}])
    db.create_collection("big_teas", viewOn="teas", pipeline=[{"$match": {"qty": {"$gte": 3}}}])  # a view on a view
    assert list(db.teas.find({}, sort=[("_id", 1)])) == [{"_id": 1, "qty": 1}, {"_id": 3, "qty": 3}, {"_id": 5, "qty": 5}]
    assert db.teas.count_documents({"qty": {"$gt": 1}}) == 2
    assert db.teas.estimated_document_count() == 3
    assert db.big_teas.distinct("qty") == [3, 5]
    assert list(db.big_teas.aggregate([{"$group": {"_id": None, "total": {"$sum": "$qty"}}}])) == [{"_id": None, "total": 8}]
    kinds = {c["name"]: c["type"] for c in db.list_collections()}
    assert kinds == {"orders": "collection", "teas": "view", "big_teas": "view"}
    with pytest.raises(OperationFailure) as refused:
        db.teas.insert_one({"item": "tea"})
    assert refused.value.code == 166
    with pytest.raises(OperationFailure):
        db.teas.update_one({"_id": 1}, {"$set": {"qty": 0}})
    db.drop_collection("big_teas")
    assert "big_teas" not in db.list_collection_names()
    assert db.orders.count_documents({}) == 6  # the source is untouched


def test_updates_with_pipelines_let_and_collation(db):
    db.people.insert_many([{"_id": 1, "name": "Asha", "n": 2}, {"_id": 2, "name": "asha", "n": 3}, {"_id": 3, "name": "Ravi", "n": 5}])
    # A pipeline update computes from the document; let binds a variable; collation ignores case.
    db.people.update_many({"$expr": {"$gte": ["$n", "$$least"]}}, [{"$set": {"double": {"$multiply": ["$n", "$$factor"]}}}],
                          let={"least": 3, "factor": 2})
    assert [p.get("double") for p in db.people.find(sort=[("_id", 1)])] == [None, 6, 10]
    found = db.people.find({"name": "ASHA"}, collation={"locale": "en", "strength": 2})
    assert sorted(p["_id"] for p in found) == [1, 2]
    replaced = db.people.find_one_and_replace({"_id": 3}, {"name": "Ravi K"}, return_document=pymongo.ReturnDocument.AFTER)
    assert replaced == {"_id": 3, "name": "Ravi K"}


def test_a_command_without_maxTimeMS_stops_at_QUERY_TIMEOUT_MS(monkeypatch):
    """A client that gives up cannot leave a scan running: a count whose regex backtracks
    exponentially, sent with no maxTimeMS, ends with MongoDB's MaxTimeMSExpired (50) at
    QUERY_TIMEOUT_MS, and the server answers the next command."""
    monkeypatch.setenv("QUERY_TIMEOUT_MS", "300")
    running = Server()
    try:
        client = pymongo.MongoClient("127.0.0.1", running.port, serverSelectionTimeoutMS=3000, socketTimeoutMS=60000)
        things = client.slow.things
        things.insert_many([{"name": "a" * 40 + "b"} for _ in range(20)])
        with pytest.raises(OperationFailure) as refused:
            things.count_documents({"name": {"$regex": "^(a+)+$"}})
        assert refused.value.code == 50
        assert things.count_documents({"name": {"$regex": "^a"}}) == 20
        client.close()
    finally:
        running.stop()


def test_scram_sha_256_with_DB_USERNAME_and_DB_PASSWORD(monkeypatch):
    """With DB_USERNAME and DB_PASSWORD, videotube-db asks who you are as MongoDB does:
    SCRAM-SHA-256 (pymongo's default, chosen from hello's saslSupportedMechs), code 18 for a wrong
    password, 13 for a command sent before authenticating."""
    monkeypatch.setenv("DB_USERNAME", "learner")
    monkeypatch.setenv("DB_PASSWORD", "chai aur code")
    running = Server()
    try:
        uri = f"mongodb://learner:chai%20aur%20code@127.0.0.1:{running.port}/?authSource=admin"
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=3000)
        client.videotube.users.insert_one({"username": "asha"})
        assert client.videotube.users.count_documents({}) == 1
        client.close()
        explicit = pymongo.MongoClient(uri + "&authMechanism=SCRAM-SHA-256", serverSelectionTimeoutMS=3000)
        assert explicit.videotube.users.find_one({})["username"] == "asha"
        explicit.close()
        wrong = pymongo.MongoClient(f"mongodb://learner:guess@127.0.0.1:{running.port}/?authSource=admin", serverSelectionTimeoutMS=3000)
        with pytest.raises(OperationFailure) as refused:
            wrong.videotube.users.find_one({})
        assert refused.value.code == 18
        wrong.close()
        anonymous = pymongo.MongoClient("127.0.0.1", running.port, serverSelectionTimeoutMS=3000)
        with pytest.raises(OperationFailure) as unauthorized:
            anonymous.videotube.users.find_one({})
        assert unauthorized.value.code == 13
        assert anonymous.admin.command("ping")["ok"] == 1.0  # the handshake and ping need no login
        anonymous.close()
        assert "asks for a password" in running.output()
    finally:
        running.stop()
