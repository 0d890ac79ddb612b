import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Hummingbird
import Logging
import Testing
@testable import DelotonServer
#if canImport(Glibc)
import Glibc
#endif

/// The server under abuse, over real sockets: hundreds of connections that never finish their
/// headers and a flood of live feeds must not stop `/health` answering quickly, and whatever the
/// server refuses it refuses in the API's error shape.
@Suite(.serialized) struct ServerLimitsTests {
    static let limits = ServerLimits(headerReadTimeout: 2, idleTimeout: 5, maxConnections: 2048,
                                     maxEventStreams: 12, maxEventStreamsPerAddress: 4)

    @Test(.timeLimit(.minutes(2))) func halfOpenSocketsAndAFeedFloodLeaveHealthAnswering() async throws {
        let fixture = try await Fixture.make(.sqlite, publicReads: true)
        defer { Task { await fixture.close() } }
        let server = try await LiveServer.start(fixture: fixture, limits: Self.limits)
        defer { server.stop() }
        let port = server.port

        let (halfOpen, feeds, probes) = try await onOwnThread { () throws -> ([RawSocket], [(RawSocket, String)], [Double]) in
            // 300 connections that start a request and never end its headers.
            var halfOpen: [RawSocket] = []
            for _ in 0..<300 {
                let s = try RawSocket(port: port)
                try s.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                halfOpen.append(s)
            }
            // 40 live feeds from one address: 4 are let in, the rest refused.
            var feeds: [(RawSocket, String)] = []
            for _ in 0..<40 {
                let s = try RawSocket(port: port)
                try s.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                feeds.append((s, try s.receive(until: "\r\n\r\n", seconds: 5)))
            }
            var probes: [Double] = []
            for _ in 0..<20 { probes.append(try RawSocket.timedHealth(port: port)) }
            return (halfOpen, feeds, probes)
        }
        #expect(feeds.filter { $0.1.hasPrefix("HTTP/1.1 200") }.count == 4, "\(feeds.map { $0.1.prefix(12) })")
        let refused = feeds.filter { $0.1.hasPrefix("HTTP/1.1 429") }
        #expect(refused.count == 36)
        let sorted = probes.sorted()
        // The median is the promise; the tail has slack for a test suite that loads both cores at once.
        #expect(sorted[sorted.count / 2] < 0.1 && sorted[sorted.count * 9 / 10] < 0.25, "health took \(sorted.map { Int($0 * 1000) }) ms")

        // The half-open sockets are closed by the server once the header timeout has passed.
        let closed = try await onOwnThread { halfOpen.filter { $0.closedByPeer(within: 6) }.count }
        #expect(closed == halfOpen.count, "\(halfOpen.count - closed) half-open connections still held")
        for s in halfOpen { s.close() }
        for (s, _) in feeds { s.close() }
    }

