import Synchronization

/// Counts the live feeds (`/events`) open on this process, in total and per client address, so
/// that a flood of dashboards, or one client opening many, cannot take every connection.
final class EventStreamGate: Sendable {
    private struct Counts { var total = 0; var byAddress: [String: Int] = [:] }
    private let counts = Mutex(Counts())
    let maxTotal: Int
    let maxPerAddress: Int

    init(maxTotal: Int, maxPerAddress: Int) { self.maxTotal = maxTotal; self.maxPerAddress = maxPerAddress }

    /// A place for a feed from `address`, or nil when it would be one too many; give it back
    /// with `release`.
    func admit(_ address: String) -> Bool {
        counts.withLock { c in
            guard c.total < maxTotal, c.byAddress[address, default: 0] < maxPerAddress else { return false }
            c.total += 1
            c.byAddress[address, default: 0] += 1
            return true
        }
    }

    func release(_ address: String) {
        counts.withLock { c in
            c.total -= 1
            let left = c.byAddress[address, default: 1] - 1
            c.byAddress[address] = left > 0 ? left : nil
        }
    }

    var open: Int { counts.withLock { $0.total } }
}
