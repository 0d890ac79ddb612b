import CCairo

/// Why a chart or PDF could not be produced, phrased so the operator knows what to check.
public enum RenderingError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSize(width: Int, height: Int)
    case cairo(operation: String, status: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSize(width, height):
            return "Cannot draw a \(width)×\(height) image: width and height must be between 1 and 32767 pixels."
        case let .cairo(operation, status):
            return "cairo failed while \(operation): \(status). Check that libcairo2 and the DejaVu fonts "
                + "(fonts-dejavu-core) are installed and that the process is not out of memory."
        case let .cannotWrite(path, reason):
            return "Cannot write \(path): \(reason). Check that the directory exists and is writable."
        }
    }

    static func check(_ status: cairo_status_t, _ operation: String) throws(RenderingError) {
        guard status != CAIRO_STATUS_SUCCESS else { return }
        throw .cairo(operation: operation, status: String(cString: cairo_status_to_string(status)))
    }
}
