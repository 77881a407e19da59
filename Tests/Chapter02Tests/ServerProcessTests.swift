// Chapter 02's executable as a learner runs it: it says where it listens, refuses a taken
// port, and on SIGTERM finishes the request in flight before it exits.

import EmbeddedStore
import Foundation
import MongoStore
import Storage
import Synchronization
import TestSupport
import Testing

@Suite(.serialized) struct ServerProcessTests {
    @Test func aRequestInFlightFinishesAfterSIGTERM() async throws {
        let port = 18_000 + Int.random(in: 0..<2000)
        let server = try ChapterServer.start("Chapter02", port: port)
        defer { server.stop() }

        // Send the headers and half of the body, then ask the server to stop.
        let socket = try RawSocket(port: port)
        let body = #"{"message": "finish me"}"#
        try socket.send(
            "POST /api/v1/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        )
        try socket.send(String(body.prefix(10)))
        try await Task.sleep(for: .milliseconds(200))
        kill(server.pid, SIGTERM)
        try await Task.sleep(for: .milliseconds(200))
        try socket.send(String(body.dropFirst(10)))
        let reply = try socket.receiveAll()
        #expect(reply.hasPrefix("HTTP/1.1 200"))
        #expect(reply.contains(#""message":"finish me""#))

        let run = server.wait(timeout: 10)
        #expect(run.status == 0)
        #expect(run.output.contains("Server stopped gracefully; database closed"))
    }

    @Test func aDatabaseThatIsDownStopsItBeforeItListens() throws {
        let run = try ChapterProcess.run(
            "Chapter02", environment: ["MONGODB_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300", "PORT": "18999"],
            in: try ChapterProcess.scratchDirectory(), timeout: 20)
        #expect(run.status == 1)
        #expect(run.output.contains("MONGODB connection FAILED"))
        #expect(!run.output.contains("Server is running"))
    }

    @Test func itSaysWhereItListensAndRefusesATakenPort() async throws {
        let port = 20_000 + Int.random(in: 0..<2000)
        let first = try ChapterServer.start("Chapter02", port: port)
        defer { first.stop() }
        #expect(first.startupLine.contains("Server is running at http://127.0.0.1:\(port)"))
        // The routes it lists are the router's own, in Express's notation.
        #expect(
            first.startupLine.hasSuffix(
                "— POST /api/v1/echo, GET /api/v1/cookies, DELETE|POST /api/v1/cookies/:name; static files from public/"),
            "\(first.startupLine)")

        let second = try ChapterProcess.run("Chapter02", environment: ["PORT": String(port)], in: try ChapterProcess.scratchDirectory(), timeout: 20)
        #expect(second.status == 1)
        #expect(second.output.contains("port \(port) is already in use"))
    }

    /// `LOG_LEVEL=notice` keeps the start and stop lines and drops the line per request; the
    /// default, `info`, writes it.
    @Test(arguments: [("info", true), ("notice", false)])
    func logLevelDecidesWhetherRequestsAreLogged(level: String, logsRequests: Bool) async throws {
        let port = 22_000 + Int.random(in: 0..<2000)
        let server = try ChapterServer.start("Chapter02", port: port, environment: ["LOG_LEVEL": level])
        defer { server.stop() }
        let reply = try await TestHTTP.send("GET", port: port, "/api/v1/cookies")
        #expect(reply.status == 200)
        kill(server.pid, SIGTERM)
        let run = server.wait(timeout: 10)
        #expect(run.status == 0)
        #expect(run.output.contains("Server is running at"))
        #expect(run.output.contains("Server stopped gracefully"))
        #expect(run.output.contains("GET /api/v1/cookies 200") == logsRequests, "\(run.output)")
        // LineLogHandler's line: UTC time with milliseconds, level, label, message, metadata.
        let line = run.output.split(separator: "\n").first { $0.contains("GET /api/v1/cookies 200") }
        if logsRequests {
            let pattern = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info chapter02: GET \/api\/v1\/cookies 200 \d+\.\dms hb\.request\.id=[0-9a-f]+/
            #expect(line?.wholeMatch(of: pattern) != nil, "\(line ?? "")")
        }
    }

