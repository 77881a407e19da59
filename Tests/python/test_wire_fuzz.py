"""Property-based fuzzing of the wire server with hypothesis: thousands of random commands,
filters, updates and pipelines, built from extreme values (Int64's ends, huge and odd doubles,
deep paths, numeric path parts far beyond any array). Whatever is sent, the server answers with
a well-formed reply (a result, or MongoDB's error document) and stays up.

Fixed seed (derandomize) and bounded counts, so CI runs the same examples every time. Each of
the four properties below tries EXAMPLES examples.
"""
import datetime
import os

import pymongo
import pytest
from bson import Int64, ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo.errors import OperationFailure

from conftest import Server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "600"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
integers = st.one_of(
    st.sampled_from([0, 1, -1, 2, 2**31 - 1, -(2**31), 2**31, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, 1_500_000, 4_000_000_000]),
    st.integers(min_value=INT64_MIN, max_value=INT64_MAX),
).map(lambda n: Int64(n) if not -(2**31) <= n < 2**31 else n)
doubles = st.one_of(st.sampled_from([0.0, -0.0, 1e308, -1e308, 9.3e18, -9.3e18, 1.5, float("inf"), float("-inf"), float("nan")]),
                    st.floats(allow_nan=True, allow_infinity=True))
dates = st.sampled_from([datetime.datetime(1970, 1, 1), datetime.datetime(9999, 12, 31), datetime.datetime(1, 1, 1), datetime.datetime(2024, 3, 1)])
scalars = st.one_of(integers, doubles, st.text(max_size=8), st.booleans(), st.none(), dates, st.just(ObjectId("65f0a1b2c3d4e5f601234567")))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "b", "c", "x"]), inner, max_size=3)),
                      max_leaves=8)
path_parts = st.sampled_from(["a", "b", "c", "x", "0", "1", "-1", "4000000000", "1500001", "99999999999999999999", "$", "$[]", ""])
paths = st.lists(path_parts, min_size=1, max_size=4).map(".".join)
field_refs = paths.map(lambda p: "$" + p)

expression_ops = ["$add", "$subtract", "$multiply", "$divide", "$mod", "$concat", "$arrayElemAt", "$size", "$ifNull", "$eq", "$gt",
                  "$cmp", "$in", "$first", "$last", "$toString", "$toLower", "$concatArrays", "$isArray", "$type", "$max", "$min", "$avg", "$sum"]
expressions = st.recursive(
    st.one_of(scalars, field_refs),
    lambda inner: st.one_of(
        st.builds(lambda op, args: {op: args}, st.sampled_from(expression_ops), st.lists(inner, min_size=0, max_size=3)),
        st.builds(lambda c, t, e: {"$cond": [c, t, e]}, inner, inner, inner),
    ),
    max_leaves=6,
)
query_ops = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$size", "$type", "$mod", "$all", "$regex", "$not", "$elemMatch", "$bogus"]
predicates = st.recursive(
    values,
    lambda inner: st.dictionaries(st.sampled_from(query_ops), st.one_of(inner, st.lists(inner, max_size=3)), min_size=1, max_size=2),
    max_leaves=6,
)
filters = st.one_of(
    st.dictionaries(paths, predicates, max_size=3),
    st.builds(lambda op, parts: {op: parts}, st.sampled_from(["$and", "$or", "$nor"]), st.lists(st.dictionaries(paths, predicates, max_size=2), max_size=3)),
    st.builds(lambda e: {"$expr": e}, expressions),
)
update_ops = ["$set", "$unset", "$inc", "$push", "$addToSet", "$pull", "$setOnInsert", "$mul", "$min", "$rename", "$pop", "$bogus"]
updates = st.dictionaries(st.sampled_from(update_ops), st.dictionaries(paths, values, min_size=1, max_size=2), min_size=1, max_size=2)
stages = st.one_of(
    st.builds(lambda f: {"$match": f}, filters),
    st.builds(lambda n: {"$skip": n}, st.one_of(integers, doubles)),
    st.builds(lambda n: {"$limit": n}, st.one_of(integers, doubles)),
    st.builds(lambda p, d: {"$sort": {p: d}}, paths, st.sampled_from([1, -1, 0, 2, "x"])),
    st.builds(lambda p, e: {"$project": {p: e}}, paths, st.one_of(st.sampled_from([0, 1]), expressions)),
    st.builds(lambda p, e: {"$addFields": {p: e}}, paths, expressions),
    st.builds(lambda e, acc: {"$group": {"_id": e, "n": {acc: e}}}, expressions, st.sampled_from(["$sum", "$avg", "$min", "$max", "$push", "$first"])),
    st.builds(lambda p: {"$unwind": p}, field_refs),
    st.builds(lambda c: {"$count": c}, st.sampled_from(["n", "", "$x", "a.b"])),
    st.builds(lambda lf, ff: {"$lookup": {"from": "fuzz", "localField": lf, "foreignField": ff, "as": "j"}}, paths, paths),
    st.builds(lambda s: {"$facet": {"f": s}}, st.lists(st.builds(lambda n: {"$limit": n}, integers), max_size=2)),
)
pipelines = st.lists(stages, max_size=4)


