"""MongoDB's own CRUD specification tests (unified format), run through `videotube-db` with
pymongo: `make crud-spec`. The test files come from pymongo's source distribution on PyPI
(`test/crud/unified/*.json`), fetched at run time into .build/spec, never committed.

    python Tests/spec/crud_unified.py BUILD/videotube-db SPEC_FOLDER [--verbose] [NAME ...]

A runner of our own, and an honest one: a test is *passed* only when every expectation it
states was checked and held; a test that needs what this runner does not check (an event kind,
an operation, a session) or what is out of scope (transactions, fail points, client bulkWrite,
unacknowledged writes, a topology other than a single server, a server version the wire server
does not claim) is *skipped*, with the reason. The report groups failures and skips by cause.
"""
import collections
import json
import pathlib
import re
import sys
import tempfile
import traceback

import bson
import pymongo
import pymongo.read_concern
from bson import json_util
from pymongo import monitoring
from pymongo.errors import BulkWriteError, OperationFailure, PyMongoError

from workshop.servers import free_port, start

SERVER_VERSION = (6, 0, 0)  # what the wire server's buildInfo says
GOAL = 0.95  # of the tests that apply; below it, or on a crash, the check fails
VERBOSE = "--verbose" in sys.argv


class Skip(Exception):
    pass


class Events(monitoring.CommandListener):
    """The commands a client sends, as the spec's `commandStartedEvent`s (the handshake and
    session clean-up aside, as the spec says a runner ignores them)."""

    def __init__(self, observe, ignore):
        self.observe, self.ignore, self.commands = observe, set(ignore) | {"hello", "isMaster", "ismaster", "endSessions"}, []

    def started(self, event):
        if "commandStartedEvent" in self.observe and event.command_name not in self.ignore:
            self.commands.append(event)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def version(text):
    return tuple(int(p) for p in (text.split(".") + ["0", "0"])[:3])


def runnable(requirements):
    """None when one of the requirements is met, else why not (MongoDB's rule: any one suffices)."""
    if not requirements:
        return None
    reasons = []
    for r in requirements:
        why = None
        if "minServerVersion" in r and SERVER_VERSION < version(r["minServerVersion"]):
            why = f"needs server {r['minServerVersion']}"
        elif "maxServerVersion" in r and SERVER_VERSION > version(r["maxServerVersion"]):
            why = f"needs server <= {r['maxServerVersion']}"
        elif "topologies" in r and "single" not in r["topologies"]:
            why = f"topology {'/'.join(r['topologies'])}"
        elif r.get("serverless") == "require":
            why = "serverless"
        elif r.get("auth") is True:
            why = "auth"
        elif "serverParameters" in r:
            why = "server parameters"
        elif r.get("csfle"):
            why = "csfle"
        if why is None:
            return None
        reasons.append(why)
    return reasons[0]


# ---- matching ---------------------------------------------------------------------------------

def is_number(v):
    return isinstance(v, (int, float, bson.Int64, bson.Decimal128)) and not isinstance(v, bool)


TYPES = {"double": float, "string": str, "object": dict, "array": list, "binData": (bytes, bson.Binary), "objectId": bson.ObjectId,
         "bool": bool, "date": __import__("datetime").datetime, "null": type(None), "int": int, "long": (int, bson.Int64),
         "decimal": bson.Decimal128, "timestamp": bson.Timestamp, "regex": (bson.Regex, re.Pattern)}


def matches(expected, actual, entities, root=True, path="$"):
    """Raises AssertionError naming the path where `actual` does not match `expected`."""
    if isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)).startswith("$$"):
        op, arg = next(iter(expected.items()))
        if op == "$$exists":
            assert (actual is not MISSING) == arg, f"{path}: exists {actual is not MISSING}, expected {arg}"
            return
        if op == "$$type":
            names = arg if isinstance(arg, list) else [arg]
            assert any(isinstance(actual, TYPES[n]) and not (n in ("int", "long", "double") and isinstance(actual, bool)) for n in names), \
                f"{path}: {actual!r} is not of type {names}"
            return
        if op == "$$unsetOrMatches":
            if actual is MISSING:
                return
            return matches(arg, actual, entities, root, path)
        if op == "$$matchesEntity":
            return matches(entities[arg], actual, entities, root, path)
        if op == "$$lte":
            assert is_number(actual) and actual <= arg, f"{path}: {actual!r} > {arg}"
            return
        raise Skip(f"matching operator {op}")
    assert actual is not MISSING, f"{path}: missing, expected {expected!r}"
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not a document"
        for k, v in expected.items():
            matches(v, actual.get(k, MISSING), entities, False, f"{path}.{k}")
        return  # extra fields in the actual document are allowed
    if isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not an array"
        assert len(expected) == len(actual), f"{path}: {len(actual)} elements, expected {len(expected)}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            matches(e, a, entities, False, f"{path}[{i}]")
        return
    if is_number(expected) and is_number(actual):
        assert float(str(expected)) == float(str(actual)), f"{path}: {actual!r} != {expected!r}"
        return
    # equal, and a bool only matches a bool (in Python, True == 1)
    assert expected == actual and (type(expected) is type(actual) or not isinstance(actual, bool)), \
        f"{path}: {actual!r} != {expected!r}"


