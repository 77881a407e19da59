"""`make bench`, second part: the same operations through the wire (pymongo → videotube-db),
to set beside the in-process numbers. Prints a Markdown table."""
import os
import sys
import time

import pymongo

port = int(sys.argv[1])
client = pymongo.MongoClient("127.0.0.1", port)
db = client["wire_bench"]
db.drop_collection("items")
items = db["items"]
items.create_index("key", unique=True)


def per_op(label, n, fn):
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    elapsed = time.perf_counter() - start
    return label, elapsed / n * 1e6, n / elapsed


rows = [
    per_op("insert_one (fsync)", 500, lambda i: items.insert_one({"key": f"k{i}", "n": i})),
    per_op("insert_many ×1000", 5, lambda r: items.insert_many([{"key": f"b{r}-{j}", "n": j} for j in range(1000)])),
]
ids = [d["_id"] for d in items.find({}, {"_id": 1}).limit(500)]
rows.append(per_op("find_one by _id", 5000, lambda i: items.find_one({"_id": ids[i % len(ids)]})))
rows.append(per_op("find_one by unique key", 5000, lambda i: items.find_one({"key": f"k{i % 500}"})))
print("| through the wire (pymongo) | µs per op | ops/s |")
print("|---|---|---|")
for label, us, rate in rows:
    print(f"| {label} | {us:,.1f} | {rate:,.0f} |")
client.drop_database("wire_bench")
