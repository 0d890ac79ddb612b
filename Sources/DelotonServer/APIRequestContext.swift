import Hummingbird

/// The request context of every route: Hummingbird's core storage only. Who called (the API key)
/// is found by the routes that need it, so the hot read path never pays for it.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
