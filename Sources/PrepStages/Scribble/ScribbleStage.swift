import Foundation
import PrepImage

/// The scribble condition: white strokes on black (0/255, one channel), made from a soft boundary
/// map the way ControlNet made its scribble training data.
///
/// * Boundary: a given HED/PiDiNet map (`run(boundary:random:)`), else `SoftBoundary.map` of the
///   record's image (the protocol's `run`), with `boundary_scale` multiplying its sigmas.
/// * `augment = paper` (default): `ScribbleAugmentation`'s random thresholds, suppression sigma,
///   morphology, masking and stroke width, drawn from the record's generator.
/// * `augment = none`: ControlNet's deterministic fake-scribble chain,
///   `FakeScribble.scribble(boundary, threshold: 127, sigma: 3.0)`.
///
/// Parameters (same names and types on every record; `skippedParameters` has neutral values):
/// `boundary` ("soft" | "given"), `threshold` (int), `sigma` (double), `morphology` ("none" |
/// "dilate" | "erode" | "open" | "close"), `morphology_element` ("none" | "square" | "disk"),
/// `morphology_size` (int, 2r + 1, 0 when none), `masked_fraction` (double, drawn),
/// `components` (int, 8-connected components after suppression), `masked_components` (int),
/// `stroke_width` (int, drawn, pixels on a 512 canvas), `stroke_width_px` (int, applied).
/// With `augment = none`: threshold 127, sigma 3.0, no morphology, nothing masked, components 0
/// (not counted) and stroke widths 0 (the chain's blur sets the width).
// reference: lllyasviel/ControlNet gradio_fake_scribble2image.py; the ControlNet paper (augmentations)
public struct ScribbleStage: ConditionStage {
    public enum Augment: String, Sendable, CaseIterable {
        case paper, none
    }

    public let name = "scribble"
    public let outputKind = ConditionKind.gray
    public var augment: Augment = .paper
    public var augmentation = ScribbleAugmentation()
    /// Multiplies `SoftBoundary`'s sigmas (1, 2, 4).
    public var boundaryScale: Double = 1

    public init() {}

    public let skippedParameters: [String: StageParameter] = [
        "boundary": .string("none"),
        "threshold": .int(0),
        "sigma": .double(0),
        "morphology": .string("none"),
        "morphology_element": .string("none"),
        "morphology_size": .int(0),
        "masked_fraction": .double(0),
        "components": .int(0),
        "masked_components": .int(0),
        "stroke_width": .int(0),
        "stroke_width_px": .int(0),
    ]

    public var options: [(name: String, value: String)] {
        [
            ("augment", augment.rawValue),
            ("boundary_scale", "\(boundaryScale)"),
            ("masked_fraction", StageOption.text(augmentation.maskedFractions)),
            ("morphology_probability", "\(augmentation.morphologyProbability)"),
            ("morphology_radius", StageOption.text(augmentation.morphologyRadii)),
            ("sigma", StageOption.text(augmentation.sigmas)),
            ("stroke_width", StageOption.text(augmentation.strokeWidths)),
            ("threshold", StageOption.text(augmentation.thresholds)),
        ]
    }

    public mutating func setOption(_ name: String, to value: String) throws {
        switch name {
        case "augment":
            guard let parsed = Augment(rawValue: value.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw StageError("option augment must be one of paper, none (got '\(value)')")
            }
            augment = parsed
        case "boundary_scale":
            boundaryScale = try StageOption.double(value, option: name, in: 0.25...8)
        case "masked_fraction":
            augmentation.maskedFractions = try StageOption.doubleRange(value, option: name, within: 0...1)
        case "morphology_probability":
            augmentation.morphologyProbability = try StageOption.double(value, option: name, in: 0...1)
        case "morphology_radius":
            augmentation.morphologyRadii = try StageOption.intRange(value, option: name, within: 1...5)
        case "sigma":
            augmentation.sigmas = try StageOption.doubleRange(value, option: name, within: 0.5...10)
        case "stroke_width":
            augmentation.strokeWidths = try StageOption.intRange(value, option: name, within: 1...64)
        case "threshold":
            augmentation.thresholds = try StageOption.intRange(value, option: name, within: 0...254)
        default:
            throw StageError("stage scribble has no option '\(name)'; options: \(options.map(\.name).joined(separator: ", "))")
        }
    }

    /// The soft boundary stand-in for HED (`SoftBoundary.map` with the default scale).
    public static func softBoundary(_ image: Image) -> Image {
        SoftBoundary.map(image)
    }

    /// ControlNet's deterministic fake-scribble chain (`FakeScribble.scribble`): a one-channel
    /// 0...255 boundary map to a one-channel 0/255 scribble of the same size.
    public static func scribble(boundary: Image, threshold: Double = 127, sigma: Double = 3.0) -> Image {
        FakeScribble.scribble(boundary: boundary, threshold: threshold, sigma: sigma)
    }

    /// Uses the record's given boundary map when the source has one, else computes the soft one.
    public func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult {
        if let given = input.boundary {
            return run(boundary: given, source: "given", random: &random)
        }
        return run(boundary: SoftBoundary.map(input.image, scale: boundaryScale), source: "soft", random: &random)
    }

    /// The stage on a user-provided soft boundary map (HED, PiDiNet; 1 or 3 channels, 0...255).
    public func run(boundary: Image, random: inout RecordRandom) -> StageResult {
        run(boundary: boundary, source: "given", random: &random)
    }

    func run(boundary: Image, source: String, random: inout RecordRandom) -> StageResult {
        switch augment {
        case .none:
            var parameters = skippedParameters
            parameters["boundary"] = .string(source)
            parameters["threshold"] = .int(127)
            parameters["sigma"] = .double(3.0)
            return StageResult(condition: FakeScribble.scribble(boundary: FakeScribble.oneChannel(boundary)), parameters: parameters)
        case .paper:
            let outcome = augmentation.apply(to: boundary, random: &random)
            let draw = outcome.draw
            let parameters: [String: StageParameter] = [
                "boundary": .string(source),
                "threshold": .int(draw.threshold),
                "sigma": .double(draw.sigma),
                "morphology": .string(outcome.morphology?.operation.rawValue ?? "none"),
                "morphology_element": .string(outcome.morphology == nil ? "none" : draw.morphologyElement.rawValue),
                "morphology_size": .int(outcome.morphology.map { 2 * $0.radius + 1 } ?? 0),
                "masked_fraction": .double(draw.maskedFraction),
                "components": .int(outcome.components),
                "masked_components": .int(outcome.maskedComponents),
                "stroke_width": .int(draw.strokeWidth),
                "stroke_width_px": .int(outcome.strokeWidthInPixels),
            ]
            return StageResult(condition: outcome.scribble, parameters: parameters)
        }
    }
}
