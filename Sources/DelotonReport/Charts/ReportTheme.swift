/// An sRGB colour with components in 0...1.
public struct RGBColor: Sendable, Hashable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `0xRRGGBB`, as colours are usually written down.
    public init(hex: UInt32) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255,
                  green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255)
    }
}

/// The one place the report's look is decided, so PNG, HTML and PDF agree.
public enum ReportTheme {
    /// The Okabe–Ito palette: distinguishable for the common forms of colour blindness and in greyscale print.
    public static let series: [RGBColor] = [
        RGBColor(hex: 0x0072B2), // blue
        RGBColor(hex: 0xE69F00), // orange
        RGBColor(hex: 0x009E73), // green
        RGBColor(hex: 0xCC79A7), // purple-pink
        RGBColor(hex: 0x56B4E9), // sky
        RGBColor(hex: 0xD55E00), // vermillion
        RGBColor(hex: 0xF0C442), // yellow
        RGBColor(hex: 0x7F7F7F), // grey
    ]

    public static func seriesColor(_ index: Int) -> RGBColor {
        series[((index % series.count) + series.count) % series.count]
    }

    public static let ink = RGBColor(hex: 0x222222)
    public static let mutedInk = RGBColor(hex: 0x5F6368)
    public static let axis = RGBColor(hex: 0x9AA0A6)
    public static let grid = RGBColor(hex: 0xE6E8EB)
    public static let background = RGBColor(hex: 0xFFFFFF)
    public static let panel = RGBColor(hex: 0xF4F5F7)
    public static let rule = RGBColor(hex: 0xD0D4D9)
    public static let improvement = RGBColor(hex: 0x1B7F3B)
    public static let deterioration = RGBColor(hex: 0xB3261E)

    /// Named explicitly so output does not depend on fontconfig's defaults (only DejaVu is installed anyway).
    public static let fontFamily = "DejaVu Sans"

    public static let noDataMessage = "No data for this day"
}
