import Foundation

extension OutboxMailer {
    /// Removes every `.eml` file that mentions any of `needles` (a rider's addresses and name),
    /// when that rider is erased: the outbox is a copy of their data like any other. Returns how
    /// many files went. Files that cannot be read are left and counted out.
    @discardableResult
    public func erase(mentioning needles: [String]) -> Int {
        let patterns = needles.filter { $0.utf8.count >= 3 }.map { Array($0.utf8) }
        guard !patterns.isEmpty,
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return 0 }
        var removed = 0
        for name in names where name.hasSuffix(".eml") {
            let file = directory.appendingPathComponent(name)
            guard let bytes = try? [UInt8](Data(contentsOf: file)) else { continue }
            if patterns.contains(where: { Self.contains(bytes, $0) }), unlink(file.path) == 0 { removed += 1 }
        }
        return removed
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
