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
        var out = "{\"time\":\"" + timestamp(time) + "\",\"level\":\"" + level.rawValue + "\",\"logger\":"
        // Non-ASCII is escaped too: the line is then plain ASCII, and no collector can misread a
        // C1 control or a lone surrogate as the end of a line or of a field.
        JSONQuoting.append(label, to: &out, escaping: .nonASCII)
        out += ",\"message\":"
        JSONQuoting.append(PersonalDataRedaction.redact(message), to: &out, escaping: .nonASCII)
        if let error {
            out += ",\"error\":"
            JSONQuoting.append(PersonalDataRedaction.redact(String(describing: error)), to: &out, escaping: .nonASCII)
        }
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            out += ","
            JSONQuoting.append(reserved.contains(key) ? "meta." + key : key, to: &out, escaping: .nonASCII)
            out += ":"
            appendJSON(value, to: &out)
        }
        return out + "}"
    }

    private static func appendJSON(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let s):
            JSONQuoting.append(PersonalDataRedaction.redact(s), to: &out, escaping: .nonASCII)
        case .stringConvertible(let c):
            JSONQuoting.append(PersonalDataRedaction.redact(c.description), to: &out, escaping: .nonASCII)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                appendJSON(item, to: &out)
            }
            out += "]"
        case .dictionary(let fields):
            out += "{"
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONQuoting.append(key, to: &out, escaping: .nonASCII)
                out += ":"
                if let field = fields[key] { appendJSON(field, to: &out) }
            }
            out += "}"
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
