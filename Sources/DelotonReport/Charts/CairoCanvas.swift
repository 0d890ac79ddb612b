import CCairo
import Foundation

/// A thin drawing vocabulary over one cairo context, so chart and page code reads as layout, not C calls.
/// It never owns the context: whoever created it destroys it.
struct CairoCanvas {
    let cr: OpaquePointer

    enum Weight { case regular, bold }
    enum HorizontalAlignment { case leading, center, trailing }
    enum VerticalAlignment { case top, middle, baseline, bottom }

    // MARK: State

    func withSavedState<T>(_ body: () throws -> T) rethrows -> T {
        cairo_save(cr)
        defer { cairo_restore(cr) }
        return try body()
    }

    func setColor(_ color: RGBColor, alpha: Double = 1) {
        cairo_set_source_rgba(cr, color.red, color.green, color.blue, alpha)
    }

    func clip(_ rect: ChartRect) {
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
    }

    // MARK: Shapes

    func fill(_ rect: ChartRect, _ color: RGBColor, alpha: Double = 1) {
        guard rect.width > 0, rect.height > 0 else { return }
        setColor(color, alpha: alpha)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(cr)
    }

    func fillRounded(_ rect: ChartRect, radius: Double, _ color: RGBColor) {
        guard rect.width > 0, rect.height > 0 else { return }
        roundedPath(rect, radius: radius)
        setColor(color)
        cairo_fill(cr)
    }

    func strokeRounded(_ rect: ChartRect, radius: Double, _ color: RGBColor, width: Double) {
        guard rect.width > 0, rect.height > 0 else { return }
        roundedPath(rect, radius: radius)
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_stroke(cr)
    }

    /// Bars with only their top corners rounded read as bars standing on the axis.
    func fillBar(_ rect: ChartRect, radius: Double, _ color: RGBColor) {
        guard rect.width > 0, rect.height > 0 else { return }
        let r = max(0, min(radius, rect.width / 2, rect.height))
        cairo_new_sub_path(cr)
        cairo_move_to(cr, rect.x, rect.maxY)
        cairo_line_to(cr, rect.x, rect.y + r)
        cairo_arc(cr, rect.x + r, rect.y + r, r, Double.pi, 1.5 * Double.pi)
        cairo_arc(cr, rect.maxX - r, rect.y + r, r, 1.5 * Double.pi, 2 * Double.pi)
        cairo_line_to(cr, rect.maxX, rect.maxY)
        cairo_close_path(cr)
        setColor(color)
        cairo_fill(cr)
    }

    private func roundedPath(_ rect: ChartRect, radius: Double) {
        let r = max(0, min(radius, rect.width / 2, rect.height / 2))
        cairo_new_sub_path(cr)
        cairo_arc(cr, rect.maxX - r, rect.y + r, r, -0.5 * Double.pi, 0)
        cairo_arc(cr, rect.maxX - r, rect.maxY - r, r, 0, 0.5 * Double.pi)
        cairo_arc(cr, rect.x + r, rect.maxY - r, r, 0.5 * Double.pi, Double.pi)
        cairo_arc(cr, rect.x + r, rect.y + r, r, Double.pi, 1.5 * Double.pi)
        cairo_close_path(cr)
    }

