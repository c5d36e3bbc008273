// Curriculum: the phases of a `prep train --stage control` run, after the ControlNet paper's
// training strategies (section 4, "Training"; REFERENCE.md, training):
//   default: the base locked and every connection, throughout
//   small:   phase 1 connects the ControlNet to the U-Net's middle block only (`only_mid_control`)
//            until the control metric reaches a threshold or a step budget; phase 2 reconnects
//            every decoder skip
//   large:   phase 1 trains the ControlNet on the locked base for a step budget; phase 2 also
//            unlocks the base's decoder (SD's `output_blocks` and `out`) and trains both at 0.2x
//            the learning rate (the paper's 2e-6 against 1e-5)
// A curriculum is a TOML manifest (manifests/curriculum-*.toml); the built-in ones equal those files.
//   name = "small"
//   [phase.1]
//   name = "middle-only"
//   connections = "middle"        # middle | all
//   base_decoder = false          # also train the U-Net's decoder
//   learning_rate_scale = 1.0     # times the run's --learning-rate
//   until_metric = 0.2            # ends at the first evaluation with the control metric >= this
//   until_step = 2000             # ... or when the run reaches this step, whichever comes first
//   [phase.2]
//   ...                           # the last phase runs until --steps
// reference: Zhang, Rao and Agrawala, "Adding Conditional Control to Text-to-Image Diffusion
// Models" (2023), section 4.1 / appendix (small-scale and large-scale training)
import Foundation
import PrepDataset
import PrepNN

public struct CurriculumPhase: Codable, Sendable, Equatable {
    public var name: String
    public var connections: ControlConnections = .all
    /// Whether the U-Net's decoder trains too (it stays unlocked in later phases).
    public var trainsBaseDecoder = false
    /// Multiplies the run's learning rate for everything the phase trains.
    public var learningRateScale: Float = 1
    /// The phase ends at the first evaluation whose control metric is at least this.
    public var untilMetric: Double?
    /// The phase ends when the run reaches this step.
    public var untilStep: Int?

    public init(name: String, connections: ControlConnections = .all, trainsBaseDecoder: Bool = false,
                learningRateScale: Float = 1, untilMetric: Double? = nil, untilStep: Int? = nil) {
        self.name = name
        self.connections = connections
        self.trainsBaseDecoder = trainsBaseDecoder
        self.learningRateScale = learningRateScale
        self.untilMetric = untilMetric
        self.untilStep = untilStep
    }
}

public struct Curriculum: Codable, Sendable, Equatable {
    public var name: String
    public var phases: [CurriculumPhase]

    public init(name: String, phases: [CurriculumPhase]) {
        self.name = name
        self.phases = phases
    }

    public static let builtInNames = ["default", "small", "large"]

    /// The base locked, every connection, throughout.
    public static let standard = Curriculum(name: "default", phases: [CurriculumPhase(name: "locked-base")])

    /// Middle block only until the metric reaches 0.2 (about twice an unconditioned model's on fill50k; or step 1500), then every connection.
    public static let small = Curriculum(name: "small", phases: [
        CurriculumPhase(name: "middle-only", connections: .middleOnly, untilMetric: 0.2, untilStep: 1500),
        CurriculumPhase(name: "all-connections"),
    ])

    /// The ControlNet alone until step 2000, then the base decoder too at 0.2x the learning rate.
    public static let large = Curriculum(name: "large", phases: [
        CurriculumPhase(name: "locked-base", untilStep: 2000),
        CurriculumPhase(name: "unlocked-decoder", trainsBaseDecoder: true, learningRateScale: 0.2),
    ])

    /// A built-in curriculum by name, or a manifest file by path.
    public static func named(_ nameOrPath: String) throws -> Curriculum {
        switch nameOrPath {
        case "default": return standard
        case "small": return small
        case "large": return large
        default:
            guard nameOrPath.hasSuffix(".toml") || nameOrPath.contains("/") else {
                throw TrainingError("--curriculum \(nameOrPath): not a built-in curriculum (\(builtInNames.joined(separator: ", "))) "
                    + "nor a manifest path (FILE.toml)")
            }
            guard let data = FileManager.default.contents(atPath: nameOrPath) else {
                throw TrainingError("--curriculum \(nameOrPath): no such file")
            }
            return try parse(String(decoding: data, as: UTF8.self), source: nameOrPath)
        }
    }

