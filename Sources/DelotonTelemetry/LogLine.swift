import DelotonCore
import Foundation
import Logging

/// How a log line looks: `text` for people at a terminal, `json` for log collectors (one
/// object per line, so CloudWatch, Loki or Elasticsearch index each field without a parser).
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// One log event rendered as one line. Both forms redact email addresses; neither lets a
/// value break the line, so one event is always one line whatever the text it quotes.
public enum LogLine {
    /// Keys the JSON line itself uses; metadata with one of these names is written as `meta.NAME`.
    static let reserved: Set<String> = ["time", "level", "logger", "message", "error", "source"]

    public static func render(_ format: LogFormat, time: Date, level: Logger.Level, label: String,
                              message: String, metadata: Logger.Metadata, error: (any Error)? = nil) -> String {
        switch format {
        case .json: json(time: time, level: level, label: label, message: message, metadata: metadata, error: error)
        case .text: text(time: time, level: level, label: label, message: message, metadata: metadata, error: error)
        }
    }

    static func json(time: Date, level: Logger.Level, label: String, message: String,
                     metadata: Logger.Metadata, error: (any Error)?) -> String {
        // Non-ASCII is escaped too: the line is then plain ASCII, and no collector can misread a
        // C1 control or a lone surrogate as the end of a line or of a field.
        var j = JSONWriter(capacity: 256, escaping: .nonASCII)
        j.object { j in
            j.field("time", timestamp(time))
            j.field("level", level.rawValue)
            j.field("logger", label)
            j.field("message", PersonalDataRedaction.redact(message))
            if let error { j.field("error", PersonalDataRedaction.redact(String(describing: error))) }
            for key in metadata.keys.sorted() {
                guard let value = metadata[key] else { continue }
                j.key(reserved.contains(key) ? "meta." + key : key)
                write(value, to: &j)
            }
        }
        return j.text
    }

    private static func write(_ value: Logger.MetadataValue, to j: inout JSONWriter) {
        switch value {
        case .string(let s):
            j.string(PersonalDataRedaction.redact(s))
        case .stringConvertible(let c):
            j.string(PersonalDataRedaction.redact(c.description))
        case .array(let items):
            j.array { j in for item in items { write(item, to: &j) } }
        case .dictionary(let fields):
            j.object { j in
                for key in fields.keys.sorted() {
                    guard let field = fields[key] else { continue }
                    j.key(key)
                    write(field, to: &j)
                }
            }
        }
    }

    /// swift-log's own stream layout (`TIME LEVEL LABEL: key=value message`), with control
    /// characters shown as escapes so a quoted value cannot forge a second line.
    static func text(time: Date, level: Logger.Level, label: String, message: String,
                     metadata: Logger.Metadata, error: (any Error)?) -> String {
        var out = timestamp(time) + " " + level.rawValue + " " + label + ":"
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            out += " " + key + "=" + visible(PersonalDataRedaction.redact(plain(value)))
        }
        out += " " + visible(PersonalDataRedaction.redact(message))
        if let error { out += " error=" + visible(PersonalDataRedaction.redact(String(describing: error))) }
        return out
    }

    private static func plain(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let items): "[" + items.map(plain).joined(separator: ", ") + "]"
        case .dictionary(let fields): "[" + fields.keys.sorted().map { "\($0): \(fields[$0].map(plain) ?? "")" }.joined(separator: ", ") + "]"
        }
    }

    private static func visible(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// RFC 3339 in UTC with milliseconds: sortable, and the same whatever zone the host is in.
    static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis % 1000), 3))Z"
    }
}
