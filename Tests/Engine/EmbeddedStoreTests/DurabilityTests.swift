// The embedded store keeps what it acknowledged: across a clean reopen, across SIGKILL at any
// moment, and with garbage appended to its write-ahead log (a torn write).

import BSON
import EmbeddedStore
import EngineTestSupport
import Foundation
import Storage
import Testing

struct DurabilityTests {
    @Test func documentsAndIndexesSurviveAReopen() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let users = store.database("videotube").collection("users")
        try await users.createIndex(["email": 1], unique: true)
        try await users.insertMany((0..<100).map { ["email": .string("u\($0)@x.io"), "n": .int32(Int32($0))] })
        _ = try await users.updateOne(["email": "u5@x.io"], ["$set": ["n": 500]])
        _ = try await users.deleteOne(["email": "u6@x.io"])
        await store.close()

        let reopened = try EmbeddedStore.open(directory: folder.path)
        let again = reopened.database("videotube").collection("users")
        #expect(try await again.countDocuments([:]) == 99)
        #expect(try await again.findOne(["email": "u5@x.io"])?["n"] == 500)
        #expect(try await again.findOne(["email": "u6@x.io"]) == nil)
        // Natural order survives too.
        #expect(try await again.find([:]).first?["email"] == "u0@x.io")
        let duplicate = await storageError { () async throws(StorageError) in
            try await again.insertOne(["email": "u7@x.io"])
        }
        guard case .duplicateKey? = duplicate else {
            Issue.record("the unique index did not survive the reopen: \(String(describing: duplicate))")
            return
        }
        #expect(try await reopened.listDatabaseNames() == ["videotube"])
        await reopened.close()
    }

    @Test func concurrentDuplicatesGiveExactlyOneSuccess() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let users = store.database("videotube").collection("users")
        try await users.createIndex(["email": 1], unique: true)
        try await users.createIndex(["subscriber": 1, "channel": 1], unique: true)
        let outcomes = await withTaskGroup(of: String.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let error = await storageError { () async throws(StorageError) in
                        try await users.insertOne(["email": "same@x.io", "attempt": .int32(Int32(i))])
                    }
                    switch error {
                    case nil: return "ok"
                    case .duplicateKey?: return "duplicate"
                    case let other?: return "other: \(other)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "ok" }.count == 1, "\(outcomes.filter { $0.hasPrefix("other") })")
        #expect(outcomes.filter { $0 == "duplicate" }.count == 39)
        #expect(try await users.countDocuments(["email": "same@x.io"]) == 1)

        // The compound unique index: the pair is unique, each field alone is not.
        try await users.insertOne(["email": "s1", "subscriber": 1, "channel": 2])
        try await users.insertOne(["email": "s2", "subscriber": 1, "channel": 3])
        try await users.insertOne(["email": "s3", "subscriber": 2, "channel": 2])
        let pair = await storageError { () async throws(StorageError) in
            try await users.insertOne(["email": "s4", "subscriber": 1, "channel": 2])
        }
        guard case .duplicateKey(let info)? = pair else {
            Issue.record("a duplicate pair was accepted: \(String(describing: pair))")
            return
        }
        #expect(info.keyPattern == ["subscriber": 1, "channel": 1])
        #expect(info.keyValue == ["subscriber": 1, "channel": 2])
        await store.close()
    }

    @Test func aFailedBatchKeepsWhatCameBeforeTheError() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tags = store.database("videotube").collection("tags")
        try await tags.createIndex(["name": 1], unique: true)
        let error = await storageError { () async throws(StorageError) in
            try await tags.insertMany([["name": "a"], ["name": "b"], ["name": "a"], ["name": "c"]])
        }
        guard case .duplicateKey(let info)? = error else {
            Issue.record("expected a duplicate key, got \(String(describing: error))")
            return
        }
        #expect(info.keyValue == ["name": "a"])
        #expect(info.message.contains("E11000 duplicate key error collection: videotube.tags index: name_1"))
        // Ordered inserts: "a" and "b" stay, the batch stops at the duplicate ("c" is not inserted).
        #expect(try await tags.find([:]).compactMap { $0["name"]?.stringValue } == ["a", "b"])
        await store.close()
    }

    @Test func everyAcknowledgedWriteSurvivesSIGKILL() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var lastAcked = -1
        for round in 0..<4 {
            // Kill at a different moment each round: after 50 to 400 acknowledged writes.
            let acked = try runWriterUntilKilled(folder: folder, startAt: lastAcked + 1, killAfter: Int.random(in: 50...400))
            #expect(acked > lastAcked, "round \(round) acknowledged nothing")
            lastAcked = acked

            let store = try EmbeddedStore.open(directory: folder.path)
            let events = store.database("crash").collection("events")
            let seqs = Set(try await events.find([:]).compactMap { $0["seq"]?.int64Value })
            let missing = (0...lastAcked).filter { !seqs.contains(Int64($0)) }
            #expect(missing.isEmpty, "round \(round): acknowledged writes lost after SIGKILL: \(missing.prefix(10))")
            // Whatever was written but not acknowledged may or may not be there; nothing else is.
            #expect(seqs.allSatisfy { $0 >= 0 && $0 <= Int64(lastAcked) + 3 })
            lastAcked = Int(seqs.max() ?? Int64(lastAcked))
            await store.close()
        }
    }

    @Test func aTornLogTailIsIgnoredOnReopen() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A killed writer leaves its write-ahead log behind, as a crash would.
        let acked = try runWriterUntilKilled(folder: folder, startAt: 0, killAfter: 100)
        let wal = folder.appendingPathComponent("crash/store.sqlite-wal")
        #expect(FileManager.default.fileExists(atPath: wal.path), "the test needs a WAL left by the crash")
        // Append half a frame of garbage: what a crash in the middle of writing a frame leaves.
        let handle = try FileHandle(forWritingTo: wal)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((0..<3000).map { _ in UInt8.random(in: 0...255) }))
        try handle.close()

        let reopened = try EmbeddedStore.open(directory: folder.path)
        let events = reopened.database("crash").collection("events")
        let seqs = Set(try await events.find([:]).compactMap { $0["seq"]?.int64Value })
        #expect((0...acked).allSatisfy { seqs.contains(Int64($0)) }, "acknowledged writes lost")
        #expect(try await events.find([:]).allSatisfy { $0["payload"]?.stringValue != nil }, "garbage was loaded")
        try await events.insertOne(["seq": .int64(Int64(acked + 1000))])
        await reopened.close()
    }
}

