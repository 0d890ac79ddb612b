import DelotonNotify
import DelotonTestSupport
import Foundation
import Testing

/// A relay that offers AUTH but no STARTTLS, as a downgrading attacker would present itself:
/// with credentials set, deloton must send neither them nor the message.
@Suite("SMTP transport security", .serialized)
struct SMTPTransportSecurityTests {
    /// Speaks just enough SMTP, offers AUTH without STARTTLS, and writes down every command.
    static let plainRelay = #"""
    import socketserver, sys
    port, log = int(sys.argv[1]), sys.argv[2]
    class Relay(socketserver.StreamRequestHandler):
        def handle(self):
            self.wfile.write(b"220 plain.example.net ESMTP\r\n")
            data = False
            for raw in self.rfile:
                line = raw.decode("latin-1").rstrip("\r\n")
                with open(log, "a") as f:
                    f.write(("DATA-LINE " if data else "") + line + "\n")
                if data:
                    if line == ".":
                        data = False
                        self.wfile.write(b"250 queued\r\n")
                    continue
                verb = line.split(" ")[0].upper()
                if verb == "EHLO":
                    self.wfile.write(b"250-plain.example.net\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                elif verb == "AUTH":
                    self.wfile.write(b"235 accepted\r\n")
                elif verb == "DATA":
                    data = True
                    self.wfile.write(b"354 go on\r\n")
                elif verb == "QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 OK\r\n")
    socketserver.TCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer(("127.0.0.1", port), Relay).serve_forever()
    """#

    @Test func withCredentialsARelayWithoutSTARTTLSGetsNoAuthAndNoMessage() async throws {
        let dir = URL(fileURLWithPath: TestPaths.scratch("plain-relay"))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("relay.py")
        try Self.plainRelay.write(to: script, atomically: true, encoding: .utf8)
        let commands = dir.appendingPathComponent("commands.log")
        let port = try SpawnedServer.freePort()
        let relay = try await SpawnedServer.start(["python3", script.path, String(port), commands.path],
                                                  log: dir.appendingPathComponent("relay.out"), port: port)
        defer { relay.stopInBackground() }

        // Loopback, no query: the credentials alone make STARTTLS required.
        var settings = try SMTPSettings(url: "smtp://127.0.0.1:\(port)", username: "alerts", password: "s3cret-pass")
        settings.timeout = .seconds(10)
        #expect(settings.tls == .required)
        let mailer = SMTPMailer(settings: settings, concurrency: 1)
        await #expect(throws: MailError.self) { try await mailer.send(SampleMessages.alert()) }

        let seen = (try? String(contentsOf: commands, encoding: .utf8)) ?? ""
        #expect(seen.uppercased().contains("EHLO"), "the relay was reached: \(seen)")
        #expect(!seen.uppercased().contains("AUTH"), "credentials offered in clear: \(seen)")
        #expect(!seen.contains("s3cret") && !seen.contains("czNjcmV0"), "the password crossed in clear")
        #expect(!seen.uppercased().contains("MAIL FROM") && !seen.contains("DATA-LINE"), "the message crossed in clear: \(seen)")
    }
}
