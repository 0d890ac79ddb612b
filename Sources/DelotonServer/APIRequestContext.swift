import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage only. Who called (the API key)
/// is found by the routes that need it, so the hot read path never pays for it.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection (behind a proxy, the proxy): live feeds are counted by it.
    public let remoteAddress: SocketAddress?
    /// Completes when the connection closes: a live feed, which only writes, learns of a client
    /// that went away from this rather than from a write that fails later.
    public let connectionClosed: EventLoopFuture<Void>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        connectionClosed = source.channel.closeFuture
    }
}
