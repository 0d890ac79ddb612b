import Foundation

/// `DELOTON_LIVENESS_FILE`: long-running commands touch it every 10 s, so a container health
/// check (`find FILE -mmin -1`) can tell a live ingest or schedule from a stuck one.
enum Liveness {
    static func start() -> Task<Void, Never>? {
        guard let path = Env.value("DELOTON_LIVENESS_FILE") else { return nil }
        return Task.detached {
            while !Task.isCancelled {
                if !FileManager.default.createFile(atPath: path, contents: Data(String(Int(Date().timeIntervalSince1970)).utf8)) {
                    Console.error("cannot write the liveness file \(path) (DELOTON_LIVENESS_FILE)")
                }
                try? await Task.sleep(for: .seconds(10))
            }
        }
    }
}
