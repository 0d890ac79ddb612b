import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// `sslmode=verify-full` with `sslrootcert` against a PostgreSQL server of its own serving a
/// certificate for `localhost` from a CA made here: the right CA and name connect; another CA,
/// or a name the certificate does not carry, are refused.
@Suite struct PostgresTLSTests {
    @Test func verifyFullChecksTheChainAndTheHostName() async throws {
        let server = try await PostgresServer.privateServer()
        defer { server.destroy() }
        let dir = server.directory + "/tls"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = """
            set -e; cd '\(dir)'
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem 2>/dev/null
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout other.key -out other.pem 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=DNS:localhost\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt 2>/dev/null
            chmod 600 server.key; chown --reference='\(server.directory)/data' server.key server.crt 2>/dev/null || true
            """
        let made = try await ChildProcess.run("/bin/bash", ["-c", script])
        #expect(made.status == 0, "\(made.stderr)")
        _ = try await server.psql("ALTER SYSTEM SET ssl_cert_file = '\(dir)/server.crt'")
        _ = try await server.psql("ALTER SYSTEM SET ssl_key_file = '\(dir)/server.key'")
        _ = try await server.psql("ALTER SYSTEM SET ssl = on")
        _ = try await server.psql("SELECT pg_reload_conf()")
        try await Task.sleep(for: .milliseconds(500))

        func url(host: String, root: String) -> String {
            "postgres://postgres@\(host):\(server.port)/postgres?sslmode=verify-full&sslrootcert=\(dir)/\(root)&connect_timeout=5"
        }
        let good = try await Warehouses.open(url(host: "localhost", root: "ca.pem"), migrate: false, logger: Logger(label: "tls"))
        let rows = try await good.sql.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(try rows.first?.decode("ssl", as: Bool.self) == true, "the connection is encrypted")
        try await good.close()
        for (host, root) in [("localhost", "other.pem"), ("127.0.0.1", "ca.pem")] {
            do {
                let bad = try await Warehouses.open(url(host: host, root: root), migrate: false, logger: Logger(label: "tls"))
                _ = try? await bad.sql.query("SELECT 1 AS one")
                try? await bad.close()
                Issue.record("verify-full accepted \(host) with \(root)")
            } catch {}
        }
    }
}
