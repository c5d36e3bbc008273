// ControlMetric: how closely a ControlNet's samples follow their Canny conditions, measured during
// `prep train --stage control`.
//   validation set: `count` records spread evenly over the run's usable keys (the i-th is at
//     i * n / count, moving on to the next key when a condition has fewer edge pixels than 1/256
//     of its area, 16 at 64 x 64), each with its condition and its own caption (never dropped);
//     fixed for the whole run
//   an evaluation: one sample per record, all in one batch (DDIM, `ddimSteps` steps, guidance
//     `guidance`, seed = run seed + i, so every evaluation starts from the same noise); the
//     sample's Canny edges as in Canny's own method, smoothed first: a Gaussian blur of `sigma` 2
//     (OpenCV's `GaussianBlur(sample, (0, 0), 2)`), then OpenCV's Canny with thresholds `low` 50
//     and `high` 100 (the low end of the canny stage's random thresholds). Both were chosen by
//     whether the metric tells a sample's own condition from the other records' (on fill50k at
//     64 px): without the blur the grain a small model leaves in its samples is all edges (recall
//     1, precision ~0.09, own = others); with the annotator's 100 and 200 the soft, low-contrast
//     circles a small model draws have no edges (F1 0 on circles that visibly follow);
//     `EdgeF1` against the condition's edges (pixels > 127) at `tolerance` pixels; the metric is
//     the mean F1 over the set
// At step 0 the ControlNet's zero convolutions make the model the base alone, so the first value
// is what an unconditioned model scores by chance.
import Foundation
import PrepImage
import PrepNN
import PrepStages

public struct ControlMetricSettings: Sendable, Equatable {
    public var count = 8
    public var ddimSteps = 20
    public var guidance: Float = 9
    public var tolerance = 2
    public var sigma = 2.0
    public var low = 50.0
    public var high = 100.0
    public init() {}
}

/// One evaluation of the control metric.
public struct ControlEvaluation: Sendable {
    public var step: Int
    /// Mean F1 over the validation set.
    public var metric: Double
    public var precision: Double
    public var recall: Double
    /// condition | sample pairs side by side, one row per validation record.
    public var grid: Image?
}

public final class ControlMetric {
    public let settings: ControlMetricSettings
    public let keys: [String]
    private let conditions: [[Float]]
    private let referenceEdges: [[UInt8]]
    private let captions: [String]
    private let resolution: Int
    private let seed: UInt64

    public init(data: TrainingData, settings: ControlMetricSettings = ControlMetricSettings(), seed: UInt64) throws {
        guard data.conditionMember != nil else { throw TrainingError("the control metric needs a run with --condition") }
        guard settings.count >= 1 else { throw TrainingError("--eval-count must be at least 1, not \(settings.count)") }
        self.settings = settings
        self.seed = seed
        resolution = data.resolution
        var keys: [String] = [], conditions: [[Float]] = [], edges: [[UInt8]] = [], captions: [String] = []
        let n = data.keys.count
        var taken = Set<Int>()
        for i in 0..<min(settings.count, n) {
            var index = i * n / settings.count
            while index < n {
                defer { index += 1 }
                if taken.contains(index) { continue }
                let sample = try data.sample(key: data.keys[index])
                guard let condition = sample.condition else { continue }
                let plane = resolution * resolution
                let map = (0..<plane).map { condition[$0] > 0.5 ? UInt8(255) : 0 }
                guard map.reduce(0, { $0 + ($1 != 0 ? 1 : 0) }) >= max(1, plane / 256) else { continue }
                taken.insert(index)
                keys.append(sample.key)
                conditions.append(condition)
                edges.append(map)
                captions.append(sample.caption)
                break
            }
        }
        guard !keys.isEmpty else {
            throw TrainingError("the control metric found no validation record whose condition has edge pixels; "
                + "train with --eval-every 0 (no metric)")
        }
        self.keys = keys
        self.conditions = conditions
        referenceEdges = edges
        self.captions = captions
    }

    /// Samples every validation record with the models as they are and scores the samples.
    /// Leaves the ControlNet's control scales as they were.
    public func evaluate(step: Int, unet: UNet, textEncoder: TextEncoder, controlNet: ControlNet,
                         keepingGrid: Bool = true) -> ControlEvaluation {
        let sampler = Sampler(unet: unet, textEncoder: textEncoder, controlNet: controlNet, resolution: resolution)
        let scales = controlNet.controlScales
        defer { controlNet.controlScales = scales }
        var precision = 0.0, recall = 0.0, f1 = 0.0
        var tiles: [Image] = []
        let latents = sampler.sampleBatch(prompts: captions, conditions: conditions,
                                          seeds: conditions.indices.map { seed &+ UInt64($0) },
                                          steps: settings.ddimSteps, guidance: settings.guidance)
        for (i, condition) in conditions.enumerated() {
            let picture = sampler.image(latent: latents[i])
            let smoothed = settings.sigma > 0 ? GaussianBlur.blur(picture, sigma: settings.sigma) : picture
            let edges = Canny.edges(smoothed, low: settings.low, high: settings.high)
            let score = EdgeF1.measure(predicted: edges.pixels, reference: referenceEdges[i], width: resolution,
                                       height: resolution, tolerance: settings.tolerance)
            precision += score.precision
            recall += score.recall
            f1 += score.f1
            if keepingGrid {
                tiles.append(Sampler.picture(planes: condition, size: resolution, scale: 255, offset: 0))
                tiles.append(picture)
            }
        }
        let count = Double(conditions.count)
        return ControlEvaluation(step: step, metric: f1 / count, precision: precision / count, recall: recall / count,
                                 grid: keepingGrid ? Sampler.row(tiles, size: resolution) : nil)
    }
}