MISSING = object()


def exact(expected, actual, path="$"):
    """Collection contents: the same documents, fields and values (numbers compared by value)."""
    assert len(expected) == len(actual), f"{path}: {len(actual)} documents, expected {len(expected)}: {actual}"
    for e, a in zip(expected, actual):
        assert set(e) == set(a), f"{path}: fields {sorted(a)} != {sorted(e)} in {a}"
        matches(e, a, {}, path=path)


# ---- operations -------------------------------------------------------------------------------

UNSUPPORTED_OPS = {"clientBulkWrite": "client bulkWrite", "failPoint": "fail points", "targetedFailPoint": "fail points",
                   "startTransaction": "transactions", "withTransaction": "transactions", "createFindCursor": "cursor entities",
                   "iterateUntilDocumentOrError": "cursor entities"}


def options(args, drop=()):
    out = {}
    for k, v in args.items():
        if k in drop:
            continue
        if k == "session":
            raise Skip("sessions")
        out[k] = v
    return out


def result_of(name, value):
    if name == "insertOne":
        return {"insertedId": value.inserted_id}
    if name == "insertMany":
        return {"insertedIds": {str(i): v for i, v in enumerate(value.inserted_ids)}}
    if name in ("deleteOne", "deleteMany"):
        return {"deletedCount": value.deleted_count}
    if name in ("updateOne", "updateMany", "replaceOne"):
        out = {"matchedCount": value.matched_count, "modifiedCount": value.modified_count,
               "upsertedCount": 1 if value.upserted_id is not None else 0}
        if value.upserted_id is not None:
            out["upsertedId"] = value.upserted_id
        return out
    if name == "bulkWrite":
        return {"insertedCount": value.inserted_count, "matchedCount": value.matched_count, "modifiedCount": value.modified_count,
                "deletedCount": value.deleted_count, "upsertedCount": value.upserted_count,
                "upsertedIds": {str(k): v for k, v in value.upserted_ids.items()}}  # pymongo does not report insertedIds
    return value


def bulk_request(spec):
    (kind, a), = spec.items()
    a = dict(a)
    if "let" in a:
        raise Skip("let on a bulk write request")
    if kind == "insertOne":
        return pymongo.InsertOne(a["document"])
    if kind in ("updateOne", "updateMany"):
        cls = pymongo.UpdateOne if kind == "updateOne" else pymongo.UpdateMany
        return cls(a["filter"], a["update"], upsert=a.get("upsert", False), collation=a.get("collation"),
                   array_filters=a.get("arrayFilters"), hint=a.get("hint"), **({"sort": a["sort"]} if "sort" in a else {}))
    if kind == "replaceOne":
        return pymongo.ReplaceOne(a["filter"], a["replacement"], upsert=a.get("upsert", False), collation=a.get("collation"),
                                  hint=a.get("hint"), **({"sort": a["sort"]} if "sort" in a else {}))
    if kind in ("deleteOne", "deleteMany"):
        cls = pymongo.DeleteOne if kind == "deleteOne" else pymongo.DeleteMany
        return cls(a["filter"], collation=a.get("collation"), hint=a.get("hint"))
    raise Skip(f"bulk request {kind}")


RETURN = {"Before": pymongo.ReturnDocument.BEFORE, "After": pymongo.ReturnDocument.AFTER}


