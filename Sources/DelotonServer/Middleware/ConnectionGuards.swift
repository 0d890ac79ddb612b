import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Closes a connection that has not finished its first request's headers in time. Without it a
/// client may open sockets and write a byte now and then, holding them for ever; Hummingbird's
/// idle timeout then bounds later requests on the connection.
final class HeaderReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var headerSeen = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !headerSeen, case .head = unwrapInboundIn(data) {
            headerSeen = true
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil, !headerSeen else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }
}

/// Closes the connection when the client closes its side during a live feed (`text/event-stream`).
/// The server accepts half-closed connections, so that a client may send a request, close its side
/// and still read the answer; but a feed never ends, and its client sends nothing after the
/// request, so a closed side means the client is gone (a browser's `EventSource.close()`). Without
/// this the connection, and the feed's place, would be held until a write failed.
final class EventStreamHangUpHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var streaming = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head): streaming = head.headerFields[.contentType]?.hasPrefix("text/event-stream") == true
        case .end: streaming = false
        case .body: break
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if streaming, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Gives the answers Hummingbird writes itself for requests it cannot parse (headers too large,
/// an unknown method, a malformed request line), which leave as a bare 400 with no body, the
/// API's error shape and a status that says what was wrong (interface.md).
final class ParseErrorShapeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var pending: APIError?

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parse = error as? HTTPParserError { pending = Self.answer(to: parse) }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let error = pending, case .head(let head) = unwrapOutboundIn(data), head.status == .badRequest else {
            context.write(data, promise: promise)
            return
        }
        pending = nil
        let body = error.body
        var fields = error.headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: error.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: promise)
    }

    static func answer(to error: HTTPParserError) -> APIError {
        switch error {
        case .headerOverflow:
            return APIError(.init(code: 431, reasonPhrase: "Request Header Fields Too Large"),
                            "the request's headers or address are too large: send less")
        case .invalidMethod:
            return APIError(.methodNotAllowed, "this server knows the methods GET, HEAD, POST, DELETE and OPTIONS only",
                            headers: [.allow: "GET, HEAD, POST, DELETE, OPTIONS"])
        default:
            return APIError(.badRequest, "the request is not well-formed HTTP/1.1")
        }
    }
}
