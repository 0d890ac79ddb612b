import Mustache

/// Renders `report.html` from the Mustache templates.
///
/// The same report is rendered twice: beside its chart files (`src="trend.png"`) and for email
/// (`src="cid:trend@deloton.report"`); `imageSource` decides which.
public enum ReportHTML {
    public enum ImageSource: Sendable {
        /// File names in the report's folder.
        case files
        /// `cid:` references to the email's inline parts.
        case contentIDs
    }

    static let library: Result<MustacheLibrary, ReportError> = {
        do {
            var library = MustacheLibrary()
            try library.register(ReportTemplates.page, named: "page")
            try library.register(ReportTemplates.heading, named: "heading")
            try library.register(ReportTemplates.table, named: "table")
            return .success(library)
        } catch {
            return .failure(.rendering("the report's HTML template does not parse: \(error)"))
        }
    }()

    public static func render(_ report: DailyReport, charts: ReportCharts, images: ImageSource) throws(ReportError) -> String {
        let library = try library.get()
        let content = ReportContent(report)
        guard let html = library.render(context(content, charts: charts, images: images), withTemplate: "page") else {
            throw .rendering("the report's HTML template is missing")
        }
        return html
    }

    static func context(_ content: ReportContent, charts: ReportCharts, images: ImageSource) -> [String: Any] {
        func src(_ chart: NamedChart) -> String {
            switch images {
            case .files: return chart.fileName
            case .contentIDs: return "cid:" + chart.contentID
            }
        }
        func row(_ list: [NamedChart]) -> [String: Any] {
            let cellWidth = list.count == 1 ? "100%" : "50%"
            return ["charts": list.enumerated().map { index, chart -> [String: Any] in
                // A gutter between side-by-side charts without CSS that mail clients might drop.
                let style = list.count == 1 ? "" : (index == 0 ? "padding-right:4px;" : "padding-left:4px;")
                return ["src": src(chart), "width": chart.width, "height": chart.height, "alt": chart.altText,
                        "cellWidth": cellWidth, "cellStyle": style]
            }]
        }
        func table(_ t: ReportTable, strongLastRow: Bool = false) -> [String: Any] {
            func align(_ i: Int) -> String { i < t.numeric.count && t.numeric[i] ? "right" : "left" }
            return [
                "columns": t.columns.enumerated().map { ["text": $1, "align": align($0)] },
                "rows": t.rows.enumerated().map { r, cells -> [String: Any] in
                    let strong = strongLastRow && r == t.rows.count - 1
                    return ["cells": cells.enumerated().map { c, text -> [String: Any] in
                        ["text": text, "align": align(c), "strong": strong]
                    }]
                },
            ]
        }
        func color(_ change: KeyFigureRow.Change?, _ row: KeyFigureRow) -> String {
            guard let change, let better = row.higherIsBetter, change.direction != .flat else {
                return ReportFormat.hex(ReportTheme.mutedInk)
            }
            return ReportFormat.hex((change.direction == .up) == better ? ReportTheme.improvement : ReportTheme.deterioration)
        }
        func changeText(_ change: KeyFigureRow.Change?) -> String {
            guard let change else { return "–" }
            return KeyFigureRow.arrow(change.direction) + " " + change.text
        }

        var sections: [[String: Any]] = [
            ["heading": "Riders", "chartRows": [row([charts.ridersByGender]), row([charts.ridersByAgeGroup])],
             "tables": [table(content.riders, strongLastRow: true)]],
            ["heading": "When they rode", "chartRows": [row([charts.ridesPerHour])]],
            ["heading": "Effort", "intro": "Every second of riding is one reading; heart rates of 0 (no contact) are left out.",
             "chartRows": [row([charts.heartRate]), row([charts.power])]],
        ]
        var highlights: [String: Any] = ["heading": "Highlights"]
        if let t = content.highlights { highlights["tables"] = [table(t)] } else { highlights["note"] = "No ride had readings on this day." }
        sections.append(highlights)
        var top: [String: Any] = ["heading": "Top riders by energy"]
        if let t = content.topRiders { top["tables"] = [table(t)] } else { top["note"] = "No rider rode on this day." }
        sections.append(top)
        var alerts: [String: Any] = ["heading": "Heart-rate alerts"]
        if let t = content.alerts {
            alerts["intro"] = "Rides on which three readings in a row were outside the rider's safe range; each rider was emailed."
            alerts["tables"] = [table(t)]
        } else {
            alerts["note"] = "No alerts: every rider stayed within their safe heart-rate range."
        }
        sections.append(alerts)
        sections.append(["heading": "Last 8 days", "chartRows": [row([charts.trend])], "tables": [table(content.trend)]])

        var context: [String: Any] = [
            "title": content.title, "subtitle": content.subtitle, "summary": content.summary, "footer": content.footer, "comparisonNote": ReportContent.comparisonNote,
            "heading": "Key figures",
            "keyColumns": [["text": "Figure", "align": "left"], ["text": "This day", "align": "right"],
                           ["text": "vs day before", "align": "right"], ["text": "vs 7-day mean", "align": "right"]],
            "keyFigures": content.keyFigures.map { row -> [String: Any] in
                ["label": row.label, "value": row.value,
                 "dayChange": changeText(row.vsPreviousDay), "dayColor": color(row.vsPreviousDay, row),
                 "weekChange": changeText(row.vsSevenDayMean), "weekColor": color(row.vsSevenDayMean, row)]
            },
            "sections": sections,
        ]
        if let notice = content.emptyNotice { context["emptyNotice"] = notice }
        return context
    }
}
