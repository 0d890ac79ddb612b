import DelotonNotify
import DelotonStore
import Foundation

/// The outbox folder as the erasure of a rider sees it.
enum Outbox {
    /// Removes an erased rider's `.eml` files from the outbox folder, when it exists. Only their
    /// count is logged.
    static func eraser(folder: String) -> @Sendable (Deletion.ErasedRider) async -> Void {
        { erased in
            guard FileManager.default.fileExists(atPath: folder) else { return }
            let removed = OutboxMailer(directory: URL(fileURLWithPath: folder)).erase(mentioning: erased.emails + [erased.name])
            if removed > 0 { Console.out("erased rider \(erased.riderID): \(removed) message(s) removed from \(folder)") }
        }
    }
}
