// The embedded store's front door in MongoDB's own protocol: `mongosh`, Compass, pymongo and
// our libmongoc backend connect to `mongodb://127.0.0.1:27017` and work on the app's data.
//
// Built on SwiftNIO: a length-prefixed frame decoder splits the byte stream into messages,
// and each connection is served by one task that answers its commands in order (as MongoDB
// does). A malformed message closes that connection after one log line; the server goes on.

import BSON
import Foundation
import Logging
import NIOCore
import NIOPosix
import Storage
import Synchronization

public final class WireServer: Sendable {
    /// The port actually bound (useful when asked for port 0).
    public let port: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let acceptTask: Mutex<Task<Void, Never>?>

    /// Binds `host:port` and starts serving `storage` in the background.
    /// `defaultTimeLimit`: the time a command that sends no `maxTimeMS` may take (the servers'
    /// `QUERY_TIMEOUT_MS`), so a client that gives up cannot leave a scan running for minutes.
    public static func start(
        storage: any Storage, host: String = "127.0.0.1", port: Int = 27017, defaultTimeLimit: Duration? = nil,
        credentials: WireCredentials? = nil, logger: Logger
    ) async throws -> WireServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        let server = WireServer(channel: channel, port: channel.channel.localAddress?.port ?? port)
        let cursors = CursorStore()
        let started = Date()
        let task = Task {
            let counter = Atomic<Int>(0)
            await withDiscardingTaskGroup { group in
                do {
                    try await channel.executeThenClose { connections in
                        for try await connection in connections {
                            let id = counter.add(1, ordering: .relaxed).newValue
                            let processor = CommandProcessor(
                                storage: storage, cursors: cursors, connectionID: id, startedAt: started, defaultTimeLimit: defaultTimeLimit,
                                credentials: credentials)
                            // The connection's own event loop runs its loop of read, answer, write:
                            // no hand-off to another thread and back for each message. Writes
                            // still wait on the store's SQLite queue, off the loop.
                            let loop = EventLoopExecutor(connection.channel.eventLoop)
                            group.addTask(executorPreference: loop) { await serve(connection, processor, logger: logger) }
                        }
                    }
                } catch {
                    logger.debug("wire server stopped accepting: \(error)")
                }
            }
        }
        server.acceptTask.withLock { $0 = task }
        return server
    }

    private init(channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, port: Int) {
        self.channel = channel
        self.port = port
        self.acceptTask = Mutex(nil)
    }

    /// Stops accepting connections and closes the open ones.
    public func stop() async {
        try? await channel.channel.close()
        let task = acceptTask.withLock { $0 }
        task?.cancel()
        await task?.value
    }
}

/// Runs a task's jobs on a NIO event loop (SwiftNIO 2.101 offers no `TaskExecutor` of its own).
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop
    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}

/// Answers one connection's messages in order until it closes or sends something malformed.
private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ processor: CommandProcessor, logger: Logger) async {
    let peer = connection.channel.remoteAddress?.description ?? "?"
    var replyID: Int32 = 0
    do {
        try await connection.executeThenClose { inbound, outbound in
            for try await frame in inbound {
                let request: WireRequest
                do {
                    request = try WireCodec.parse(frame)
                } catch {
                    logger.warning("closing connection \(processor.connectionID) from \(peer): \(error)")
                    return
                }
                replyID &+= 1
                switch request {
                case .compressed(let requestID):
                    let reply = CommandProcessor.error(2, "BadValue", "OP_COMPRESSED is not supported: connect without compressors")
                    try await outbound.write(WireCodec.msgReply(responseTo: requestID, requestID: replyID, reply))
                case .command(let requestID, let legacy, let command):
                    let reply = await processor.run(command)
                    if legacy {
                        try await outbound.write(WireCodec.queryReply(responseTo: requestID, requestID: replyID, reply))
                    } else {
                        try await outbound.write(WireCodec.msgReply(responseTo: requestID, requestID: replyID, reply))
                    }
                }
            }
        }
    } catch let error as IOError where error.errnoCode == ECONNRESET {
        logger.debug("connection \(processor.connectionID) from \(peer) reset by the client")
    } catch  where Task.isCancelled {
        logger.debug("connection \(processor.connectionID) from \(peer) closed by the server's stop")
    } catch {
        logger.warning("closing connection \(processor.connectionID) from \(peer): \(error)")
    }
}
