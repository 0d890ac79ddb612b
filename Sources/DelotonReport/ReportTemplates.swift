/// The Mustache templates of `report.html`, kept in code so the executable needs no resource files.
///
/// Written for mail clients as much as browsers: layout tables, inline styles only (many clients
/// drop `<style>`), fixed widths of at most 680 px that shrink on phones, images with explicit
/// sizes and alt text. Colours are those of `ReportTheme`, so HTML, PNG and PDF agree.
enum ReportTemplates {
    static let font = "'DejaVu Sans', Verdana, Arial, Helvetica, sans-serif"

    static let page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light">
        <title>{{title}}</title>
        </head>
        <body style="margin:0;padding:0;background:#F4F5F7;">
        <div style="display:none;max-height:0;overflow:hidden;">{{summary}}</div>
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#F4F5F7;">
        <tr><td align="center" style="padding:24px 8px;">
        <table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="width:680px;max-width:100%;background:#FFFFFF;border:1px solid #D0D4D9;border-radius:6px;font-family:\(font);color:#222222;">
        <tr><td style="background:#0072B2;height:6px;line-height:6px;font-size:0;border-radius:6px 6px 0 0;">&nbsp;</td></tr>
        <tr><td style="padding:20px 20px 4px 20px;">
        <div style="font-size:12px;font-weight:bold;letter-spacing:1.5px;text-transform:uppercase;color:#0072B2;">deloton</div>
        <h1 style="margin:6px 0 6px 0;font-size:22px;line-height:28px;font-weight:bold;color:#222222;">{{title}}</h1>
        <p style="margin:0;font-size:13px;line-height:19px;color:#5F6368;">{{subtitle}}</p>
        </td></tr>
        {{#emptyNotice}}
        <tr><td style="padding:14px 20px 0 20px;">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
        <td style="padding:12px 14px;background:#FFF8E1;border-left:4px solid #E69F00;font-size:14px;line-height:20px;color:#222222;"><strong>No rides on this day.</strong> {{emptyNotice}}</td>
        </tr></table>
        </td></tr>
        {{/emptyNotice}}
        <tr><td style="padding:14px 20px 0 20px;font-size:15px;line-height:22px;color:#222222;">{{summary}}</td></tr>
        {{> heading}}
        <tr><td style="padding:0 20px;">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:13px;">
        <tr>{{#keyColumns}}<th align="{{align}}" style="padding:6px 8px;border-bottom:2px solid #D0D4D9;color:#5F6368;font-weight:bold;text-align:{{align}};">{{text}}</th>{{/keyColumns}}</tr>
        {{#keyFigures}}
        <tr>
        <td style="padding:7px 8px;border-bottom:1px solid #E6E8EB;">{{label}}</td>
        <td align="right" style="padding:7px 8px;border-bottom:1px solid #E6E8EB;text-align:right;font-weight:bold;white-space:nowrap;">{{value}}</td>
        <td align="right" style="padding:7px 8px;border-bottom:1px solid #E6E8EB;text-align:right;white-space:nowrap;color:{{dayColor}};">{{dayChange}}</td>
        <td align="right" style="padding:7px 8px;border-bottom:1px solid #E6E8EB;text-align:right;white-space:nowrap;color:{{weekColor}};">{{weekChange}}</td>
        </tr>
        {{/keyFigures}}
        </table>
        </td></tr>
        {{#sections}}
        {{> heading}}
        {{#intro}}<tr><td style="padding:0 20px 8px 20px;font-size:13px;line-height:19px;color:#5F6368;">{{intro}}</td></tr>{{/intro}}
        {{#chartRows}}
        <tr><td style="padding:0 20px 10px 20px;">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
        {{#charts}}<td valign="top" width="{{cellWidth}}" style="{{cellStyle}}"><img src="{{src}}" width="{{width}}" height="{{height}}" alt="{{alt}}" style="display:block;width:100%;max-width:{{width}}px;height:auto;border:0;outline:none;text-decoration:none;"></td>{{/charts}}
        </tr></table>
        </td></tr>
        {{/chartRows}}
        {{#tables}}{{> table}}{{/tables}}
        {{#note}}<tr><td style="padding:0 20px 8px 20px;font-size:13px;line-height:19px;color:#5F6368;">{{note}}</td></tr>{{/note}}
        {{/sections}}
        <tr><td style="padding:22px 20px 20px 20px;font-size:11px;line-height:16px;color:#5F6368;border-top:1px solid #E6E8EB;">{{footer}}. {{comparisonNote}} Colours: <span style="color:#1B7F3B;">green</span> is better, <span style="color:#B3261E;">red</span> worse. The same report comes as a PDF too.</td></tr>
        </table>
        </td></tr>
        </table>
        </body>
        </html>

        """

    static let heading = """
        <tr><td style="padding:22px 20px 8px 20px;"><h2 style="margin:0;font-size:16px;line-height:22px;font-weight:bold;color:#222222;border-bottom:1px solid #D0D4D9;padding-bottom:6px;">{{heading}}</h2></td></tr>
        """

    static let table = """
        <tr><td style="padding:0 20px 12px 20px;">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:12px;">
        <tr>{{#columns}}<th align="{{align}}" style="padding:6px 6px;border-bottom:2px solid #D0D4D9;color:#5F6368;font-weight:bold;text-align:{{align}};">{{text}}</th>{{/columns}}</tr>
        {{#rows}}<tr>{{#cells}}<td align="{{align}}" style="padding:6px 6px;border-bottom:1px solid #E6E8EB;text-align:{{align}};{{#strong}}font-weight:bold;{{/strong}}">{{text}}</td>{{/cells}}</tr>
        {{/rows}}
        </table>
        </td></tr>
        """
}
