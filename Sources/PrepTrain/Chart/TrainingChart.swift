// TrainingChart: RUN_DIR/training.png, a run at a glance.
//   title:   the run (stage, curriculum, convergence step)
//   panel 1: the loss against steps (the mean of each of up to `buckets` equal step ranges)
//   panel 2: the control metric against steps, a dot at each evaluation (control runs)
//   both:    a dashed line at each phase boundary, labelled with the new phase's name, and a red
//            line at the convergence step
//   below:   the sample grids (condition | sample pairs) of up to four evaluations: the first, the
//            last, and evenly between, each labelled with its step
import Foundation
import PrepImage

public enum TrainingChart {
    static let margin = 16, axisWidth = 64, panelHeight = 170, titleHeight = 26, gap = 30
    public static let buckets = 200

    public static func render(title: String, losses: [(step: Int, loss: Double)], evaluations: [(step: Int, metric: Double)],
                              phases: [PhaseSpan], convergenceStep: Int?, grids: [(step: Int, image: Image)]) -> Image {
        let gridWidth = grids.map(\.image.width).max() ?? 0
        let width = max(900, gridWidth + 2 * margin)
        let panels = evaluations.isEmpty ? 1 : 2
        let gridsHeight = grids.reduce(0) { $0 + $1.image.height + 22 }
        let height = titleHeight + panels * (panelHeight + gap) + gridsHeight + margin
        var canvas = Canvas(width: width, height: height)
        canvas.text(title, x: margin, y: 8)
        let lastStep = max(losses.last?.step ?? 0, evaluations.last?.step ?? 0, 1)
        let plot = (x: margin + axisWidth, width: width - 2 * margin - axisWidth)

        var top = titleHeight + 10
        drawPanel(&canvas, name: "LOSS", top: top, plot: plot, lastStep: lastStep, points: bucketed(losses, lastStep: lastStep),
                  color: .blue, dots: false, phases: phases, convergenceStep: convergenceStep)
        top += panelHeight + gap
        if !evaluations.isEmpty {
            drawPanel(&canvas, name: "CONTROL METRIC (EDGE F1)", top: top, plot: plot, lastStep: lastStep,
                      points: evaluations.map { (Double($0.step), $0.metric) }, color: .orange, dots: true,
                      phases: phases, convergenceStep: convergenceStep, fromZero: true)
            top += panelHeight + gap
        }
        for grid in grids {
            canvas.text("STEP \(grid.step): CONDITION | SAMPLE", x: margin, y: top)
            canvas.paste(grid.image, x: margin, y: top + 14)
            top += grid.image.height + 22
        }
        return canvas.image
    }

    /// Means of the losses over equal step ranges, as (step, loss) points.
    static func bucketed(_ losses: [(step: Int, loss: Double)], lastStep: Int) -> [(Double, Double)] {
        let finite = losses.filter { $0.loss.isFinite }
        guard !finite.isEmpty else { return [] }
        let size = max(1, (lastStep + buckets - 1) / buckets)
        var sums: [Int: (Double, Double, Int)] = [:]
        for (step, loss) in finite {
            let bucket = (step - 1) / size
            let entry = sums[bucket] ?? (0, 0, 0)
            sums[bucket] = (entry.0 + Double(step), entry.1 + loss, entry.2 + 1)
        }
        return sums.keys.sorted().map { key in
            let (steps, total, count) = sums[key]!
            return (steps / Double(count), total / Double(count))
        }
    }

    static func drawPanel(_ canvas: inout Canvas, name: String, top: Int, plot: (x: Int, width: Int), lastStep: Int,
                          points: [(Double, Double)], color: RGB, dots: Bool, phases: [PhaseSpan], convergenceStep: Int?,
                          fromZero: Bool = false) {
        let bottom = top + panelHeight
        canvas.rectangle(x: plot.x, y: top, width: plot.width, height: panelHeight, .gray)
        canvas.text(name, x: plot.x + 6, y: top + 6, .black)
        var low = points.map(\.1).min() ?? 0, high = points.map(\.1).max() ?? 1
        if fromZero { low = 0 }
        if high - low < 1e-9 { high = low + 1 }
        let span = high - low
        low -= fromZero ? 0 : span * 0.05
        high += span * 0.08
        func px(_ step: Double) -> Int { plot.x + Int((step / Double(lastStep) * Double(plot.width - 1)).rounded()) }
        func py(_ value: Double) -> Int { bottom - 1 - Int(((value - low) / (high - low) * Double(panelHeight - 1)).rounded()) }
        // Axis labels: the value range, the step range.
        canvas.text(label(high), x: plot.x - axisWidth + 2, y: top, .black)
        canvas.text(label(low), x: plot.x - axisWidth + 2, y: bottom - 10, .black)
        canvas.text("0", x: plot.x, y: bottom + 4)
        let last = "STEP \(lastStep)"
        canvas.text(last, x: plot.x + plot.width - Canvas.textWidth(last), y: bottom + 4)
        for phase in phases where phase.startStep > 0 {
            let x = px(Double(phase.startStep))
            canvas.dashedVerticalLine(x: x, from: top + 1, to: bottom - 2, .gray)
            canvas.text(phase.name, x: x + 4, y: bottom - 24, .gray)
        }
        if let convergenceStep {
            let x = px(Double(convergenceStep))
            canvas.dashedVerticalLine(x: x, from: top + 1, to: bottom - 2, .red, dash: 2)
            canvas.text("CONVERGED \(convergenceStep)", x: x + 4, y: top + 20, .red)
        }
        var previous: (Int, Int)?
        for (step, value) in points {
            let point = (px(step), py(value))
            if let previous { canvas.line(previous.0, previous.1, point.0, point.1, color) }
            if dots { canvas.fill(x: point.0 - 2, y: point.1 - 2, width: 5, height: 5, color) }
            previous = point
        }
    }

    static func label(_ value: Double) -> String {
        abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.3f", value)
    }

    /// Up to `count` evaluation steps to show: the first, the last and evenly between.
    public static func gridSteps(_ steps: [Int], count: Int = 4) -> [Int] {
        guard steps.count > count else { return steps }
        return (0..<count).map { steps[$0 * (steps.count - 1) / (count - 1)] }
    }
}
