import CCairo
import Foundation

/// A chart of the daily report. Specs are plain values; drawing happens only when asked for PNG or
/// into a rectangle of an existing cairo context (a PDF page).
public protocol ReportChart: Sendable {
    var title: String { get }

    /// Draws the whole chart (background, title, axes, data or the "no data" panel) inside `rect`
    /// of `cairo`, a `cairo_t *`. The context's state is left as it was found.
    func draw(on cairo: OpaquePointer, in rect: ChartRect)
}

extension ReportChart {
    /// The chart as a PNG file's bytes, for the email and the HTML report. The layout is that of a
    /// `width`×`height` chart; `scale` 2 doubles the pixels for sharp output on high-density screens
    /// (show it with `width="\(width)"` in HTML).
    public func pngData(width: Int = 800, height: Int = 400, scale: Double = 1) throws(RenderingError) -> [UInt8] {
        let factor = scale.isFinite && scale > 0 ? scale : 1
        let pixelWidth = clampedInt((Double(width) * factor).rounded(), in: 0...100_000)
        let pixelHeight = clampedInt((Double(height) * factor).rounded(), in: 0...100_000)
        return try ImageRenderer(width: pixelWidth, height: pixelHeight).png { cairo in
            cairo_scale(cairo, Double(pixelWidth) / Double(max(1, width)), Double(pixelHeight) / Double(max(1, height)))
            draw(on: cairo, in: ChartRect(x: 0, y: 0, width: Double(width), height: Double(height)))
        }
    }

    /// Writes the chart as a PNG file at `path`.
    public func writePNG(to path: String, width: Int = 800, height: Int = 400, scale: Double = 1) throws(RenderingError) {
        let bytes = try pngData(width: width, height: height, scale: scale)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// Pixels as drawn, for checks that need no PNG decoder.
    func bitmap(width: Int, height: Int) throws(RenderingError) -> Bitmap {
        try ImageRenderer(width: width, height: height).bitmap { cairo in
            draw(on: cairo, in: ChartRect(x: 0, y: 0, width: Double(width), height: Double(height)))
        }
    }
}

/// Pixels as cairo's RGB24 stores them: one `UInt32` each (top byte unused), row by row.
struct Bitmap: Sendable {
    let width: Int
    let height: Int
    let pixels: [UInt32]

    /// Pixels that differ from opaque white, i.e. where something was drawn.
    var inkedPixelCount: Int { pixels.reduce(0) { $0 + ($1 & 0x00FF_FFFF != 0x00FF_FFFF ? 1 : 0) } }
}

/// Owns an image surface for the duration of one drawing. Charts are opaque, so the surface has no alpha
/// channel: PNG encoding then skips un-premultiplying and writes 24-bit pixels, about twice as fast.
struct ImageRenderer {
    let width: Int
    let height: Int

    func png(_ draw: (OpaquePointer) -> Void) throws(RenderingError) -> [UInt8] {
        try withSurface(draw) { surface throws(RenderingError) in
            let sink = ByteSink()
            let status = sink.withWriteCallback { callback, closure in
                cairo_surface_write_to_png_stream(surface, callback, closure)
            }
            try RenderingError.check(status, "encoding the chart as PNG")
            return sink.bytes
        }
    }

    func bitmap(_ draw: (OpaquePointer) -> Void) throws(RenderingError) -> Bitmap {
        try withSurface(draw) { surface throws(RenderingError) in
            cairo_surface_flush(surface)
            let stride = Int(cairo_image_surface_get_stride(surface))
            guard let data = cairo_image_surface_get_data(surface) else {
                throw .cairo(operation: "reading pixels", status: "the image surface has no data")
            }
            var pixels: [UInt32] = []
            pixels.reserveCapacity(width * height)
            for row in 0..<height {
                let rowStart = UnsafeRawPointer(data + row * stride)
                for column in 0..<width {
                    pixels.append(rowStart.load(fromByteOffset: column * 4, as: UInt32.self))
                }
            }
            return Bitmap(width: width, height: height, pixels: pixels)
        }
    }

    private func withSurface<T>(
        _ draw: (OpaquePointer) -> Void,
        then read: (OpaquePointer) throws(RenderingError) -> T
    ) throws(RenderingError) -> T {
        guard (1...32767).contains(width), (1...32767).contains(height) else {
            throw .invalidSize(width: width, height: height)
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else {
            throw .cairo(operation: "creating an image surface", status: "out of memory")
        }
        defer { cairo_surface_destroy(surface) }
        try RenderingError.check(cairo_surface_status(surface), "creating a \(width)×\(height) image surface")
        guard let cairo = cairo_create(surface) else {
            throw .cairo(operation: "creating a drawing context", status: "out of memory")
        }
        defer { cairo_destroy(cairo) }
        // Unpainted RGB24 pixels are black; start from the report background instead.
        cairo_set_source_rgb(cairo, ReportTheme.background.red, ReportTheme.background.green, ReportTheme.background.blue)
        cairo_paint(cairo)
        draw(cairo)
        try RenderingError.check(cairo_status(cairo), "drawing the chart")
        return try read(surface)
    }
}