@pytest.fixture(scope="module")
def server():
    running = Server()
    client = pymongo.MongoClient("127.0.0.1", running.port, serverSelectionTimeoutMS=3000, connectTimeoutMS=3000, socketTimeoutMS=10000)
    db = client["fuzz"]
    db.fuzz.insert_many([{"a": [1, 2, {"b": 3}], "b": Int64(INT64_MAX), "c": "x", "x": {"a": [None]}},
                         {"a": Int64(INT64_MIN), "b": 1.5, "c": datetime.datetime(2024, 3, 1)}, {"a": {"b": {"c": []}}}])
    yield running, db
    client.close()
    running.stop()


def answered(running, db, command):
    """Runs one command: a result or MongoDB's error document is fine; a dropped connection, a
    malformed reply, or a dead server is not."""
    try:
        command(db)
    except OperationFailure as failure:
        assert failure.code is not None and isinstance(failure.details, dict), failure.details
    assert running.proc.poll() is None, "the server died: " + running.output()[-3000:]
    db.client.admin.command("ping")


@FUZZ
@given(filter=filters, skip=st.one_of(st.none(), integers), limit=st.one_of(st.none(), integers), batch=st.one_of(st.none(), integers),
       sort=st.one_of(st.none(), st.dictionaries(paths, st.sampled_from([1, -1]), min_size=1, max_size=2)))
def test_find_and_count_with_any_filter_and_bounds(server, filter, skip, limit, batch, sort):
    running, db = server
    command = {"find": "fuzz", "filter": filter}
    for key, value in (("skip", skip), ("limit", limit), ("batchSize", batch), ("sort", sort)):
        if value is not None:
            command[key] = value
    answered(running, db, lambda d: d.command(command))
    counted = {"count": "fuzz", "query": filter, **{k: v for k, v in (("skip", skip), ("limit", limit)) if v is not None}}
    answered(running, db, lambda d: d.command(counted))


@FUZZ
@given(filter=filters, update=updates, upsert=st.booleans())
def test_updates_of_any_shape(server, filter, update, upsert):
    running, db = server
    answered(running, db, lambda d: d.command({"update": "scratch", "updates": [{"q": filter, "u": update, "upsert": upsert, "multi": True}]}))
    answered(running, db, lambda d: d.command({"findAndModify": "scratch", "query": filter, "update": update, "new": True}))


@FUZZ
@given(pipeline=pipelines)
def test_pipelines_of_any_shape(server, pipeline):
    running, db = server
    answered(running, db, lambda d: d.command({"aggregate": "fuzz", "pipeline": pipeline, "cursor": {}}))


@FUZZ
@given(documents=st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "$x", "a.b", "_id"]), values, max_size=3), min_size=1, max_size=3),
       filter=filters)
def test_inserts_and_deletes_of_any_document(server, documents, filter):
    running, db = server
    answered(running, db, lambda d: d.command({"insert": "scratch", "documents": documents, "ordered": False}))
    answered(running, db, lambda d: d.command({"delete": "scratch", "deletes": [{"q": filter, "limit": 0}]}))