    /// Snaps thin lines to the pixel grid on raster surfaces so 1-unit rules stay crisp instead of 2-pixel grey.
    func line(from a: (Double, Double), to b: (Double, Double), _ color: RGBColor, width: Double = 1, dash: [Double] = []) {
        let offset = width.rounded() == width && clampedInt(width, in: 0...1_000) % 2 == 1 ? 0.5 : 0
        let ax = a.0 == b.0 ? a.0.rounded(.down) + offset : a.0
        let bx = a.0 == b.0 ? b.0.rounded(.down) + offset : b.0
        let ay = a.1 == b.1 ? a.1.rounded(.down) + offset : a.1
        let by = a.1 == b.1 ? b.1.rounded(.down) + offset : b.1
        setColor(color)
        cairo_set_line_width(cr, width)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
        cairo_move_to(cr, ax, ay)
        cairo_line_to(cr, bx, by)
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    func polyline(_ points: [(Double, Double)], _ color: RGBColor, width: Double) {
        guard let first = points.first, points.count > 1 else { return }
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        cairo_move_to(cr, first.0, first.1)
        for point in points.dropFirst() { cairo_line_to(cr, point.0, point.1) }
        cairo_stroke(cr)
    }

    /// A filled dot with a white ring, so points stay visible where lines cross.
    func dot(at p: (Double, Double), radius: Double, _ color: RGBColor) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, p.0, p.1, radius + max(1, radius * 0.45), 0, 2 * Double.pi)
        setColor(ReportTheme.background)
        cairo_fill(cr)
        cairo_new_sub_path(cr)
        cairo_arc(cr, p.0, p.1, radius, 0, 2 * Double.pi)
        setColor(color)
        cairo_fill(cr)
    }

    func annularSector(center: (Double, Double), outer: Double, inner: Double, from start: Double, to end: Double, _ color: RGBColor) {
        cairo_new_path(cr)
        cairo_arc(cr, center.0, center.1, outer, start, end)
        cairo_arc_negative(cr, center.0, center.1, inner, end, start)
        cairo_close_path(cr)
        setColor(color)
        cairo_fill_preserve(cr)
        // A white seam separates neighbouring slices of similar lightness.
        setColor(ReportTheme.background)
        cairo_set_line_width(cr, max(1, outer * 0.015))
        cairo_stroke(cr)
    }

    // MARK: Text

    func setFont(size: Double, weight: Weight = .regular) {
        cairo_select_font_face(cr, ReportTheme.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               weight == .bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    /// Advance width of `text` in the current font.
    func width(of text: String) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Ascent and descent of the current font; lines are placed by these rather than by glyph ink
    /// so labels of different text share a baseline.
    func fontMetrics() -> (ascent: Double, descent: Double, height: Double) {
        var extents = cairo_font_extents_t()
        cairo_font_extents(cr, &extents)
        return (extents.ascent, extents.descent, extents.height)
    }

    func text(_ text: String, x: Double, y: Double, _ color: RGBColor,
              align: HorizontalAlignment = .leading, vertical: VerticalAlignment = .baseline) {
        guard !text.isEmpty else { return }
        let w = width(of: text)
        let m = fontMetrics()
        let left: Double
        switch align {
        case .leading: left = x
        case .center: left = x - w / 2
        case .trailing: left = x - w
        }
        let baseline: Double
        switch vertical {
        case .top: baseline = y + m.ascent
        case .middle: baseline = y + (m.ascent - m.descent) / 2
        case .baseline: baseline = y
        case .bottom: baseline = y - m.descent
        }
        setColor(color)
        cairo_move_to(cr, left, baseline)
        cairo_show_text(cr, text)
    }

    /// Draws text rotated a quarter turn anticlockwise, centred on (x, y): the usual y-axis title.
    func verticalText(_ text: String, centerX x: Double, centerY y: Double, _ color: RGBColor) {
        withSavedState {
            cairo_translate(cr, x, y)
            cairo_rotate(cr, -Double.pi / 2)
            self.text(text, x: 0, y: 0, color, align: .center, vertical: .middle)
        }
    }

    /// Shortens `text` with an ellipsis until it fits `maxWidth`, so long labels never overlap their neighbours.
    func truncated(_ text: String, toFit maxWidth: Double) -> String {
        if width(of: text) <= maxWidth { return text }
        var characters = Array(text)
        while !characters.isEmpty {
            characters.removeLast()
            let candidate = String(characters).trimmingCharacters(in: .whitespaces) + "…"
            if width(of: candidate) <= maxWidth { return candidate }
        }
        return ""
    }

    /// Greedy word wrap; a single word wider than the line is cut with an ellipsis rather than overflowing.
    func wrap(_ text: String, width maxWidth: Double) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                let candidate = current.isEmpty ? String(word) : current + " " + word
                if width(of: candidate) <= maxWidth || current.isEmpty {
                    current = candidate
                } else {
                    lines.append(current)
                    current = String(word)
                }
                if width(of: current) > maxWidth { current = truncated(current, toFit: maxWidth) }
            }
            lines.append(current)
        }
        return lines
    }
}
