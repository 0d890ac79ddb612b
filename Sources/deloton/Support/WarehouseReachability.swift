import DelotonStore
import Foundation

/// Whether the warehouse's server accepts TCP connections at all, asked by ingest's liveness
/// when a write has hung past the stall limit. PostgresNIO waits for a connection rather than
/// failing while the server is down, so from the pipeline a database outage looks like a hung
/// write; this tells the two apart. SQLite is a local file: never unreachable in this sense.
struct WarehouseReachability: Sendable {
    let host: String
    let port: Int

    /// nil for SQLite (or a URL that does not parse: it was checked at start).
    init?(databaseURL: String) {
        guard case .postgres(let settings)? = try? WarehouseLocation(parsing: databaseURL) else { return nil }
        host = settings.host
        port = settings.port
    }

    /// True when no address of the host accepts a connection within `timeout`.
    func isUnreachable(timeout: Duration = .seconds(2)) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return true }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            if Self.connects(info.pointee, timeout: timeout) { return false }
            entry = info.pointee.ai_next
        }
        return true
    }

    private static func connects(_ info: addrinfo, timeout: Duration) -> Bool {
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let millis = Int32(clamping: timeout.wholeMilliseconds)
        guard poll(&waiting, 1, millis) == 1 else { return false }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 && failure == 0
    }
}