/// Runs CrashWriter until it has acknowledged `killAfter` writes, kills it with SIGKILL, and
/// returns the highest acknowledged sequence number.
func runWriterUntilKilled(folder: URL, startAt: Int, killAfter: Int) throws -> Int {
    let process = Process()
    process.executableURL = ChapterProcess.productsDirectory.appendingPathComponent("CrashWriter")
    process.arguments = [folder.path, String(startAt)]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    var lastAck = startAt - 1, count = 0, buffer = Data()
    let reader = output.fileHandleForReading
    while count < killAfter {
        guard let chunk = try reader.read(upToCount: 4096), !chunk.isEmpty else { break }
        buffer.append(chunk)
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex...newline)
            if line.hasPrefix("ACK "), let n = Int(line.dropFirst(4)) {
                lastAck = n
                count += 1
            }
        }
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    // Lines already in the pipe were acknowledged before the kill: count them too.
    let rest = reader.readDataToEndOfFile()
    buffer.append(rest)
    for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("ACK ") {
        if let n = Int(line.dropFirst(4)) { lastAck = max(lastAck, n) }
    }
    return lastAck
}

@Suite struct OneOwnerPerFolder {
    @Test func aSecondOpenerFailsAtOnceUntilTheFirstCloses() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        let first = try EmbeddedStore.open(directory: folder)
        #expect {
            _ = try EmbeddedStore.open(directory: folder)
        } throws: { error in
            "\(error)".contains("is in use by another process (pid \(getpid()))")
        }
        await first.close()
        let second = try EmbeddedStore.open(directory: folder)
        try await second.database("d").collection("c").insertOne(["a": 1])
        await second.close()
    }
}
