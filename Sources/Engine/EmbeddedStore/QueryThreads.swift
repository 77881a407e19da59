// The threads long queries run on (a search's regex, a text search, an `$expr`).
//
// Swift's tasks share a pool with one thread per core. A query that scans with a regex keeps
// its thread until it is done; two of them on a two-core machine, and no other request, not
// even the healthcheck, runs until one finishes. Such queries run here instead, on threads
// of their own: the operating system shares the cores between them and the request tasks,
// and every long query is also stopped at its deadline (QueryBudget).

import NIOPosix
import Storage

final class QueryThreads: Sendable {
    private let pool: NIOThreadPool

    init(count: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, count))
        pool.start()
    }

    /// Runs `body` on one of the threads, in the order asked.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T) async throws(StorageError) -> T {
        do {
            return try await pool.runIfActive { () throws -> T in try body() }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .unavailable("the embedded store is closed")
        }
    }

    func shutdown() async { try? await pool.shutdownGracefully() }
}