    /// A feed's place comes back when its client hangs up, not when a later write to it fails.
    /// The server here writes nothing more after the first heartbeat (an hour to the next, and
    /// the fixture has no live ride), so a place given back only on a failed write never comes
    /// back: the check needs no timing, and the bound is only there to end the test.
    @Test(.timeLimit(.minutes(2))) func aFeedsPlaceComesBackWhenItsClientHangsUp() async throws {
        let fixture = try await Fixture.make(.sqlite, publicReads: true)
        defer { Task { await fixture.close() } }
        var config = fixture.config
        config.limits = Self.limits
        config.dashboard.heartbeatInterval = 3600
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let (app, _) = buildServer(config: config, warehouse: fixture.warehouse, logger: Logger(label: "feed-release"), metrics: nil,
                                   onListening: { port in
                                       portSink.yield(port)
                                       portSink.finish()
                                   })
        let server = Task { try? await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var listening = 0
        for await p in ports { listening = p }
        let port = listening

        let (opened, refused) = try await onOwnThread { () throws -> ([RawSocket], String) in
            let opened = try (0..<4).map { _ in try RawSocket(port: port) }
            for s in opened { try s.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") }
            // Every feed has had the first heartbeat, the last write the server makes.
            for s in opened { _ = try s.receive(until: ": keep-alive", seconds: 60) }
            let fifth = try RawSocket(port: port)
            defer { fifth.close() }
            try fifth.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return (opened, try fifth.receive(until: "\r\n\r\n", seconds: 10))
        }
        #expect(refused.hasPrefix("HTTP/1.1 429"), "\(refused.prefix(100))")
        // Both ways a client hangs up: closing only its sending side (a FIN, as a browser's
        // EventSource.close() sends), and closing the socket.
        for (i, s) in opened.enumerated() { if i % 2 == 0 { s.shutdownWrite() } else { s.close() } }
        let back = try await onOwnThread { () throws -> Int in
            var held: [RawSocket] = []
            defer { for s in held { s.close() } }
            let deadline = Date().addingTimeInterval(60)
            while held.count < 4, Date() < deadline {
                let s = try RawSocket(port: port)
                try s.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if try s.receive(until: "\r\n\r\n", seconds: 10).hasPrefix("HTTP/1.1 200") {
                    held.append(s)
                } else {
                    s.close()
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            return held.count
        }
        #expect(back == 4, "\(back) of 4 feed places given back")
        for (i, s) in opened.enumerated() where i % 2 == 0 { s.close() }
    }

    @Test func refusalsBeforeAnyRouteComeInTheErrorShape() async throws {
        let fixture = try await Fixture.make(.sqlite, publicReads: true)
        defer { Task { await fixture.close() } }
        let server = try await LiveServer.start(fixture: fixture, limits: Self.limits)
        defer { server.stop() }
        let port = server.port
        let answers = try await onOwnThread { () throws -> [String] in
            var out: [String] = []
            for request in ["GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n",
                            "BREW /health HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /rides?limit=1&junk=\(String(repeating: "j", count: 70_000)) HTTP/1.1\r\nHost: x\r\n\r\n"] {
                let s = try RawSocket(port: port)
                defer { s.close() }
                try s.send(request)
                out.append(try s.receiveAll(seconds: 5))
            }
            return out
        }
        #expect(answers[0].hasPrefix("HTTP/1.1 431"), "\(answers[0].prefix(200))")
        #expect(answers[0].contains(#"{"error":{"code":431,"type":"payload_too_large"}"#))
        #expect(answers[1].hasPrefix("HTTP/1.1 405"), "\(answers[1].prefix(200))")
        #expect(answers[1].contains(#""type":"method_not_allowed""#))
        // An unknown parameter is not echoed into the next page's link.
        #expect(answers[2].hasPrefix("HTTP/1.1 200"), "\(answers[2].prefix(200))")
        let link = answers[2].split(separator: "\r\n").first { $0.lowercased().hasPrefix("link:") } ?? ""
        #expect(!link.isEmpty && link.count < 300 && !link.contains("junk"), "\(link.prefix(300))")
    }
}

/// `deloton serve` in a process of its own on a free loopback port, so that what the tests do in
/// this process (other suites included) cannot slow the server they measure.
struct LiveServer: Sendable {
    let port: Int
    let process: SpawnedServer

    static func start(fixture: Fixture, limits: ServerLimits) async throws -> LiveServer {
        let port = try SpawnedServer.freePort()
        let process = try await SpawnedServer.start(
            [TestPaths.delotonBinary, "serve", "--database", fixture.url, "--host", "127.0.0.1", "--port", String(port),
             "--public-reads", "--header-timeout", String(limits.headerReadTimeout), "--idle-timeout", String(limits.idleTimeout),
             "--max-event-streams", String(limits.maxEventStreams),
             "--max-event-streams-per-address", String(limits.maxEventStreamsPerAddress)],
            environment: ["SWIFT_BACKTRACE": "enable=no"], log: fixture.directory.appendingPathComponent("serve.log"), port: port)
        return LiveServer(port: port, process: process)
    }

    func stop() { process.stopInBackground() }
}

/// A blocking TCP client on loopback: just enough to misbehave on purpose.
final class RawSocket: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { Glibc.close(fd); throw Failure("connect: \(errno)") }
    }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure("send: \(errno)") }
            bytes = bytes.dropFirst(n)
        }
    }

    private func timeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// What arrives until `marker` has been seen, or the time is up.
    func receive(until marker: String, seconds: Double) throws -> String {
        timeout(seconds)
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: data, as: UTF8.self).contains(marker) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Everything until the server closes the connection (or the time is up).
    func receiveAll(seconds: Double) throws -> String {
        timeout(seconds)
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// True once the server has closed its side (EOF or reset) within `seconds`.
    func closedByPeer(within seconds: Double) -> Bool {
        timeout(seconds)
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Closes the sending side only (a FIN): the socket still reads.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    func close() { Glibc.close(fd) }

    /// Seconds from connecting to the end of `/health`'s answer.
    static func timedHealth(port: Int) throws -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        let s = try RawSocket(port: port)
        defer { s.close() }
        try s.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let answer = try s.receive(until: "\"ok\"}", seconds: 5)
        guard answer.hasPrefix("HTTP/1.1 200") else { throw Failure("health answered: \(answer.prefix(100))") }
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