def run_operation(op, entities):
    name, target, args = op["name"], op["object"], dict(op.get("arguments", {}))
    if name in UNSUPPORTED_OPS:
        raise Skip(UNSUPPORTED_OPS[name])
    if target == "testRunner":
        raise Skip(f"runner operation {name}")
    obj = entities[target]
    if "session" in args:
        raise Skip("sessions")
    wc = getattr(obj, "write_concern", None)
    if wc is not None and not wc.acknowledged:
        raise Skip("unacknowledged writes")
    if "bypassDocumentValidation" in args:
        args["bypass_document_validation"] = args.pop("bypassDocumentValidation")
    if name == "insertOne":
        return obj.insert_one(args["document"], **options(args, ("document",)))
    if name == "insertMany":
        return obj.insert_many(args["documents"], **options(args, ("documents",)))
    if name in ("deleteOne", "deleteMany"):
        return getattr(obj, "delete_one" if name == "deleteOne" else "delete_many")(args["filter"], **options(args, ("filter",)))
    if name in ("updateOne", "updateMany"):
        kw = options(args, ("filter", "update"))
        if "arrayFilters" in kw:
            kw["array_filters"] = kw.pop("arrayFilters")
        if "bypassDocumentValidation" in kw:
            kw["bypass_document_validation"] = kw.pop("bypassDocumentValidation")
        return getattr(obj, "update_one" if name == "updateOne" else "update_many")(args["filter"], args["update"], **kw)
    if name == "replaceOne":
        kw = options(args, ("filter", "replacement"))
        if "bypassDocumentValidation" in kw:
            kw["bypass_document_validation"] = kw.pop("bypassDocumentValidation")
        return obj.replace_one(args["filter"], args["replacement"], **kw)
    if name in ("find", "findOne"):
        kw = options(args, ("filter",))
        for a, b in (("batchSize", "batch_size"), ("noCursorTimeout", "no_cursor_timeout"), ("allowDiskUse", "allow_disk_use"),
                     ("maxTimeMS", "max_time_ms"), ("showRecordId", "show_record_id"), ("returnKey", "return_key")):
            if a in kw:
                kw[b] = kw.pop(a)
        if "sort" in kw:
            kw["sort"] = list(kw["sort"].items())
        if name == "findOne":
            return obj.find_one(args.get("filter", {}), **kw)
        return list(obj.find(args.get("filter", {}), **kw))
    if name == "countDocuments":
        return obj.count_documents(args["filter"], **options(args, ("filter",)))
    if name == "estimatedDocumentCount":
        kw = options(args)
        if "maxTimeMS" in kw:
            kw["maxTimeMS"] = kw.pop("maxTimeMS")
        return obj.estimated_document_count(**kw)
    if name == "count":
        raise Skip("the deprecated count helper")
    if name == "distinct":
        return obj.distinct(args["fieldName"], args.get("filter"), **options(args, ("fieldName", "filter")))
    if name == "aggregate":
        kw = options(args, ("pipeline",))
        return list(obj.aggregate(args["pipeline"], **kw))
    if name in ("findOneAndUpdate", "findOneAndReplace", "findOneAndDelete"):
        kw = options(args, ("filter", "update", "replacement"))
        if "returnDocument" in kw:
            kw["return_document"] = RETURN[kw.pop("returnDocument")]
        if "arrayFilters" in kw:
            kw["array_filters"] = kw.pop("arrayFilters")
        if "sort" in kw:
            kw["sort"] = list(kw["sort"].items())
        if "bypassDocumentValidation" in kw:
            kw["bypass_document_validation"] = kw.pop("bypassDocumentValidation")
        if name == "findOneAndUpdate":
            return obj.find_one_and_update(args["filter"], args["update"], **kw)
        if name == "findOneAndReplace":
            return obj.find_one_and_replace(args["filter"], args["replacement"], **kw)
        return obj.find_one_and_delete(args["filter"], **kw)
    if name == "bulkWrite":
        kw = options(args, ("requests",))
        if "bypassDocumentValidation" in kw:
            kw["bypass_document_validation"] = kw.pop("bypassDocumentValidation")
        return obj.bulk_write([bulk_request(r) for r in args["requests"]], **kw)
    if name == "createIndex":
        return obj.create_index(list(args["keys"].items()), **options(args, ("keys",)))
    if name == "dropCollection":
        return obj.drop_collection(args["collection"])
    if name == "modifyCollection":
        return obj.command({"collMod": args["collection"], **options(args, ("collection",))})
    if name == "createCollection":
        return obj.create_collection(args["collection"], **options(args, ("collection",)))
    raise Skip(f"operation {name}")


