import DelotonNotify
import DelotonStore
import Foundation

/// The outbox folder as the erasure of a rider sees it.
enum Outbox {
    /// Removes an erased rider's `.eml` files from the outbox (`--outbox`, else
    /// DELOTON_OUTBOX_DIR, else ./outbox when it exists). Only their count is logged.
    static func eraser(_ flag: String?) -> @Sendable (Deletion.ErasedRider) async -> Void {
        let folder = flag ?? Env.value(.outbox) ?? "./outbox"
        return { erased in
            guard FileManager.default.fileExists(atPath: folder) else { return }
            let removed = OutboxMailer(directory: URL(fileURLWithPath: folder)).erase(mentioning: erased.emails + [erased.name])
            if removed > 0 { Console.out("erased rider \(erased.riderID): \(removed) message(s) removed from \(folder)") }
        }
    }
}
