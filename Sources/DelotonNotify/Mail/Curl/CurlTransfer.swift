import CCurl
import Foundation
import Synchronization

/// What one libcurl transfer ended with, copied out of C memory so that it can cross threads.
struct CurlOutcome: Sendable {
    /// `CURLE_OK` (0) on success.
    var code: UInt32
    /// `CURLINFO_RESPONSE_CODE`: the last SMTP reply code or the HTTP status; 0 when the
    /// server never answered.
    var responseCode: Int
    /// libcurl's detailed message (`CURLOPT_ERRORBUFFER`), or its generic one.
    var message: String
    /// The last reply line the server sent, when replies were captured (SMTP).
    var lastReply: String?

    var succeeded: Bool { code == CURLE_OK.rawValue }
}

/// State shared between one transfer and libcurl's callbacks, which reach it through the
/// `void *` user-data pointers. It outlives the transfer because `perform` holds it.
final class CurlTransferContext: @unchecked Sendable {
    private let upload: [UInt8]
    private var uploadOffset = 0
    /// The server's most recent reply lines, oldest first.
    fileprivate var replies: [String] = []
    fileprivate let captureReplies: Bool
    fileprivate let errorBuffer: UnsafeMutablePointer<CChar>
    // Written by a cancelling task, read by the transfer thread.
    private let isCancelled = Mutex(false)
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    init(upload: [UInt8], captureReplies: Bool) {
        self.upload = upload
        self.captureReplies = captureReplies
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        errorBuffer.deallocate()
        lists.forEach { curl_slist_free_all($0) }
    }

    var uploadSize: Int { upload.count }

    /// Keeps a list that libcurl reads during the transfer alive until the context goes.
    func retain(_ list: UnsafeMutablePointer<curl_slist>?) {
        if let list { lists.append(list) }
    }

    func cancel() {
        isCancelled.withLock { $0 = true }
    }

    fileprivate var cancelled: Bool { isCancelled.withLock { $0 } }

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, upload.count - uploadOffset)
        guard count > 0 else { return 0 }
        upload.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }
            UnsafeMutableRawPointer(buffer).copyMemory(from: base + uploadOffset, byteCount: count)
        }
        uploadOffset += count
        return count
    }

    fileprivate func recordReply(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return }
        // Only the last line matters for a failure, and a hostile server must not be able
        // to make the reason arbitrarily long.
        let line = text.split(whereSeparator: \.isNewline).last.map(String.init) ?? text
        replies.append(String(line.prefix(240)))
        if replies.count > 8 { replies.removeFirst() }
    }
}

/// Everything below runs on a `CurlWorkerPool` thread.
enum CurlTransfer {
    /// Sets the options every transfer shares (callbacks, timeouts, no signals), lets the
    /// caller add its own, and performs the transfer.
    static func perform(
        _ handle: UnsafeMutableRawPointer,
        context: CurlTransferContext,
        connectTimeout: Duration,
        timeout: Duration,
        configure: (UnsafeMutableRawPointer) -> Void
    ) -> CurlOutcome {
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        // Signals cannot be used for timeouts in a multi-threaded process.
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(connectTimeout))
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(timeout))
        ccurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, context.errorBuffer)
        ccurl_setopt_read_cb(handle, { buffer, size, count, user in
            guard let buffer, let user else { return 0 }
            let context = Unmanaged<CurlTransferContext>.fromOpaque(user).takeUnretainedValue()
            if context.cancelled { return Int(CURL_READFUNC_ABORT) }
            return context.read(into: buffer, capacity: size * count)
        })
        ccurl_setopt_ptr(handle, CURLOPT_READDATA, opaque)
        // Response bodies are not needed; without this libcurl would print them to stdout.
        ccurl_setopt_write_cb(handle, { _, size, count, _ in size * count })
        ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        ccurl_setopt_xferinfo_cb(handle, { user, _, _, _, _ in
            guard let user else { return 0 }
            return Unmanaged<CurlTransferContext>.fromOpaque(user).takeUnretainedValue().cancelled ? 1 : 0
        })
        ccurl_setopt_ptr(handle, CURLOPT_XFERINFODATA, opaque)
        if context.captureReplies {
            // The debug callback is the only way libcurl exposes the server's reply text.
            // Only incoming lines are kept: outgoing ones include AUTH with the credentials.
            ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1)
            ccurl_setopt_debug_cb(handle, { _, type, data, size, user in
                guard type == CURLINFO_HEADER_IN, let data, let user else { return 0 }
                let context = Unmanaged<CurlTransferContext>.fromOpaque(user).takeUnretainedValue()
                data.withMemoryRebound(to: UInt8.self, capacity: size) { bytes in
                    context.recordReply(UnsafeBufferPointer(start: bytes, count: size))
                }
                return 0
            })
            ccurl_setopt_ptr(handle, CURLOPT_DEBUGDATA, opaque)
        }
        configure(handle)

        let code = withExtendedLifetime(context) { curl_easy_perform(handle) }
        var response = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &response)
        let detail = String(cString: context.errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        // The handle outlives this transfer; it must not keep pointers into this context.
        ccurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, nil)
        // The reply that carried the final code, not a later one (libcurl may go on to QUIT).
        let reply = context.replies.last { $0.hasPrefix(String(response)) } ?? context.replies.last
        return CurlOutcome(code: code.rawValue, responseCode: response, message: message, lastReply: reply)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(clamping: duration.wholeMilliseconds))
    }
}
