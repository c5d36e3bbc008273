import PrepImage

/// The random augmentations that turn a soft boundary map into a user-like scribble: the
/// ControlNet paper's "random thresholds, randomly masking out a random percentage of scribbles,
/// random morphological transformations, and random non-maximum suppression", with ControlNet
/// 1.1's "scribble width from 1 px to 24 px on a 512 canvas". No code for them was released;
/// these laws are ours.
///
/// Draws, all from the record's generator, always in this order and always all of them (so each
/// law's draw does not depend on earlier outcomes):
///
/// 1. `threshold` t: integer, uniform in `thresholds` (default 80...160).
/// 2. `sigma` s: `lo + (hi - lo) * u`, u uniform in [0, 1), `sigmas` (default 1.5...4.5).
/// 3. morphology: applied with probability `morphologyProbability` (default 0.5, one Bernoulli
///    draw); operation uniform in {dilate, erode, open, close}, element uniform in {square, disk},
///    radius uniform in `morphologyRadii` (default 1...2, element size 2r + 1). All three are drawn
///    even when morphology is not applied.
/// 4. `masked_fraction` f: `lo + (hi - lo) * u`, `maskedFractions` (default 0.0...0.5).
/// 5. `stroke_width` w: integer, uniform in `strokeWidths` (default 1...24), meaning pixels on a
///    512 canvas; applied as `max(1, round(w * min(width, height) / 512))` pixels.
/// 6. masking choices: of the N 8-connected components of the suppressed lines,
///    `m = round(f * N)` (half away from zero) are dropped, chosen by a partial Fisher-Yates
///    shuffle of the labels (`uniform(in: i...N-1)` for i in 0..<m).
///
/// Pipeline: boundary -> `nms(t, s)` -> drop m components -> `StrokeWidth.thicken` to the applied
/// width -> morphology (if applied) on the 0/255 strokes. A suppressed line of width L (usually 1
/// or 2; a whole plateau where neighbours tie, e.g. along an exactly axis-aligned ridge) ends up
/// L + w' - 1 pixels wide for odd applied widths w', L + w' - 2 for even ones, before morphology.
/// Morphology on the strokes bridges and merges them (dilate, close) or thins and nicks them
/// (erode, open); so that it never deletes a scribble outright, erode and open use a radius of at
/// most (w' - 1) / 2, and are skipped (recorded as "none") when that is 0. (Applied to the soft
/// boundary instead, erode/open deleted every line of some photos.)
// reference: Zhang, Rao & Agrawala, "Adding Conditional Control to Text-to-Image Diffusion Models"
//            (2023), section 4 / appendix (scribble: HED + strong augmentations)
// reference: lllyasviel/ControlNet-v1-1-nightly README (scribble width 1 to 24 px on a 512 canvas)
public struct ScribbleAugmentation: Sendable, Equatable {
    public var thresholds: ClosedRange<Int> = 80...160
    public var sigmas: ClosedRange<Double> = 1.5...4.5
    public var morphologyProbability: Double = 0.5
    public var morphologyRadii: ClosedRange<Int> = 1...2
    public var maskedFractions: ClosedRange<Double> = 0.0...0.5
    public var strokeWidths: ClosedRange<Int> = 1...24

    public init() {}

    /// The values drawn for one record (steps 1 to 5).
    public struct Draw: Sendable, Equatable {
        public var threshold: Int
        public var sigma: Double
        public var morphology: GreyMorphology.Operation?
        public var morphologyElement: GreyMorphology.Element
        public var morphologyRadius: Int
        public var maskedFraction: Double
        public var strokeWidth: Int

        /// The stroke width in pixels of an image of this size.
        public func strokeWidthInPixels(width: Int, height: Int) -> Int {
            max(1, Int((Double(strokeWidth) * Double(min(width, height)) / 512).rounded()))
        }
    }

    public func draw(_ random: inout RecordRandom) -> Draw {
        let threshold = random.uniform(in: thresholds)
        let sigma = sigmas.lowerBound + (sigmas.upperBound - sigmas.lowerBound) * random.uniform()
        let applied = random.bernoulli(morphologyProbability)
        let operations = GreyMorphology.Operation.allCases
        let operation = operations[random.uniform(in: 0...(operations.count - 1))]
        let elements = GreyMorphology.Element.allCases
        let element = elements[random.uniform(in: 0...(elements.count - 1))]
        let radius = random.uniform(in: morphologyRadii)
        let fraction = maskedFractions.lowerBound + (maskedFractions.upperBound - maskedFractions.lowerBound) * random.uniform()
        let strokeWidth = random.uniform(in: strokeWidths)
        return Draw(
            threshold: threshold, sigma: sigma,
            morphology: applied ? operation : nil, morphologyElement: element, morphologyRadius: radius,
            maskedFraction: fraction, strokeWidth: strokeWidth
        )
    }

    /// What one run produced, with the realised counts.
    public struct Outcome: Sendable {
        public var scribble: Image
        public var draw: Draw
        public var strokeWidthInPixels: Int
        /// The morphology applied and its radius (nil when none was, or it was skipped).
        public var morphology: (operation: GreyMorphology.Operation, radius: Int)?
        public var components: Int
        public var maskedComponents: Int
    }

    /// Draws (steps 1 to 6) and applies the pipeline to a one-channel boundary map.
    public func apply(to boundary: Image, random: inout RecordRandom) -> Outcome {
        let draw = self.draw(&random)
        let map = FakeScribble.oneChannel(boundary)
        let lines = FakeScribble.nonMaximumSuppression(map, threshold: Double(draw.threshold), sigma: draw.sigma)
        let components = ScribbleComponents(lines)
        let masked = Int((draw.maskedFraction * Double(components.count)).rounded())
        var labels = Array(1...max(1, components.count))
        var dropped = Set<Int>()
        for i in 0..<masked {
            let j = random.uniform(in: i...(components.count - 1))
            labels.swapAt(i, j)
            dropped.insert(labels[i])
        }
        let kept = components.keeping(droppedLabels: dropped)
        let strokeWidth = draw.strokeWidthInPixels(width: boundary.width, height: boundary.height)
        var scribble = StrokeWidth.thicken(kept, toWidth: strokeWidth)
        var applied: (operation: GreyMorphology.Operation, radius: Int)?
        if let operation = draw.morphology {
            let thinning = operation == .erode || operation == .open
            let radius = thinning ? min(draw.morphologyRadius, (strokeWidth - 1) / 2) : draw.morphologyRadius
            if radius > 0 {
                scribble = GreyMorphology.apply(operation, element: draw.morphologyElement, radius: radius, to: scribble)
                applied = (operation, radius)
            }
        }
        return Outcome(
            scribble: scribble, draw: draw, strokeWidthInPixels: strokeWidth, morphology: applied,
            components: components.count, maskedComponents: masked
        )
    }
}
