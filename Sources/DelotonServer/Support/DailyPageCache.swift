import Hummingbird
import Synchronization

/// Finished days' `/daily` answers, kept by their entity tag (`DailyTag`), which names the day's
/// version: once a ride of the day is deleted or changes, the tag moves on and the old entries
/// are never hit again; they age out.
///
/// Bounded in entries and in bytes, least recently used first out, and no single answer may
/// take more than a quarter of the bytes: however clients vary dates, cursors and limits, the
/// cache holds at most `maxBytes` of bodies and cannot be flushed by one huge answer.
public final class DailyPageCache: Sendable {
    public struct Limits: Sendable, Equatable {
        public var maxEntries: Int
        public var maxBytes: Int

        /// A 10,000-ride day is about 4.4 MB whole, 44 KB a page of 100.
        public init(maxEntries: Int = 1024, maxBytes: Int = 64 << 20) {
            self.maxEntries = max(0, maxEntries); self.maxBytes = max(0, maxBytes)
        }
    }

    /// What an answer is besides its tag.
    struct Answer: Sendable {
        var body: ByteBuffer
        var contentType: String
        var link: String?
    }

    private struct State {
        var entries: [String: (answer: Answer, lastUse: UInt64)] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    let limits: Limits
    private let state = Mutex(State())

    public init(limits: Limits = Limits()) { self.limits = limits }

    func answer(for tag: String) -> Answer? {
        state.withLock { s in
            guard let hit = s.entries[tag] else { return nil }
            s.clock += 1
            s.entries[tag] = (hit.answer, s.clock)
            return hit.answer
        }
    }

    func store(_ answer: Answer, for tag: String) {
        // A copy sized to the body: the writer's buffer is sized by estimate.
        var stored = answer
        stored.body = ByteBuffer(bytes: answer.body.readableBytesView)
        let size = stored.body.readableBytes + tag.utf8.count
        guard limits.maxEntries > 0, size <= limits.maxBytes / 4 else { return }
        state.withLock { s in
            if let old = s.entries.removeValue(forKey: tag) { s.bytes -= Self.size(old.answer, tag) }
            // Evicting scans the entries for the oldest: at most `maxEntries` (a thousand), and
            // only when full, which costs less than keeping a linked list in step on every hit.
            while !s.entries.isEmpty, s.entries.count >= limits.maxEntries || s.bytes + size > limits.maxBytes {
                guard let oldest = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else { break }
                s.entries.removeValue(forKey: oldest.key)
                s.bytes -= Self.size(oldest.value.answer, oldest.key)
            }
            s.clock += 1
            s.entries[tag] = (stored, s.clock)
            s.bytes += size
        }
    }

    /// Entries and bytes held, for tests and figures.
    var usage: (entries: Int, bytes: Int) { state.withLock { ($0.entries.count, $0.bytes) } }

    private static func size(_ answer: Answer, _ tag: String) -> Int { answer.body.readableBytes + tag.utf8.count }
}
