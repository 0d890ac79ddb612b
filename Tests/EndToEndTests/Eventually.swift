/// Polls `condition` every 100 ms until it holds (true) or `limit` has passed (false): how these
/// tests wait for another process to get somewhere.
func eventually(_ limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return false
}
