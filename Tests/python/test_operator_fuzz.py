"""The operator fuzzer (`make fuzz`; a shorter run in `make test`): hypothesis builds commands from
every query, update and expression operator and stage the embedded store knows (read from its
sources), with extreme arguments (Int32 and Int64 bounds, ±0, NaN, ±inf, huge and negative
indexes, empty and long arrays, deep nesting, dates at the ends of time), and sends them to
`videotube-db` through the wire with pymongo. An error reply is fine; the process stopping, or a
command that never answers, is a failure, reported with the command.

    FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest -q -s Tests/python/test_operator_fuzz.py

Each example sends ten commands; the run prints how many it sent.
"""
import math
import os
import pathlib
import re

import datetime

import bson.errors
import pymongo
import pytest
from bson import Int64
from workshop.servers import free_port, start
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = ROOT / "Sources" / "Engine" / "EmbeddedStore"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))


def operators(folder, pattern=r'"(\$[a-zA-Z]+)"'):
    names = set()
    for path in (SOURCES / folder).glob("*.swift"):
        names |= set(re.findall(pattern, path.read_text()))
    return sorted(names)


EXPRESSIONS = operators("Expressions")
QUERY = [n for n in operators("Query") if n not in ("$comment", "$where", "$text", "$search")]
UPDATES = ["$set", "$unset", "$inc", "$mul", "$min", "$max", "$push", "$pop", "$pull", "$pullAll", "$addToSet", "$rename", "$setOnInsert"]
PATHS = ["arr", "arr.-1", "arr.0", "arr.99999999", "arr.9223372036854775807", "a", "big", "obj.x", "obj", "arr.$", "s", "d"]
KEYS = ["input", "to", "n", "by", "unit", "amount", "startDate", "endDate", "date", "format", "find", "replacement", "chars", "output",
        "default", "size", "step", "bounds", "field", "binSize", "timezone", "onError", "onNull", "as", "in", "vars", "cond", "if",
        "then", "else", "branches", "initialValue", "sortBy", "$each", "$slice", "$position", "$sort", "a", "$a", "$$ROOT"]

ints = st.sampled_from([0, 1, -1, 2, 31, 63, 64, 2**31 - 1, -2**31, 2**31, 2**32, 2**53 + 1, 2**62, 2**63 - 1, -2**63, -2**62,
                        10**6, 10**9]).map(lambda n: Int64(n) if not -2**31 <= n < 2**31 else n)
floats = st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1e300, -1e300, 1e-300, 5e-324, 1.5, -2.5, 9.3e18, 2.0**63,
                          -2.0**63, 0.5])
strings = st.sampled_from(["", "abc", "日本語", "%Y-%m-%d %H:%M:%S", "%Q", "$a", "$arr", "$$ROOT", "$big", "day", "year",
                           "millisecond", "week", "int", "long", "date", "string", "UTC", "+99:99", "a" * 300, "(", "\u0301(", "."])
dates = st.sampled_from([Int64(2**63 - 1), Int64(-2**63), Int64(0), Int64(253402300800000), Int64(-62167219200000)]).map(
    lambda ms: {"$toDate": ms})
scalars = st.one_of(ints, floats, strings, st.booleans(), st.none(), dates)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
                            st.just(list(range(300)))),
    max_leaves=10)
expression = st.recursive(
    values,
    lambda inner: st.builds(lambda op, args: {op: args}, st.sampled_from(EXPRESSIONS), st.one_of(inner, st.lists(inner, max_size=4))),
    max_leaves=12)


def command(kind, op, argument, extra):
    if kind == "project":
        return ("aggregate", [{"$project": {"r": {op: argument}}}])
    if kind == "match":
        return ("aggregate", [{"$match": {"a": {op: argument}}}])
    if kind == "expr":
        return ("aggregate", [{"$match": {"$expr": {op: argument}}}])
    if kind == "window":
        return ("aggregate", [{"$setWindowFields": {"sortBy": {"a": 1}, "output": {
            "r": {"$shift": {"output": "$a", "by": extra, "default": argument}} if op == "$shift" else
            {"$sum": "$a", "window": {"documents" if isinstance(extra, int) else "range": [extra, argument]}}}}}])
    if kind == "stage":
        stage = {"$densify": {"field": "a", "range": {"step": extra, "bounds": argument}}} if op == "$densify" else {op: argument}
        return ("aggregate", [stage])
    if kind == "group":
        return ("aggregate", [{"$group": {"_id": None, "r": {op: argument}}}])
    if kind == "update":
        return ("update", {op: {extra: argument}})
    return ("find", {"projection": {"arr": {"$slice": argument}}, "skip": extra})


STAGES = ["$skip", "$limit", "$sample", "$bucketAuto", "$densify", "$fill", "$sortByCount", "$unwind", "$count", "$replaceRoot",
          "$facet", "$bucket", "$addFields", "$sort", "$group", "$project", "$unset", "$set"]
