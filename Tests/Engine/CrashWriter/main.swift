// Test helper for the embedded store's crash test: writes continuously to the data folder
// given as the first argument, printing "ACK <n>" after each write is acknowledged, until it is
// killed. The test kills it with SIGKILL at a random moment and checks every ACKed write.

import BSON
import EmbeddedStore
import Foundation
import Storage

/// Unbuffered: an ACK line leaves the process as soon as the write is acknowledged.
func ack(_ n: Int) { FileHandle.standardOutput.write(Data("ACK \(n)\n".utf8)) }

let directory = CommandLine.arguments[1]
let start = Int(CommandLine.arguments.dropFirst(2).first ?? "0") ?? 0
let store = try EmbeddedStore.open(directory: directory)
let events = store.database("crash").collection("events")
try await events.createIndex(["seq": 1], unique: true)
var seq = start
while true {
    if seq % 3 == 0 {
        // A small batch, so multi-document transactions are interrupted too.
        try await events.insertMany((0..<3).map { ["seq": .int64(Int64(seq + $0)), "payload": .string(String(repeating: "x", count: 200))] })
        ack(seq + 2)
        seq += 3
    } else {
        try await events.insertOne(["seq": .int64(Int64(seq)), "payload": .string(String(repeating: "y", count: 50))])
        ack(seq)
        seq += 1
    }
}