def check_error(expected, error, entities):
    if expected.get("isClientError"):
        assert not isinstance(error, OperationFailure), f"a server error, expected a client error: {error}"
        return
    if expected.get("isTimeoutError"):
        raise Skip("timeout errors")
    details = getattr(error, "details", None) or {}
    if "errorCode" in expected:
        code = getattr(error, "code", None)
        if isinstance(error, BulkWriteError) and error.details.get("writeErrors"):
            code = error.details["writeErrors"][0]["code"]
        assert code == expected["errorCode"], f"error code {code}, expected {expected['errorCode']}: {error}"
    if "errorCodeName" in expected:
        name = details.get("codeName")
        assert name == expected["errorCodeName"], f"codeName {name}, expected {expected['errorCodeName']}"
    if "errorContains" in expected:
        assert expected["errorContains"].lower() in str(error).lower(), f"{str(error)!r} lacks {expected['errorContains']!r}"
    if "errorLabelsContain" in expected or "errorLabelsOmit" in expected:
        raise Skip("error labels")
    if "errorResponse" in expected:
        matches(expected["errorResponse"], details, entities)
    if "expectResult" in expected:
        raise Skip("partial results of a failed operation")
    if "writeErrors" in expected or "writeConcernErrors" in expected:
        raise Skip("client bulkWrite errors")


def run_test(spec, test, db_port):
    why = runnable(spec.get("runOnRequirements")) or runnable(test.get("runOnRequirements"))
    if why:
        raise Skip(why)
    if "skipReason" in test:
        raise Skip("the spec skips it: " + test["skipReason"])
    if test.get("expectEvents") and any(op["name"] in ("aggregate", "findOneAndUpdate", "findOneAndReplace")
                                        and op.get("arguments", {}).get("bypassDocumentValidation") is False for op in test["operations"]):
        raise Skip("pymongo's aggregate and findAndModify never send bypassDocumentValidation: false (the driver's choice)")
    entities, listeners = {}, {}
    clients = []
    try:
        for entity in spec.get("createEntities", []):
            (kind, e), = entity.items()
            if kind == "client":
                observe = e.get("observeEvents", [])
                if set(observe) - {"commandStartedEvent"} and test.get("expectEvents"):
                    raise Skip(f"events {sorted(set(observe) - {'commandStartedEvent'})}")
                listener = Events(observe, e.get("ignoreCommandMonitoringEvents", []))
                uri_options = dict(e.get("uriOptions", {}))
                client = pymongo.MongoClient(f"mongodb://127.0.0.1:{db_port}/?directConnection=true", event_listeners=[listener],
                                             serverSelectionTimeoutMS=5000, **uri_options)
                clients.append(client)
                entities[e["id"]], listeners[e["id"]] = client, listener
            elif kind == "database":
                entities[e["id"]] = entities[e["client"]][e["databaseName"]]
            elif kind == "collection":
                coll = entities[e["database"]][e["collectionName"]]
                opts = e.get("collectionOptions", {})
                if "writeConcern" in opts:
                    coll = coll.with_options(write_concern=pymongo.WriteConcern(**opts["writeConcern"]))
                if "readConcern" in opts:
                    coll = coll.with_options(read_concern=pymongo.read_concern.ReadConcern(**opts["readConcern"]))
                entities[e["id"]] = coll
            elif kind == "session":
                raise Skip("sessions")
            else:
                raise Skip(f"entity {kind}")
        setup = pymongo.MongoClient(f"mongodb://127.0.0.1:{db_port}/?directConnection=true")
        clients.append(setup)
        for data in spec.get("initialData", []):
            coll = setup[data["databaseName"]][data["collectionName"]]
            coll.drop()
            if data.get("createOptions"):
                raise Skip("collection options at set-up")
            setup[data["databaseName"]].create_collection(data["collectionName"])
            if data["documents"]:
                coll.insert_many(data["documents"])
        for listener in listeners.values():
            listener.commands.clear()
        for op in test["operations"]:
            try:
                value = run_operation(op, entities)
                error = None
            except Skip:
                raise
            except (PyMongoError, ValueError, TypeError) as e:
                value, error = None, e
            if "expectError" in op:
                assert error is not None, f"{op['name']}: no error, expected {op['expectError']}"
                check_error(op["expectError"], error, entities)
                continue
            assert error is None, f"{op['name']}: {type(error).__name__}: {error}"
            if "expectResult" in op:
                matches(op["expectResult"], result_of(op["name"], value), entities)
            if "saveResultAsEntity" in op:
                entities[op["saveResultAsEntity"]] = value
        for expected in test.get("expectEvents", []):
            kinds = {k for ev in expected["events"] for k in ev}
            if expected.get("eventType", "command") != "command" or kinds - {"commandStartedEvent"}:
                raise Skip(f"events {sorted(kinds - {'commandStartedEvent'})}")
            started = listeners[expected["client"]].commands
            if not expected.get("ignoreExtraEvents"):
                assert len(started) == len(expected["events"]), \
                    f"{len(started)} commands, expected {len(expected['events'])}: {[e.command_name for e in started]}"
            for i, ev in enumerate(expected["events"]):
                want = ev["commandStartedEvent"]
                assert i < len(started), f"command {i} missing"
                got = started[i]
                if "commandName" in want:
                    assert got.command_name == want["commandName"], f"command {i}: {got.command_name}, expected {want['commandName']}"
                if "databaseName" in want:
                    assert got.database_name == want["databaseName"], f"command {i}: database {got.database_name}"
                if "command" in want:
                    matches(want["command"], dict(got.command), entities, path=f"command {i}")
        for data in test.get("outcome", []):
            actual = list(setup[data["databaseName"]][data["collectionName"]].find({}, sort=[("_id", 1)]))
            exact(data["documents"], actual, f"outcome {data['collectionName']}")
    finally:
        for c in clients:
            c.close()


