#!/usr/bin/python3
"""A scripted MongoDB server for the libmongoc wire tests.

Run with Debian's python3-mockupdb (`/usr/bin/python3`):

    mockup_server.py SCENARIO.json COMMANDS.log

SCENARIO.json (canonical or relaxed Extended JSON) maps a command name to the list of replies
to give, in order, to the commands of that name: {"find": [{...}, {...}], "insert": [{...}]}.
The handshake (isMaster / hello) is answered automatically as a MongoDB 6.0 server.
A command with no scripted reply left gets {ok: 0, code: 59}: an unexpected command fails loudly.

Every command received is appended to COMMANDS.log as one line of canonical Extended JSON, so
the test can check exactly what the driver sent. The first line on stdout is "PORT <n>".
"""
import sys

from bson import json_util
from bson.son import SON
from mockupdb import MockupDB, CommandBase

HANDSHAKE = {"ismaster": True, "helloOk": False, "minWireVersion": 0, "maxWireVersion": 17,
             "maxBsonObjectSize": 16777216, "maxMessageSizeBytes": 48000000,
             "maxWriteBatchSize": 100000}


def main():
    with open(sys.argv[1]) as f:
        scenario = json_util.loads(f.read(), json_options=json_util.JSONOptions(document_class=SON))
    log = open(sys.argv[2], "a", buffering=1)
    server = MockupDB(auto_ismaster=HANDSHAKE, verbose=False, request_timeout=60)
    server.autoresponds(CommandBase("hello"), HANDSHAKE)
    port = server.run()
    print("PORT %d" % port, flush=True)
    while True:
        request = server.receives(timeout=600)
        doc = request.doc
        name = next(iter(doc))
        log.write(json_util.dumps(doc, json_options=json_util.CANONICAL_JSON_OPTIONS) + "\n")
        replies = scenario.get(name) or []
        if replies:
            request.reply(replies.pop(0))
        else:
            request.reply({"ok": 0, "code": 59, "codeName": "CommandNotFound",
                           "errmsg": "mockup: no reply scripted for %r" % name})


if __name__ == "__main__":
    main()
