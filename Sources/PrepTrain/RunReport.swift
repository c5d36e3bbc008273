// RunReport: what a finished `prep train` call leaves for people and scripts:
//   RUN_DIR/summary.json   this struct, snake_case keys (also printed on stdout by the command)
//   RUN_DIR/training.png   `TrainingChart`: loss and control metric against steps, phase
//                          boundaries, the convergence step, sample grids of a few evaluations
// `seconds` is the run's time in training and evaluations, carried across resumes.
import Foundation
import PrepImage

public struct RunReport: Codable, Sendable, Equatable {
    public var stage: String
    public var curriculum: String?
    public var phases: [PhaseSpan]
    public var steps: Int
    public var seconds: Double
    /// The mean loss of the last 20 steps.
    public var finalLoss: Double?
    public var initialMetric: Double?
    public var finalMetric: Double?
    /// `ConvergenceDetector`'s step; nil when the metric did not jump (or was not measured).
    public var convergenceStep: Int?
    public var checkpoint: String?

    enum CodingKeys: String, CodingKey {
        case stage, curriculum, phases, steps, seconds, checkpoint
        case finalLoss = "final_loss", initialMetric = "initial_metric", finalMetric = "final_metric"
        case convergenceStep = "convergence_step"
    }

    public static let fileName = "summary.json"
    public static let chartName = "training.png"

    /// The report of `trainer`'s run as it stands, written with the chart into the run folder.
    @discardableResult
    public static func write(for trainer: Trainer) throws -> RunReport {
        let directory = trainer.runDirectory
        let losses: [(step: Int, loss: Double)] = ((try? LossLog.read(directory.appendingPathComponent(LossLog.fileName))) ?? [])
            .compactMap { entry in
                guard let step = entry["step"] as? Int, let loss = entry["loss"] as? Double else { return nil }
                return (step, loss)
            }
        let evaluations = trainer.metricLog?.entries ?? []
        let points = evaluations.map { (step: $0.step, metric: $0.metric) }
        let tail = losses.suffix(20)
        var report = RunReport(
            stage: trainer.options.stage.rawValue, curriculum: trainer.curriculum?.name, phases: trainer.phaseSpans,
            steps: trainer.step, seconds: (trainer.seconds * 1000).rounded() / 1000,
            finalLoss: tail.isEmpty ? nil : tail.reduce(0) { $0 + $1.loss } / Double(tail.count),
            initialMetric: evaluations.first?.metric, finalMetric: evaluations.last?.metric,
            convergenceStep: ConvergenceDetector.convergenceStep(points),
            checkpoint: trainer.checkpoints.resumePoint()?.path)
        if let loss = report.finalLoss { report.finalLoss = (loss * 1e6).rounded() / 1e6 }

        var grids: [(step: Int, image: Image)] = []
        if let metricLog = trainer.metricLog {
            for step in TrainingChart.gridSteps(evaluations.map(\.step)) {
                guard let data = FileManager.default.contents(atPath: metricLog.sampleURL(step: step).path),
                      let image = try? ImageDecoder.decode([UInt8](data)) else { continue }
                grids.append((step, image))
            }
        }
        var title = "PREP TRAIN --STAGE \(report.stage)"
        if let curriculum = report.curriculum { title += " --CURRICULUM \(curriculum)" }
        title += "  \(report.steps) STEPS"
        if let step = report.convergenceStep { title += ", CONVERGED AT STEP \(step)" }
        let chart = TrainingChart.render(title: title, losses: losses, evaluations: points, phases: report.phases,
                                         convergenceStep: report.convergenceStep, grids: grids)
        do {
            try Data(try PNGCodec.encode(chart)).write(to: directory.appendingPathComponent(chartName), options: .atomic)
            try Data((report.json + "\n").utf8).write(to: directory.appendingPathComponent(fileName), options: .atomic)
        } catch {
            throw TrainingError("cannot write the run report in \(directory.path): \(error)")
        }
        return report
    }

    /// Pretty, sorted-key JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
