// Slow clients must not hold the server's sockets, file descriptors and temp files for ever:
//
// - `HTTP_IDLE_TIMEOUT`, 60 s: a connection on which nothing arrives for that long is closed by
//   Hummingbird's idle timeout; a stalled upload ends with it, and its temp files are deleted;
// - `HTTP_HEADER_TIMEOUT`, 10 s: a request's head, its line and headers, must arrive whole
//   within that time, so a client that trickles one header byte every few seconds, which keeps
//   a connection from ever being idle, is closed too.

import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request head has not arrived within `timeout`: from when the
/// connection opens, and again after each response.
///
/// A request only moves the deadline (one clock read); the connection's one timer, when it
/// fires, closes the connection if the deadline has passed, or sleeps again until it. So a busy
/// keep-alive connection schedules a timer about once per `timeout`, not once per request.
final class RequestHeadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    /// When the awaited head is due; `nil` while a request is in progress.
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { expectHead(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        expectHead(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { deadline = nil }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { expectHead(context) }  // the next request's head is due
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    private func expectHead(_ context: ChannelHandlerContext) {
        let due = NIODeadline.now() + timeout
        deadline = due
        if timer == nil { wake(context, at: due) }
    }

    private func wake(_ context: ChannelHandlerContext, at due: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = loopBound.value
            handler.timerFired(context)
        }
    }

    private func timerFired(_ context: ChannelHandlerContext) {
        timer = nil
        guard let deadline else { return }  // a request is in progress: its response re-arms
        if deadline <= .now() { context.close(promise: nil) } else { wake(context, at: deadline) }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }
}

extension AppConfig {
    /// The HTTP/1 server with both timeouts.
    var server: HTTPServerBuilder {
        let headTimeout = TimeAmount.seconds(Int64(headerTimeout))
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestHeadDeadline(timeout: headTimeout)],
                idleTimeout: .seconds(Int64(idleTimeout))))
    }
}
