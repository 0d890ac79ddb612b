import CCairo

/// Collects what cairo streams out (PNG or PDF bytes) so nothing has to touch the file system.
/// Lives only for the duration of one synchronous write; cairo reaches it through an opaque pointer.
final class ByteSink {
    var bytes: [UInt8] = []

    /// Runs `body` with a cairo write callback and the closure pointer it expects, keeping the sink alive throughout.
    func withWriteCallback<T, E: Error>(
        _ body: (cairo_write_func_t, UnsafeMutableRawPointer) throws(E) -> T
    ) throws(E) -> T {
        let unmanaged = Unmanaged.passRetained(self)
        defer { unmanaged.release() }
        return try body(appendToByteSink, unmanaged.toOpaque())
    }
}

/// Non-capturing, so it converts to a C function pointer; the sink arrives as cairo's closure argument.
private let appendToByteSink: cairo_write_func_t = { closure, data, length in
    guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    if let data, length > 0 {
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    }
    return CAIRO_STATUS_SUCCESS
}
