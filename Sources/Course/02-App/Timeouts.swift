// Slow clients must not hold the server's sockets, file descriptors and temp files for ever:
//
// - `HTTP_IDLE_TIMEOUT` (60 s): a connection on which nothing arrives for that long is closed
//   (Hummingbird's idle timeout); a stalled upload ends with it, and its temp files are deleted;
// - `HTTP_HEADER_TIMEOUT` (10 s): a request's head (its line and headers) must arrive whole
//   within that time, so a client that trickles one header byte every few seconds, which keeps
//   a connection from ever being idle, is closed too.
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request head has not arrived within `timeout`: from when the
/// connection opens, and again after each response.
final class RequestHeadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context) }  // the next request's head is due
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
    }
}

extension AppConfig {
    /// The HTTP/1 server with both timeouts.
    var server: HTTPServerBuilder {
        let headTimeout = TimeAmount.seconds(Int64(headerTimeout))
        return .http1(
            configuration: .init(additionalChannelHandlers: [RequestHeadDeadline(timeout: headTimeout)], idleTimeout: .seconds(Int64(idleTimeout))))
    }
}
