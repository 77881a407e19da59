"""`make bench`, second part: the same workload through the wire (pymongo → videotube-db) and in
mongita (PyPI: the closest Python embedded document store, running inside this process), in the
same run. Prints a Markdown table with the ratio per phase, and keeps the figures in
Benchmarks/results/wire.json.

    python Benchmarks/wire_bench.py PORT

mongita has no unique indexes; its index on `key` is an ordinary one, which is all the find
needs. Every write through the wire is fsynced by the embedded store; mongita writes its files
without fsync.
"""
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

import bson
import pymongo
from mongita import MongitaClientDisk

import report

ROUNDS = {"insert_one": 500, "insert_many ×1000": 5, "find_one by _id": 3000, "find_one by indexed key": 3000}


def per_op(n, fn):
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n * 1e6  # µs


def workload(items):
    """µs per operation for each phase, on a collection with an index on `key`."""
    out = {"insert_one": per_op(ROUNDS["insert_one"], lambda i: items.insert_one({"key": f"k{i}", "n": i}))}
    out["insert_many ×1000"] = per_op(
        ROUNDS["insert_many ×1000"], lambda r: items.insert_many([{"key": f"b{r}-{j}", "n": j} for j in range(1000)]))
    ids = [d["_id"] for d in items.find({"n": {"$lt": 500}})][:500]
    out["find_one by _id"] = per_op(ROUNDS["find_one by _id"], lambda i: items.find_one({"_id": ids[i % len(ids)]}))
    out["find_one by indexed key"] = per_op(ROUNDS["find_one by indexed key"], lambda i: items.find_one({"key": f"k{i % 500}"}))
    return out


def raw_ping(port, n=5000):
    """µs per `ping` over one socket with no driver at all: the server's own round trip (OP_MSG
    framing by hand), to set beside pymongo's, which adds its own work per operation."""
    body = struct.pack("<I", 0) + b"\x00" + bson.encode({"ping": 1, "$db": "admin"})
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def exactly(count):
            data = b""
            while len(data) < count:
                data += s.recv(count - len(data))
            return data

        start = time.perf_counter()
        for i in range(n):
            s.sendall(struct.pack("<iiii", 16 + len(body), i, 0, 2013) + body)  # 2013: OP_MSG
            exactly(struct.unpack("<i", exactly(4))[0] - 4)
        return (time.perf_counter() - start) / n * 1e6


def main():
    port = int(sys.argv[1])
    client = pymongo.MongoClient("127.0.0.1", port)
    client.drop_database("wire_bench")
    wire_items = client["wire_bench"]["items"]
    wire_items.create_index("key", unique=True)
    wire = workload(wire_items)
    client.drop_database("wire_bench")
    pymongo_ping = per_op(3000, lambda i: client.admin.command("ping"))
    socket_ping = raw_ping(port)

    folder = tempfile.mkdtemp(prefix="mongita-")
    try:
        mongita_items = MongitaClientDisk(host=folder)["bench"]["items"]
        mongita_items.create_index("key")
        mongita = workload(mongita_items)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print("| phase | through the wire (pymongo → videotube-db) | mongita (in-process) | speed-up |")
    print("|---|---|---|---|")
    ratios = {}
    for phase in ROUNDS:
        ratios[phase] = mongita[phase] / wire[phase]
        print(f"| {phase} | {wire[phase]:,.1f} µs | {mongita[phase]:,.1f} µs | {ratios[phase]:.2g}x |")
    print(f"\nA ping's round trip: {socket_ping:,.0f} µs over a bare socket, {pymongo_ping:,.0f} µs through pymongo "
          f"(the difference is the driver's own work per operation, which mongita, in-process, never pays).")
    report.record("wire", {"rounds": ROUNDS, "wire µs": wire, "mongita µs": mongita, "speed-up": ratios,
                           "ping µs, bare socket": socket_ping, "ping µs, pymongo": pymongo_ping})


if __name__ == "__main__":
    main()
