import Foundation

/// A zone's own names for its standard and summer time, as its readers know them (GMT and BST
/// for Europe/London), read from the POSIX TZ rule that ends the zone's tzdata file.
///
/// Foundation on Linux names such times "GMT+1"; a UK reader expects BST. Zones whose rule
/// names times only by number (`<-03>3`) have no names here, and their offset is shown instead.
public struct ZoneNames: Sendable, Equatable {
    public var standard: String
    public var daylight: String?

    public init(standard: String, daylight: String?) { self.standard = standard; self.daylight = daylight }

    public init?(identifier: String, directory: String = "/usr/share/zoneinfo") {
        guard !identifier.isEmpty, !identifier.contains(".."), !identifier.hasPrefix("/"),
              let data = FileManager.default.contents(atPath: directory + "/" + identifier) else { return nil }
        self.init(tzif: [UInt8](data))
    }

    /// The rule is the file's last line, between its last two newlines (RFC 8536, footer).
    init?(tzif bytes: [UInt8]) {
        guard bytes.count > 2, bytes[bytes.count - 1] == 0x0A,
              let start = bytes[..<(bytes.count - 1)].lastIndex(of: 0x0A) else { return nil }
        self.init(rule: String(decoding: bytes[(start + 1)..<(bytes.count - 1)], as: UTF8.self))
    }

    /// `GMT0BST,M3.5.0/1,M10.5.0`: a name, an offset, and the summer name if the zone has one.
    init?(rule: String) {
        var rest = Substring(rule)
        func name() -> String? {
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            guard letters.count >= 3 else { return nil }
            rest = rest.dropFirst(letters.count)
            return String(letters)
        }
        guard let standard = name() else { return nil }
        rest = rest.drop { $0 == "+" || $0 == "-" || $0 == ":" || $0.isNumber }
        self.init(standard: standard, daylight: name())
    }

    public func name(daylight isDaylight: Bool) -> String {
        isDaylight ? (daylight ?? standard) : standard
    }
}
