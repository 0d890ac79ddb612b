/// `report.pdf`: the HTML's content on paginated A4, charts as vectors.
public enum ReportPDF {
    public static func document(_ report: DailyReport, charts: ReportCharts) -> PDFDocument {
        let content = ReportContent(report)
        var pdf = PDFDocument(orientation: .portrait, footer: content.footer, documentTitle: content.title)
        pdf.addTitle(content.title, subtitle: content.subtitle)
        // An empty day says so once, then shows what still means something: the comparisons.
        pdf.addParagraph(content.emptyNotice ?? content.summary)

        pdf.addHeading("Key figures")
        pdf.addKeyFigures(content.keyFigures, columnTitles: ["Figure", "This day", "vs day before", "vs 7-day mean"])
        pdf.addParagraph(ReportContent.comparisonNote)
        guard content.emptyNotice == nil else {
            // A smaller chart keeps an empty day's report on one page.
            addTrend(content, charts: charts, chartHeight: 150, to: &pdf)
            return pdf
        }

        pdf.addHeading("Riders")
        pdf.addCharts([charts.ridersByGender.chart, charts.ridersByAgeGroup.chart], perRow: 2)
        add(content.riders, to: &pdf)

        pdf.addHeading("When they rode")
        pdf.addChart(charts.ridesPerHour.chart, height: 200)

        pdf.addHeading("Effort")
        pdf.addParagraph("Every second of riding is one reading; heart rates of 0 (no contact) are left out.")
        pdf.addCharts([charts.heartRate.chart, charts.power.chart], perRow: 2)

        pdf.addHeading("Highlights")
        if let t = content.highlights { add(t, to: &pdf) } else { pdf.addParagraph("No ride had readings on this day.") }

        pdf.addHeading("Top riders by energy")
        if let t = content.topRiders { add(t, to: &pdf) } else { pdf.addParagraph("No rider rode on this day.") }

        pdf.addHeading("Heart-rate alerts")
        if let t = content.alerts {
            pdf.addParagraph("Rides on which three readings in a row were outside the rider's safe range; each rider was emailed.")
            add(t, to: &pdf)
        } else {
            pdf.addParagraph("No alerts: every rider stayed within their safe heart-rate range.")
        }

        addTrend(content, charts: charts, chartHeight: 200, to: &pdf)
        return pdf
    }

    static func addTrend(_ content: ReportContent, charts: ReportCharts, chartHeight: Double, to pdf: inout PDFDocument) {
        pdf.addHeading("Last 8 days")
        pdf.addChart(charts.trend.chart, height: chartHeight)
        add(content.trend, to: &pdf)
    }

    static func add(_ table: ReportTable, to pdf: inout PDFDocument) {
        let columns = table.columns.enumerated().map { index, title in
            TableColumn(title, alignment: index < table.numeric.count && table.numeric[index] ? .trailing : .leading)
        }
        pdf.addTable(columns: columns, rows: table.rows)
    }
}
