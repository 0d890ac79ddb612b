import Foundation

/// Content-transfer-encodings for bodies. Both outputs are 7-bit, use CRLF, keep lines at
/// most 76 characters, and can never contain the sequence `=_` that starts every boundary
/// this module writes (QP writes `=` only before two hex digits or a line break; base64 has
/// neither `_` nor an `=` that is followed by anything).
enum BodyEncoding {
    private static let maxLineLength = 76
    private static let hex = Array("0123456789ABCDEF".utf8)
    private static let crlf: [UInt8] = [0x0D, 0x0A]

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text whose line breaks, in whatever form
    /// the caller wrote them, become CRLF hard breaks.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        var first = true
        for line in lines(of: Array(text.utf8)) {
            if !first { output += crlf }
            first = false
            encodeLine(line, into: &output)
        }
        return output
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        var column = 0
        var index = line.startIndex
        while index < line.endIndex {
            let byte = line[index]
            let isLast = index == line.index(before: line.endIndex)
            // Trailing blanks would be stripped by transports; a leading dot is escaped so
            // that the file stays safe even for tools that skip SMTP dot-stuffing.
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 0x20 || byte == 0x09) && !isLast)
            let encodeDot = byte == UInt8(ascii: ".") && column == 0
            let width = literal && !encodeDot ? 1 : 3
            // Keep one column for the soft-break "=", except on the line's last token.
            let limit = isLast ? maxLineLength : maxLineLength - 1
            if column + width > limit {
                output += [UInt8(ascii: "=")] + crlf
                column = 0
                continue  // re-evaluate: the byte may now start a line
            }
            if width == 1 {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
            column += width
            index = line.index(after: index)
        }
    }

    /// Splits on CRLF, LF or lone CR.
    private static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                result.append(bytes[start..<index])
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        result.append(bytes[start..<bytes.count])
        return result
    }

    /// Base64 in lines of 76 characters, no trailing line break.
    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count + encoded.count / maxLineLength * 2 + 2)
        var offset = 0
        while offset < encoded.count {
            if offset > 0 { output += crlf }
            let end = min(offset + maxLineLength, encoded.count)
            output += encoded[offset..<end]
            offset = end
        }
        return output
    }
}
