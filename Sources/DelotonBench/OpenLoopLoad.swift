import Foundation
import Synchronization

/// Open-loop HTTP load: requests go out on a fixed schedule whatever the server's pace, and each
/// latency counts from the request's *scheduled* time, so a stall shows in the percentiles
/// instead of quietly lowering the rate (no coordinated omission).
///
/// Each of `connections` keep-alive connections has its own thread with blocking sockets and
/// sends every `connections`-th request of the schedule.
public enum OpenLoopLoad {
    public struct Result: Sendable {
        public var requests: Int
        public var errors: Int
        public var seconds: Double
        /// Sorted latencies, in milliseconds.
        public var latencies: [Double]

        public func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))]
        }

        public var summary: String {
            String(format: "%d requests, %d errors, %.0f/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms",
                   requests, errors, Double(requests) / seconds, percentile(0.5), percentile(0.9), percentile(0.99),
                   percentile(0.999), latencies.last ?? 0)
        }
    }

    /// Blocks until the run is over: call it from a thread of its own.
    public static func run(port: Int, rate: Double, seconds: Double, connections: Int = 32,
                           path: @escaping @Sendable (Int) -> String) -> Result {
        let total = Int(rate * seconds)
        let start = now() + 0.2
        let collected = Collected()
        let group = DispatchGroup()
        for c in 0..<connections {
            group.enter()
            Thread.detachNewThread {
                var mine: [Double] = [], failed = 0
                var connection = Connection(port: port)
                for i in stride(from: c, to: total, by: connections) {
                    let scheduled = start + Double(i) / rate
                    let wait = scheduled - now()
                    if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
                    if connection.get(path(i)) { mine.append((now() - scheduled) * 1000) } else { failed += 1 }
                }
                connection.close()
                collected.add(mine, errors: failed)
                group.leave()
            }
        }
        group.wait()
        let (latencies, errors) = collected.all
        return Result(requests: latencies.count, errors: errors, seconds: now() - start, latencies: latencies.sorted())
    }

    /// What the connection threads measured.
    private final class Collected: Sendable {
        private let state = Mutex((latencies: [Double](), errors: 0))

        func add(_ mine: [Double], errors failed: Int) {
            state.withLock {
                $0.latencies += mine
                $0.errors += failed
            }
        }

        var all: ([Double], Int) { state.withLock { ($0.latencies, $0.errors) } }
    }

    /// A port on 127.0.0.1 that nothing listens on now, for a server the bench starts.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw APIBench.BenchError(description: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// One keep-alive HTTP/1.1 connection to 127.0.0.1, reconnected after an error.
    public struct Connection {
        let port: Int
        var fd: Int32 = -1
        var buffer = [UInt8](repeating: 0, count: 1 << 16)

        init(port: Int) { self.port = port }

        /// True for a complete 200 response.
        mutating func get(_ path: String) -> Bool {
            if fd < 0 { fd = Self.connect(port) }
            guard fd >= 0 else { return false }
            let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count,
                  let ok = readResponse() else {
                close()
                return false
            }
            return ok
        }

        /// Reads the head, then exactly Content-Length bytes of body; nil when the connection failed.
        private mutating func readResponse() -> Bool? {
            var head: [UInt8] = []
            var bodyRead = 0
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { return nil }
                head += buffer[0..<n]
                if let end = Self.headEnd(head) {
                    bodyRead = head.count - end
                    head.removeSubrange(end...)
                    break
                }
            }
            let text = String(decoding: head, as: UTF8.self)
            let length = text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            while bodyRead < length {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { return nil }
                bodyRead += n
            }
            return text.hasPrefix("HTTP/1.1 200")
        }

        private static func headEnd(_ bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
                return i + 4
            }
            return nil
        }

        mutating func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        public static func connect(_ port: Int) -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return -1 }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected != 0 {
                Glibc.close(fd)
                return -1
            }
            return fd
        }
    }
}
