// Chapter 02's executable as a learner runs it: it says where it listens, refuses a taken
// port, and on SIGTERM finishes the request in flight before it exits.
import Foundation
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

        let second = try ChapterProcess.run("Chapter02", environment: ["PORT": String(port)], in: try ChapterProcess.scratchDirectory(), timeout: 20)
        #expect(second.status == 1)
        #expect(second.output.contains("port \(port) is already in use"))
    }
}
