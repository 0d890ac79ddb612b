import Crypto
import Foundation

/// A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802, RFC 7677), computed here so that the
/// password itself never leaves this process: the server stores and checks only this, as it
/// does when psql's `\password` sends one.
///
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64, as `pg_authid` holds it.
public enum SCRAMVerifier {
    /// PostgreSQL's own default (`scram_iterations`).
    public static let iterations = 4096

    public static func make(password: String, salt: [UInt8]? = nil, iterations: Int = iterations) -> String {
        let salt = salt ?? randomSalt()
        let salted = pbkdf2SHA256(password: Array(password.utf8), salt: salt, iterations: iterations)
        let key = SymmetricKey(data: salted)
        let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: key))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let serverKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: key))
        return "SCRAM-SHA-256$\(iterations):\(Data(salt).base64EncodedString())$"
            + "\(Data(storedKey).base64EncodedString()):\(Data(serverKey).base64EncodedString())"
    }

    /// 16 bytes, as PostgreSQL makes them.
    static func randomSalt() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// PBKDF2-HMAC-SHA-256 with one output block (32 bytes, SCRAM's `Hi`).
    static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var u = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var result = u
        for _ in 1..<max(1, iterations) {
            u = Array(HMAC<SHA256>.authenticationCode(for: u, using: key))
            for i in 0..<result.count { result[i] ^= u[i] }
        }
        return result
    }
}
