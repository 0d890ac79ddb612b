/// One RFC 4180 record, as `deloton export` and the API's CSV answers write it: fields quoted
/// only when they hold a comma, a quote or a line break, CRLF-ended.
///
/// A cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) is prefixed with `'`, which spreadsheets show as text: riders choose their
/// own names and addresses, and opening an export must not run what they typed. Plain numbers
/// (`-3`, `-0.5`, `1e-3`) are left as they are: they cannot hold a formula.
public enum CSVLine {
    public static func encode(_ fields: [String]) -> String {
        var out = ""
        for (i, field) in fields.enumerated() {
            if i > 0 { out += "," }
            out += cell(field)
        }
        return out + "\r\n"
    }

    /// One field, neutralised and quoted as needed.
    public static func cell(_ raw: String) -> String {
        let field = neutralised(raw)
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func neutralised(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return field }
        if isPlainNumber(field) { return field }
        return "'" + field
    }

    /// An optional minus, digits with at most one point, an optional exponent: nothing else.
    static func isPlainNumber(_ s: String) -> Bool {
        var bytes = Array(s.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        var digits = 0, points = 0
        while let b = bytes.first, (b >= 48 && b <= 57) || b == UInt8(ascii: ".") {
            if b == UInt8(ascii: ".") { points += 1 } else { digits += 1 }
            bytes = bytes.dropFirst()
        }
        guard digits > 0, points <= 1 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
            return true
        }
        return bytes.isEmpty
    }
}
