import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

/// Who may call what, generated from the server's own /openapi.json: every documented operation
/// is called with no credential, a read key, a write key, a revoked key, an expired session and
/// a valid session, and must answer what its `security` says. Nothing answers with a rider's
/// name or email to a caller without a credential in force.
@Suite struct AuthorizationMatrixTests {
    enum Credential: String, CaseIterable, Sendable {
        case none, readKey, writeKey, revokedKey, expiredSession, validSession
    }

    /// What the fixture's riders are called: none of it may reach a caller without a credential.
    static let personal = ["Byron-King", "Jack A. Smith", "ada@example.com", "ada.new@example.com", "jack@example.com"]

    @Test(arguments: Backend.allCases) func everyOperationAnswersWhatItsSecuritySays(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let keys = APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now })
        let writeKey = try await keys.create(name: "matrix-writer", scope: .write)
        let revokedKey = try await keys.create(name: "matrix-revoked", scope: .write)
        _ = try await keys.revoke(name: "matrix-revoked")
        let sessions = SessionStore(warehouse: fixture.warehouse, now: { Fixture.now })
        let validSession = try await sessions.open(keyName: "fixture-reader", lifetimeSeconds: 3600).token
        let yesterday = SessionStore(warehouse: fixture.warehouse, now: { Fixture.now.adding(seconds: -86_400) })
        let expiredSession = try await yesterday.open(keyName: "fixture-reader", lifetimeSeconds: 3600).token

        let headers: [Credential: HTTPFields] = [
            .none: [:],
            .readKey: [.authorization: "Bearer \(fixture.readKey)"],
            .writeKey: [.authorization: "Bearer \(writeKey)"],
            .revokedKey: [Authenticator.apiKeyHeader: revokedKey],
            .expiredSession: [.cookie: "\(SessionCookie.name)=\(expiredSession)"],
            .validSession: [.cookie: "other=1; \(SessionCookie.name)=\(validSession)"],
        ]

        let rides = RideQueries(fixture.warehouse.sql)
        let readRide = try #require(try await rides.rides(riderID: Fixture.otherRiderID).first).id
        let deletableRide = try #require(try await rides.rides(riderID: Fixture.alertRiderID).first).id

        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]])
        let topSecurity = try #require(document?["security"] as? [[String: Any]])
        // Reads first, deletes last (each delete succeeds once, with the write key).
        let operations: [Operation] = paths.flatMap { path, ops in
            ops.compactMap { method, raw -> Operation? in
                guard let op = raw as? [String: Any] else { return nil }
                let security = (op["security"] as? [[String: Any]]) ?? topSecurity
                return Operation(path: path, method: method, schemes: Set(security.flatMap(\.keys)),
                                 responses: Set(((op["responses"] as? [String: Any]) ?? [:]).keys))
            }
        }.sorted { ($0.method == "delete" ? 1 : 0, $0.path, $0.method) < ($1.method == "delete" ? 1 : 0, $1.path, $1.method) }
        #expect(operations.count >= 20)

        try await fixture.app().test(.router) { client async throws in
            for operation in operations {
                let (path, method, schemes, responses) = (operation.path, operation.method, operation.schemes, operation.responses)
                let writes = responses.contains("403")
                var uri = path.replacingOccurrences(of: "{name}", with: "style.css")
                uri = uri.replacingOccurrences(of: "/ride/{id}", with: "/ride/\(method == "delete" ? deletableRide : readRide)")
                uri = uri.replacingOccurrences(of: "/rider/{id}", with: "/rider/\(method == "delete" ? Fixture.alertRiderID : Fixture.otherRiderID)")
                if path == "/events" { uri += "?once=1" }
                let httpMethod = HTTPRequest.Method(rawValue: method.uppercased()) ?? .get
                // The write key goes last, so a delete meets its resource still there for the others.
                for credential in Credential.allCases.filter({ $0 != .writeKey }) + [.writeKey] {
                    let answer = try await client.call(uri, method: httpMethod, headers: headers[credential] ?? [:])
                    let where_ = "\(method.uppercased()) \(uri) with \(credential.rawValue): \(answer.status.code) \(answer.body.prefix(200))"
                    #expect(responses.contains(String(answer.status.code)), "undocumented status: \(where_)")
                    let expected = Self.expected(schemes: schemes, writes: writes, credential)
                    switch expected {
                    case .granted: #expect(answer.status.code < 400 || answer.status.code == 404 && path == "/chart.js", "\(where_)")
                    case .unauthorized: #expect(answer.status == .unauthorized && answer.errorShape?.type == "unauthorized", "\(where_)")
                    case .forbidden: #expect(answer.status == .forbidden && answer.errorShape?.type == "forbidden", "\(where_)")
                    case .anything: break
                    }
                    if [.none, .revokedKey, .expiredSession].contains(credential) {
                        for text in Self.personal { #expect(!answer.body.contains(text), "\(text) leaked: \(where_)") }
                    }
                }
            }
        }
    }

    enum Expected { case granted, unauthorized, forbidden, anything }

    /// One documented operation: what the matrix needs of it.
    struct Operation: Sendable {
        var path: String
        var method: String
        var schemes: Set<String>
        var responses: Set<String>
    }

    /// What the document promises: no security is open to all (whatever is sent); otherwise a
    /// credential in force of a scheme the operation lists, with enough scope.
    static func expected(schemes: Set<String>, writes: Bool, _ credential: Credential) -> Expected {
        if schemes.isEmpty { return .anything }
        switch credential {
        case .none, .revokedKey, .expiredSession: return .unauthorized
        case .readKey: return writes ? .forbidden : .granted
        case .writeKey: return .granted
        case .validSession:
            if !schemes.contains("session") { return writes ? .forbidden : .unauthorized }
            return .granted
        }
    }

    @Test(arguments: Backend.allCases) func aSessionReadsUntilSignOutAndIsSharedByReplicas(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        // Two apps over one warehouse stand for two `serve` replicas behind a load balancer.
        let other = fixture.app()
        let cookie = try await fixture.app().test(.router) { client async throws -> String in
            let refused = try await client.call("/session", method: .post, headers: [.authorization: "Bearer dlt_unknown"])
            #expect(refused.status == .unauthorized)
            let signIn = try await client.call("/session", method: .post,
                                               headers: [.authorization: "Bearer \(fixture.readKey)", .init("X-Forwarded-Proto")!: "https"])
            #expect(signIn.status == .ok)
            let setCookie = try #require(signIn.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=43200"] {
                #expect(setCookie.contains(attribute), "\(setCookie)")
            }
            let cookie = String(setCookie.prefix { $0 != ";" })
            #expect(cookie.hasPrefix("\(SessionCookie.name)=\(SessionStore.sessionPrefix)"))
            let plain = try await client.call("/session", method: .post, headers: [.authorization: "Bearer \(fixture.readKey)"])
            #expect(plain.headers[.setCookie]?.contains("Secure") == false, "no Secure over plain HTTP, or the browser drops it")
            let status = try await client.call("/session", headers: [.cookie: cookie])
            #expect(status.object["signed_in"] as? Bool == true)
            return cookie
        }
        let stored = try await fixture.warehouse.sql.query("SELECT token_hash FROM sessions WHERE kind = 'session'")
        let hashes = try stored.map { try $0.decode("token_hash", as: String.self) }
        #expect(!hashes.isEmpty && hashes.allSatisfy { !cookie.contains($0) }, "only hashes are stored")
        try await other.test(.router) { client async throws in
            #expect(try await client.call("/rider/901", headers: [.cookie: cookie]).status == .ok)
            #expect(try await client.call("/events?once=1", headers: [.cookie: cookie]).status == .ok)
            #expect(try await client.call("/ride/1", method: .delete, headers: [.cookie: cookie]).status == .forbidden, "a session only reads")
            let out = try await client.call("/session", method: .delete, headers: [.cookie: cookie])
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
        try await fixture.app().test(.router) { client async throws in
            for uri in ["/rider/901", "/api/live", "/events?once=1"] {
                let after = try await client.call(uri, headers: [.cookie: cookie])
                #expect(after.status == .unauthorized, "\(uri) after sign-out")
                #expect(!after.body.contains("Smith"))
            }
            #expect(try await client.call("/session", headers: [.cookie: cookie]).object["signed_in"] as? Bool == false)
        }
    }

    @Test(arguments: Backend.allCases) func theSignInLinkOpensOneSessionOnceAndOnlyRedirectsHome(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        var config = fixture.config
        config.host = "0.0.0.0"
        let link = try await SignInLink.make(config: config, warehouse: fixture.warehouse)
        #expect(link.hasPrefix("http://127.0.0.1:0/signin?token=\(SessionStore.linkPrefix)"))
        let path = String(link.dropFirst("http://127.0.0.1:0".count))
        try await fixture.app().test(.router) { client async throws in
            let first = try await client.call(path + "&next=//evil.example/")
            #expect(first.status == .seeOther)
            #expect(first.headers[.location] == "/", "never a redirect off this server")
            let cookie = String((first.headers[.setCookie] ?? "").prefix { $0 != ";" })
            #expect(try await client.call("/api/live", headers: [.cookie: cookie]).status == .ok)
            #expect(try await client.call(path).status == .unauthorized, "a link works once")
            #expect(try await client.call("/signin?token=dll_guess").status == .unauthorized)
        }
        // A link past its hour opens nothing.
        let stale = try await SessionStore(warehouse: fixture.warehouse, now: { Fixture.now.adding(seconds: -7200) })
            .createLink(lifetimeSeconds: 3600)
        try await fixture.app().test(.router) { client async throws in
            #expect(try await client.call("/signin?token=\(stale)").status == .unauthorized)
        }
        var open = fixture.config
        open.publicReads = true
        #expect(try await SignInLink.make(config: open, warehouse: fixture.warehouse) == "http://127.0.0.1:0/")
    }
}