    /// A curriculum from manifest text (see the file comment).
    public static func parse(_ text: String, source: String) throws -> Curriculum {
        let root: [String: TOMLValue]
        do {
            root = try TOML.parse(text)
        } catch {
            throw TrainingError("\(source): \(error)")
        }
        func fail(_ message: String) -> TrainingError { TrainingError("\(source): \(message)") }
        for key in root.keys where !["name", "phase"].contains(key) {
            throw fail("unknown key '\(key)' (a curriculum has name and [phase.N] tables)")
        }
        guard let name = root["name"]?.string else { throw fail("needs name = \"...\"") }
        guard let table = root["phase"]?.table, !table.isEmpty else { throw fail("needs at least one [phase.1] table") }
        var numbered: [(Int, [String: TOMLValue])] = []
        for (key, value) in table {
            guard let number = Int(key), number >= 1 else { throw fail("[phase.\(key)]: phases are numbered 1, 2, ...") }
            guard let entries = value.table else { throw fail("phase.\(key) must be a table") }
            numbered.append((number, entries))
        }
        numbered.sort { $0.0 < $1.0 }
        guard numbered.map(\.0) == Array(1...numbered.count) else {
            throw fail("phases must be numbered 1 to \(numbered.count) without gaps, not \(numbered.map(\.0))")
        }
        var phases: [CurriculumPhase] = []
        for (number, entries) in numbered {
            let label = "[phase.\(number)]"
            var phase = CurriculumPhase(name: "phase-\(number)")
            for (key, value) in entries {
                switch key {
                case "name":
                    guard let text = value.string, !text.isEmpty else { throw fail("\(label) name must be a non-empty string") }
                    phase.name = text
                case "connections":
                    guard let text = value.string, let connections = ControlConnections(rawValue: text) else {
                        throw fail("\(label) connections must be \"middle\" or \"all\", not \(value)")
                    }
                    phase.connections = connections
                case "base_decoder":
                    guard let flag = value.bool else { throw fail("\(label) base_decoder must be true or false") }
                    phase.trainsBaseDecoder = flag
                case "learning_rate_scale":
                    guard let scale = value.double, scale > 0, scale.isFinite else {
                        throw fail("\(label) learning_rate_scale must be a positive number")
                    }
                    phase.learningRateScale = Float(scale)
                case "until_metric":
                    guard let threshold = value.double, (0...1).contains(threshold) else {
                        throw fail("\(label) until_metric must be a number in [0, 1] (the control metric is an F1)")
                    }
                    phase.untilMetric = threshold
                case "until_step":
                    guard let step = value.int, step >= 1 else { throw fail("\(label) until_step must be a positive integer") }
                    phase.untilStep = step
                default:
                    throw fail("\(label) unknown key '\(key)' (name, connections, base_decoder, learning_rate_scale, "
                        + "until_metric, until_step)")
                }
            }
            phases.append(phase)
        }
        let curriculum = Curriculum(name: name, phases: phases)
        try curriculum.validate(source: source)
        return curriculum
    }

    /// Every phase but the last has an end; `until_step`s grow; a decoder, once unlocked, stays so.
    public func validate(source: String) throws {
        func fail(_ message: String) -> TrainingError { TrainingError("\(source): \(message)") }
        guard !phases.isEmpty else { throw fail("a curriculum needs at least one phase") }
        var lastStep = 0
        var unlocked = false
        for (index, phase) in phases.enumerated() {
            let label = "phase \(index + 1) (\(phase.name))"
            if index < phases.count - 1, phase.untilMetric == nil, phase.untilStep == nil {
                throw fail("\(label) needs until_step or until_metric: only the last phase runs until --steps")
            }
            if let step = phase.untilStep {
                guard step > lastStep else { throw fail("\(label) until_step \(step) must come after the previous phase's (\(lastStep))") }
                lastStep = step
            }
            if unlocked && !phase.trainsBaseDecoder {
                throw fail("\(label) locks the base decoder again; once unlocked it stays unlocked (its optimizer state would be lost)")
            }
            unlocked = unlocked || phase.trainsBaseDecoder
        }
    }

    /// Whether any phase ends on the control metric (then the run must evaluate it).
    public var usesMetric: Bool { phases.contains { $0.untilMetric != nil } }

    /// Sorted-key JSON (the checkpoint's and the log's record of the curriculum).
    public var json: String { TrainingOptions.json(self) }
}