    /// One process owns a data folder (two writers each trusted their own image and overwrote
    /// each other's documents). With DB_PORT the owner also serves the data over the wire, which
    /// is how mongosh or pymongo look at a running app's data.
    @Test func withDBPortTheServerSharesItsDataOverTheWireAndHoldsTheFolder() async throws {
        let data = try ChapterProcess.scratchDirectory().appendingPathComponent("data").path
        let port = 22_000 + Int.random(in: 0..<1000), wirePort = 23_000 + Int.random(in: 0..<1000)
        let server = try ChapterServer.start("Chapter02", port: port, environment: ["DATA_DIR": data, "DB_PORT": String(wirePort)])
        defer { server.stop() }

        let mongo = try await MongoStore.connect(uri: "mongodb://127.0.0.1:\(wirePort)/?serverSelectionTimeoutMS=3000")
        try await mongo.database("videotube").collection("notes").insertOne(["text": "through the wire"])
        #expect(try await mongo.database("videotube").collection("notes").countDocuments([:]) == 1)
        await mongo.close()

        // A second opener fails at once, naming the process that holds the folder.
        let refusal = "is in use by another process (pid \(server.pid))"
        #expect {
            _ = try EmbeddedStore.open(directory: data)
        } throws: { error in
            "\(error)".contains(refusal)
        }
        let second = try ChapterProcess.run("Chapter01", environment: ["DATA_DIR": data], in: try ChapterProcess.scratchDirectory(), timeout: 20)
        #expect(second.status == 1 && second.output.contains(refusal), "\(second.output)")

        kill(server.pid, SIGTERM)
        let run = server.wait(timeout: 10)
        #expect(run.output.contains("served at mongodb://127.0.0.1:\(wirePort)"))
        // Stopped: the folder opens, with what came through the wire.
        let store = try EmbeddedStore.open(directory: data)
        #expect(try await store.database("videotube").collection("notes").countDocuments([:]) == 1)
        await store.close()
    }

    /// Slow or stalled clients do not hold a connection for ever: nothing arriving for
    /// HTTP_IDLE_TIMEOUT closes it, and so does a request head still incomplete after
    /// HTTP_HEADER_TIMEOUT even if a byte arrives now and then.
    @Test func idleAndTricklingClientsAreClosed() async throws {
        let port = 24_000 + Int.random(in: 0..<1000)
        let server = try ChapterServer.start(
            "Chapter02", port: port, environment: ["HTTP_IDLE_TIMEOUT": "1", "HTTP_HEADER_TIMEOUT": "2", "DATA_DIR": "data"])
        defer { server.stop() }

        let idle = try RawSocket(port: port, timeoutSeconds: 20)
        _ = try idle.receiveAll()
        #expect(idle.closedByPeer)  // the server closed it (a read timing out is not a close by the peer)

        /// Sends `opening`, then a byte every 300 ms (never idle for a second, never a whole
        /// head) until the server closes: what it answered, and how many of its 40 bytes it had
        /// sent by then. (Order, not time: closed while still trickling means fewer than 40.)
        func trickle(_ socket: RawSocket, after opening: String) throws -> (reply: String, sent: Int) {
            try socket.send(opening)
            let sent = SentCount()
            let sender = Task {
                for _ in 0..<40 {
                    try? await Task.sleep(for: .milliseconds(300))
                    guard (try? socket.send("X")) != nil else { return }
                    sent.value.add(1, ordering: .relaxed)
                }
            }
            defer { sender.cancel() }
            let reply = try socket.receiveAll()
            return (reply, sent.value.load(ordering: .relaxed))
        }

        let slow = try RawSocket(port: port, timeoutSeconds: 20)
        let (reply, slowSent) = try trickle(slow, after: "GET /api/v1/cookies HTTP/1.1\r\nHost: localhost\r\n")
        #expect(slow.closedByPeer && reply.isEmpty)
        #expect(slowSent < 40)

        // After a response the next head is due in its turn: a keep-alive client served once
        // that then trickles its second request is closed as well, its first answer intact.
        let second = try RawSocket(port: port, timeoutSeconds: 20)
        let (answers, secondSent) = try trickle(
            second, after: "GET /api/v1/cookies HTTP/1.1\r\nHost: localhost\r\n\r\nGET /api/v1/cookies HTTP/1.1\r\n")
        #expect(second.closedByPeer && answers.hasPrefix("HTTP/1.1 200") && answers.components(separatedBy: "HTTP/1.1 ").count == 2)
        #expect(secondSent < 40)

        // A well-behaved client is served as before.
        let ok = try RawSocket(port: port)
        try ok.send("GET /api/v1/cookies HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        #expect(try ok.receiveAll().hasPrefix("HTTP/1.1 200"))
    }
}

/// How many bytes a trickling client has sent, shared with its sending task.
final class SentCount: Sendable {
    let value = Atomic<Int>(0)
}
