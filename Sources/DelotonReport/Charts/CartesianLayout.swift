import CCairo

/// Where the plot area of an x/y chart goes once room is made for tick labels and axis titles,
/// and the drawing of its gridlines and axes. Shared so bar, histogram and line charts line up alike.
struct CartesianLayout {
    let plot: ChartRect
    let left: NiceScale
    let right: NiceScale?
    let metrics: ChartMetrics
    private let body: ChartRect
    private let leftTitle: String
    private let rightTitle: String?
    private let xTitle: String?

    init(_ canvas: CairoCanvas, body: ChartRect, metrics m: ChartMetrics,
         left: NiceScale, leftTitle: String, right: NiceScale? = nil, rightTitle: String? = nil,
         xTitle: String?, trailingOverhang: Double = 0) {
        self.body = body
        self.left = left
        self.right = right
        self.metrics = m
        self.leftTitle = leftTitle
        self.rightTitle = rightTitle
        self.xTitle = xTitle

        canvas.setFont(size: m.axisTitle)
        let titleHeight = canvas.fontMetrics().height
        canvas.setFont(size: m.label)
        let labelHeight = canvas.fontMetrics().height
        func tickWidth(_ scale: NiceScale) -> Double {
            scale.ticks.map { canvas.width(of: ReportNumber.format($0, decimals: scale.decimals)) }.max() ?? 0
        }
        let leftMargin = (leftTitle.isEmpty ? 0 : titleHeight + m.gap) + tickWidth(left) + m.gap
        let rightMargin = right.map { (rightTitle?.isEmpty ?? true ? 0 : titleHeight + m.gap) + tickWidth($0) + m.gap }
            ?? max(m.gap, trailingOverhang)
        let bottomMargin = labelHeight + m.gap + (xTitle?.isEmpty ?? true ? 0 : titleHeight + m.gap * 0.5)
        plot = body.inset(top: labelHeight / 2, left: leftMargin, bottom: bottomMargin, right: rightMargin)
    }

    /// Height reserved below the plot for one line of category labels.
    var xLabelBaseline: Double { plot.maxY + metrics.gap }

    func y(_ value: Double, on scale: NiceScale? = nil) -> Double {
        let s = scale ?? left
        return plot.maxY - s.position(of: min(max(value, s.lower), s.upper), length: plot.height)
    }

    func drawGrid(_ canvas: CairoCanvas) {
        let m = metrics
        canvas.setFont(size: m.label)
        for (index, tick) in left.ticks.enumerated() {
            let y = self.y(tick)
            if tick != 0 { canvas.line(from: (plot.x, y), to: (plot.maxX, y), ReportTheme.grid) }
            canvas.text(ReportNumber.format(tick, decimals: left.decimals), x: plot.x - m.gap, y: y,
                        ReportTheme.mutedInk, align: .trailing, vertical: .middle)
            if let right, index < right.ticks.count {
                let value = right.ticks[index]
                canvas.text(ReportNumber.format(value, decimals: right.decimals), x: plot.maxX + m.gap, y: y,
                            ReportTheme.mutedInk, align: .leading, vertical: .middle)
            }
        }
        // The zero line is the axis the bars stand on, so it is drawn darker than the gridlines.
        let zero = y(0)
        canvas.line(from: (plot.x, zero), to: (plot.maxX, zero), ReportTheme.axis)

        canvas.setFont(size: m.axisTitle)
        let titleHeight = canvas.fontMetrics().height
        if !leftTitle.isEmpty {
            canvas.verticalText(canvas.truncated(leftTitle, toFit: plot.height + m.padding), centerX: body.x + titleHeight / 2,
                                centerY: plot.midY, ReportTheme.mutedInk)
        }
        if let rightTitle, !rightTitle.isEmpty, right != nil {
            canvas.withSavedState {
                cairoRotatedRight(canvas, rightTitle, x: body.maxX - titleHeight / 2, y: plot.midY, maxLength: plot.height + m.padding)
            }
        }
        if let xTitle, !xTitle.isEmpty {
            canvas.text(canvas.truncated(xTitle, toFit: plot.width), x: plot.midX, y: body.maxY, ReportTheme.mutedInk,
                        align: .center, vertical: .bottom)
        }
    }

    /// The right axis title reads top to bottom, facing the axis it names.
    private func cairoRotatedRight(_ canvas: CairoCanvas, _ text: String, x: Double, y: Double, maxLength: Double) {
        canvas.withSavedState {
            translateAndRotate(canvas, x: x, y: y, quarterTurns: 1)
            canvas.text(canvas.truncated(text, toFit: maxLength), x: 0, y: 0, ReportTheme.mutedInk, align: .center, vertical: .middle)
        }
    }

    /// Category labels under the plot, thinned out (every 2nd, 3rd, …) when they would collide.
    func drawCategoryLabels(_ canvas: CairoCanvas, labels: [String], centers: [Double], slotWidth: Double) {
        canvas.setFont(size: metrics.label)
        let widest = labels.map { canvas.width(of: $0) }.max() ?? 0
        let needed = widest + metrics.gap
        let stride = needed <= slotWidth ? 1 : clampedInt((needed / max(1, slotWidth)).rounded(.up), in: 1...10_000)
        for (index, label) in labels.enumerated() where index % stride == 0 && index < centers.count {
            canvas.text(label, x: centers[index], y: xLabelBaseline, ReportTheme.mutedInk,
                        align: .center, vertical: .top)
        }
    }
}

private func translateAndRotate(_ canvas: CairoCanvas, x: Double, y: Double, quarterTurns: Int) {
    cairo_translate(canvas.cr, x, y)
    cairo_rotate(canvas.cr, Double(quarterTurns) * Double.pi / 2)
}
