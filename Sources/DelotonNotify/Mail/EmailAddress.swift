/// A mailbox: an address with an optional human name, as in `"Zoë Smith" <zoe@example.com>`.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The bare address (`local@domain`), as the SMTP envelope carries it.
    public var address: String
    /// Shown by mail readers instead of the address; may hold any Unicode.
    public var displayName: String?

    public init(_ address: String, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }

    public var description: String {
        if let displayName, !displayName.isEmpty { return "\(displayName) <\(address)>" }
        return address
    }

    /// A deliberately practical check, not RFC 5321's full grammar: it accepts what
    /// real mailboxes use (dots, plus tags, hyphens, underscores) and rejects what a
    /// server would bounce with a 5xx anyway, so such alerts fail at once instead of
    /// after a round trip. Quoted local parts and address literals are not accepted.
    public var isValid: Bool { Self.isValid(address) }

    public static func isValid(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        return isValidLocalPart(local) && isValidDomain(domain)
    }

    private static func isValidLocalPart(_ local: ArraySlice<UInt8>) -> Bool {
        guard !local.isEmpty, local.count <= 64 else { return false }
        guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".") else { return false }
        var previous: UInt8 = 0
        for byte in local {
            if byte == UInt8(ascii: ".") {
                if previous == byte { return false }
            } else if !isAtext(byte) {
                return false
            }
            previous = byte
        }
        return true
    }

    /// Hostnames only: at least two labels (a bare `localhost` is allowed for test relays),
    /// each 1–63 letters, digits or inner hyphens.
    private static func isValidDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        guard !domain.isEmpty, domain.count <= 253 else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.count == 1 { return String(decoding: domain, as: UTF8.self).lowercased() == "localhost" }
        for label in labels {
            guard !label.isEmpty, label.count <= 63 else { return false }
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            guard label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        // A top-level domain is never all digits: "a@1.2.3.4" is a typo or an IP literal without brackets.
        return labels.last.map { !$0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } } ?? false
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// RFC 5322 atext: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    private static func isAtext(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
    }
}
