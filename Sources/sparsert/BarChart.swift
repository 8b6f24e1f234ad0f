import Foundation

/// A grouped bar chart as SVG, for the benchmark's figures (the paper's Fig. 4): one group per label along
/// x, one bar per series in each group (a missing value leaves a gap), a y axis from 0 with its unit.
struct BarChart {
    /// One colour's bars: a value per group, nil where there is none.
    struct Series {
        let name: String
        let colour: String
        let values: [Double?]
    }

    var title: String
    /// Suffix of the axis labels and tooltips, e.g. `x` or ` TFLOP/s`.
    var unit: String
    var groups: [String]
    var series: [Series]
    /// A dashed red line at this value (1 on a speedup chart), or nil.
    var referenceLine: Double? = nil

    /// Bars of this many pixels; groups one bar wider than their bars.
    static let barWidth = 14
    static let colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]

    func svg() -> String {
        let barWidth = Self.barWidth
        let groupWidth = barWidth * (series.count + 1)
        let width = max(320, 60 + groups.count * groupWidth), height = 320
        let largest = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1
        let (top, step) = Self.axis(largest)
        func y(_ v: Double) -> Double { 270 - v / top * 240 }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"10\">\n"
        out += "<text x=\"10\" y=\"14\" font-size=\"12\">\(Self.escaped(title))</text>\n"
        for tick in stride(from: 0.0, through: top + step / 2, by: step) {
            out += String(format: "<line x1=\"40\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"4\" y=\"%.1f\">%@</text>\n",
                          width - 10, y(tick), y(tick), y(tick) + 3, Self.number(tick) + unit)
        }
        if let referenceLine {
            out += String(format: "<line x1=\"40\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"4 2\"/>\n",
                          width - 10, y(referenceLine), y(referenceLine))
        }
        for (g, label) in groups.enumerated() {
            let x0 = 46 + g * groupWidth
            for (s, series) in series.enumerated() {
                guard let value = series.values[g] else { continue }
                out += String(format: "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%@\"><title>%@, %@: %@%@</title></rect>\n",
                              x0 + s * barWidth, y(value), barWidth - 2, 270 - y(value), series.colour, Self.escaped(label),
                              Self.escaped(series.name), String(format: "%.2f", value), unit)
            }
            out += "<text x=\"\(x0)\" y=\"284\">\(Self.escaped(label))</text>\n"
        }
        for (s, series) in series.enumerated() {
            let x = 50 + s * 130
            out += "<rect x=\"\(x)\" y=\"296\" width=\"10\" height=\"10\" fill=\"\(series.colour)\"/><text x=\"\(x + 14)\" y=\"305\">\(Self.escaped(series.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// The axis top and tick step for values up to `largest`: the step 1, 2 or 5 times a power of ten, at most
    /// five steps to the top.
    static func axis(_ largest: Double) -> (top: Double, step: Double) {
        let target = max(largest, 1e-9) / 5
        let power = pow(10, floor(log10(target)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= target } ?? 10 * power
        return ((max(largest, 1e-9) / step).rounded(.up) * step, step)
    }

    /// `2`, `2.5`, `0.25`: a tick label without trailing zeros.
    static func number(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
