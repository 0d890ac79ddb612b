import Foundation
import DelotonCore

/// A bound of an export's time window (`Setting.exportSince`, `.exportUntil`): a local day, or an instant.
public enum ExportBound: Sendable, Equatable {
    case day(CivilDate)
    case instant(Instant)

    /// `YYYY-MM-DD`, or ISO 8601 `YYYY-MM-DDTHH:MM[:SS[.fff…]]` with `Z`, `±HH:MM` or `±HHMM`;
    /// without an offset the time is read in `zone`. Nil when it is neither.
    public static func parse(_ text: String, zone: Zone) -> ExportBound? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let day = CivilDate(iso: s) { return .day(day) }
        guard s.count >= 16, let day = CivilDate(iso: s.prefix(10)), ["T", "t", " "].contains(s[s.index(s.startIndex, offsetBy: 10)]) else {
            return nil
        }
        var rest = Substring(s.dropFirst(11))
        func number(_ digits: Int) -> Int? {
            let part = rest.prefix(digits)
            guard part.count == digits, part.allSatisfy(\.isASCII), let n = Int(part) else { return nil }
            rest = rest.dropFirst(digits)
            return n
        }
        guard let hour = number(2), rest.first == ":" else { return nil }
        rest = rest.dropFirst()
        guard let minute = number(2) else { return nil }
        var second = 0, micros = 0
        if rest.first == ":" {
            rest = rest.dropFirst()
            guard let s = number(2) else { return nil }
            second = s
            if rest.first == "." || rest.first == "," {
                rest = rest.dropFirst()
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                guard !digits.isEmpty else { return nil }
                let six = String(digits.prefix(6))
                micros = (Int(six) ?? 0) * Int(pow10(6 - six.count))
                rest = rest.dropFirst(digits.count)
            }
        }
        guard hour < 24, minute < 60, second < 60 else { return nil }
        let local = LocalDateTime(date: day, microsecondOfDay: Int64((hour * 60 + minute) * 60 + second) * 1_000_000 + Int64(micros))
        if rest.isEmpty {
            var z = zone
            return .instant(z.instant(of: local))
        }
        var offset = 0
        if rest == "Z" || rest == "z" {
            offset = 0
        } else if let sign = rest.first, sign == "+" || sign == "-" {
            rest = rest.dropFirst()
            guard let h = number(2) else { return nil }
            if rest.first == ":" { rest = rest.dropFirst() }
            guard let m = number(2), rest.isEmpty, h < 24, m < 60 else { return nil }
            offset = (h * 60 + m) * 60 * (sign == "-" ? -1 : 1)
        } else {
            return nil
        }
        return .instant(Instant(microseconds: local.naiveMicroseconds - Int64(offset) * 1_000_000))
    }

    /// The instant this bound stands for: a day starts at its first instant in `zone`.
    func instant(in zone: Zone) -> Instant {
        switch self {
        case .instant(let i): return i
        case .day(let d): return zone.interval(of: d).lowerBound
        }
    }

    /// The day this bound stands for in `zone` (an instant falls on a day).
    func day(in zone: Zone) -> CivilDate {
        switch self {
        case .day(let d): return d
        case .instant(let i): return zone.date(of: i)
        }
    }

    private static func pow10(_ n: Int) -> Int64 { (0..<max(0, n)).reduce(1) { acc, _ in acc * 10 } }
}
