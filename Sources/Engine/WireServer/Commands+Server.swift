// The handshake and the server's own questions: hello (with the awaitable hello drivers'
// monitors send), ping, buildInfo, serverStatus, hostInfo, and the few that mongosh and Compass
// ask on connecting. Without DB_USERNAME/DB_PASSWORD the server has no users (Authentication.swift
// is the other case): it listens on loopback unless told otherwise (videotube-db).

import BSON
import Foundation
import Storage

extension CommandProcessor {
    func runServer(_ name: String, _ cmd: Document, _ db: String) async throws -> Document {
        switch name {
        case "hello", "isMaster", "ismaster":
            if let wait = Self.awaitableHelloWait(cmd) { try? await Task.sleep(for: wait) }
            return [
                "helloOk": true, "ismaster": true, "isWritablePrimary": true,
                "topologyVersion": ["processId": .objectId(Self.processId), "counter": .int64(0)],
                "maxBsonObjectSize": .int32(16 * 1024 * 1024), "maxMessageSizeBytes": .int32(Int32(WireCodec.maxMessageSize)),
                "maxWriteBatchSize": .int32(100_000), "localTime": .datetime(.now()), "logicalSessionTimeoutMinutes": 30,
                "connectionId": .int32(Int32(truncatingIfNeeded: connectionID)), "minWireVersion": 0, "maxWireVersion": .int32(Self.maxWireVersion),
                "readOnly": false, "ok": 1.0,
            ]
        case "ping", "endSessions", "killSessions", "refreshSessions":
            return ["ok": 1.0]
        case "buildInfo", "buildinfo":
            return [
                "version": "6.0.0", "gitVersion": "videotube-embedded", "versionArray": [6, 0, 0, 0], "bits": 64, "debug": false,
                "maxBsonObjectSize": .int32(16 * 1024 * 1024), "storageEngines": ["embedded"], "modules": [], "ok": 1.0,
            ]
        case "serverStatus":
            return [
                "host": .string(ProcessInfo.processInfo.hostName), "version": "6.0.0", "process": "videotube-db",
                "pid": .int64(Int64(ProcessInfo.processInfo.processIdentifier)), "uptime": .double(Date().timeIntervalSince(startedAt)),
                "uptimeMillis": .int64(Int64(Date().timeIntervalSince(startedAt) * 1000)), "localTime": .datetime(.now()),
                "connections": ["current": 1, "available": 1000], "ok": 1.0,
            ]
        case "hostInfo":
            return [
                "system": [
                    "currentTime": .datetime(.now()), "hostname": .string(ProcessInfo.processInfo.hostName), "cpuAddrSize": 64,
                    "numCores": .int32(Int32(ProcessInfo.processInfo.processorCount)),
                    "memSizeMB": .int64(Int64(ProcessInfo.processInfo.physicalMemory / 1_048_576)),
                ],
                "os": ["type": "Linux", "name": "Linux"], "extra": [:], "ok": 1.0,
            ]
        case "getParameter":
            return ["featureCompatibilityVersion": ["version": "6.0"], "ok": 1.0]
        case "getCmdLineOpts":
            return ["argv": .array(CommandLine.arguments.map(BSONValue.string)), "parsed": [:], "ok": 1.0]
        case "connectionStatus":
            return ["authInfo": ["authenticatedUsers": [], "authenticatedUserRoles": []], "ok": 1.0]
        case "getLog":
            return ["totalLinesWritten": 0, "log": [], "ok": 1.0]
        case "whatsmyuri":
            return ["you": "127.0.0.1", "ok": 1.0]
        case "saslStart", "saslContinue", "authenticate":
            throw CommandError(18, "AuthenticationFailed", "this server has no users (DB_USERNAME is not set): connect without credentials")
        default: preconditionFailure("not a command of this family: \(name)")
        }
    }
}