def main():
    binary, spec_folder = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    names = [a for a in sys.argv[3:] if not a.startswith("--")]
    folder = pathlib.Path(tempfile.mkdtemp(prefix="crud-spec-"))
    db_port = free_port()
    server, _ = start(binary, folder, {"DB_PORT": str(db_port)}, ready="videotube-db serving")
    results = collections.defaultdict(list)
    try:
        for path in sorted(spec_folder.glob("*.json")):
            if names and not any(n in path.name for n in names):
                continue
            spec = json_util.loads(path.read_text())
            for test in spec["tests"]:
                label = f"{path.stem}: {test['description']}"
                try:
                    run_test(spec, test, db_port)
                    results["passed"].append((label, ""))
                except Skip as s:
                    results["skipped"].append((label, str(s)))
                except AssertionError as a:
                    results["failed"].append((label, str(a)[:300]))
                except Exception as e:  # a runner or server problem, reported as a failure
                    results["failed"].append((label, f"{type(e).__name__}: {e}"[:300]))
                    if VERBOSE:
                        traceback.print_exc()
                if server.poll() is not None:
                    results["failed"].append((label, "videotube-db stopped (crashed)"))
                    raise SystemExit("videotube-db crashed during " + label)
    finally:
        server.kill()
    applies = len(results["passed"]) + len(results["failed"])
    print(f"MongoDB unified CRUD tests through videotube-db: {len(results['passed'])} passed, {len(results['failed'])} failed, "
          f"{len(results['skipped'])} skipped; {len(results['passed']) / max(1, applies):.1%} of the {applies} that apply pass\n")
    if VERBOSE or len(results["failed"]) <= 10:
        for label, reason in results["failed"]:
            print(f"failed: {label}: {reason}")
        print()
    for kind in ("skipped", "failed"):
        print(f"{kind}, by cause:")
        causes = collections.Counter(re.sub(r"[0-9a-f]{24}|\d+", "#", reason)[:90] if kind == "failed" else reason
                                     for _, reason in results[kind])
        for cause, n in causes.most_common(40 if not VERBOSE else 400):
            print(f"  {n:4d}  {cause}")
        print()
    report = {k: [list(x) for x in v] for k, v in results.items()}
    (spec_folder.parent / "crud-unified-results.json").write_text(json.dumps(report, indent=1, default=str))
    rate = len(results["passed"]) / max(1, applies)
    if rate < GOAL:
        sys.exit(f"crud-spec: {rate:.1%} of the tests that apply pass, below the {GOAL:.0%} this check holds the store to")
    print(f"crud-spec: {rate:.1%} pass (the goal: at least {GOAL:.0%}); videotube-db ran every file without crashing")


if __name__ == "__main__":
    main()