ACCUMULATORS = ["$sum", "$avg", "$min", "$max", "$first", "$last", "$push", "$addToSet", "$firstN", "$lastN", "$minN", "$maxN",
                "$topN", "$bottomN", "$top", "$bottom", "$stdDevPop", "$stdDevSamp", "$mergeObjects", "$count"]
commands = st.one_of(
    st.tuples(st.just("project"), st.sampled_from(EXPRESSIONS), st.one_of(expression, st.lists(expression, max_size=4)), st.none()),
    st.tuples(st.just("expr"), st.sampled_from(EXPRESSIONS), st.lists(expression, max_size=4), st.none()),
    st.tuples(st.just("match"), st.sampled_from(QUERY), values, st.none()),
    st.tuples(st.just("window"), st.sampled_from(["$shift", "$sum"]), st.one_of(ints, floats, st.just("current"), st.just("unbounded")),
              st.one_of(ints, floats)),
    st.tuples(st.just("stage"), st.sampled_from(STAGES), values, st.one_of(ints, floats)),
    st.tuples(st.just("group"), st.sampled_from(ACCUMULATORS), values, st.none()),
    st.tuples(st.just("update"), st.sampled_from(UPDATES), values, st.sampled_from(PATHS)),
    st.tuples(st.just("find"), st.none(), values, st.integers(min_value=0, max_value=2**62)),
).map(lambda t: command(*t))

FIXTURE = [{"_id": 1, "a": 1, "arr": [1, 2, 3], "big": Int64(2**63 - 1), "s": "tube", "obj": {"x": [1]}},
           {"_id": 2, "a": 2.5, "arr": []}, {"_id": 3, "a": "text", "d": datetime.datetime(1970, 1, 1)}, {"_id": 4}]


class Target:
    """videotube-db, restarted (and the crash recorded) whenever it stops."""

    def __init__(self, binary, folder):
        self.binary, self.folder, self.sent, self.crashes = binary, folder, 0, []
        self.start()

    def start(self):
        self.port = free_port()
        self.process, _ = start(self.binary, self.folder / f"run{self.port}", {"DB_PORT": str(self.port)}, ready="videotube-db serving")
        self.client = pymongo.MongoClient(f"mongodb://127.0.0.1:{self.port}", serverSelectionTimeoutMS=3000, socketTimeoutMS=15000)
        self.c = self.client.fuzz.things
        self.reset()

    def reset(self):
        self.c.drop()
        self.c.insert_many([dict(d) for d in FIXTURE])

    def send(self, kind, body):
        self.sent += 1
        try:
            if kind == "aggregate":
                list(self.c.aggregate(body, maxTimeMS=2000))
            elif kind == "update":
                self.c.update_one({"_id": 1}, body)
            else:
                list(self.c.find({}, body["projection"]).skip(body["skip"]).max_time_ms(2000))
        except (pymongo.errors.OperationFailure, pymongo.errors.DocumentTooLarge, pymongo.errors.WriteError, OverflowError,
                pymongo.errors.InvalidOperation, ValueError, TypeError, pymongo.errors.InvalidDocument, pymongo.errors.ProtocolError,
                bson.errors.InvalidBSON):
            pass  # refused: fine (bson may refuse to encode, or to decode a date past year 9999)
        except (pymongo.errors.AutoReconnect, pymongo.errors.ServerSelectionTimeoutError, pymongo.errors.NetworkTimeout) as error:
            stopped = self.process.poll() is not None
            self.crashes.append((("stopped" if stopped else "no answer") + f": {type(error).__name__}", kind, repr(body)[:300]))
            self.process.kill()
            self.process.wait()
            self.start()
        if self.sent % 200 == 0:
            self.reset()


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    binary = str(pathlib.Path(os.environ.get("VIDEOTUBE_DB") or ROOT / ".build" / "debug" / "videotube-db").resolve())
    if not pathlib.Path(binary).exists():
        pytest.skip(f"{binary} is not built")
    t = Target(binary, tmp_path_factory.mktemp("fuzz"))
    yield t
    t.process.terminate()
    t.process.wait()
    print(f"\nfuzz: {t.sent} generated commands through the wire ({len(EXPRESSIONS)} expression operators, {len(QUERY)} query "
          f"operators, {len(STAGES)} stages, {len(UPDATES)} update operators), {len(t.crashes)} crashes or hangs")


def test_the_operator_list_is_read_from_the_engine():
    assert {"$dateAdd", "$range", "$slice", "$indexOfCP", "$convert"} <= set(EXPRESSIONS) and "$mod" in QUERY


# No shrinking: each step of it would restart the server; the failing command is reported whole.
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])
@given(st.lists(commands, min_size=10, max_size=10))
def test_no_generated_command_stops_the_server(target, batch):
    before = len(target.crashes)
    for kind, body in batch:
        target.send(kind, body)
    assert len(target.crashes) == before, target.crashes[before:]
