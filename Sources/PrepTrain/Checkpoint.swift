// Checkpoint: a training run's state in one safetensors file (format "prep-train-1").
//   tensors (F32, PyTorch state_dict names with a model prefix):
//     unet.<name>, text.<name>, control.<name>          every parameter of the run's models
//     optimizer.m.<prefixed name>, optimizer.v.<...>     AdamW's first and second moments, for
//                                                        the arenas the stage trains
//   __metadata__ (strings):
//     format "prep-train-1", stage, step (optimizer steps done), epoch (of the last sample),
//     seed, seconds (training time so far), model (ModelConfig JSON), optimizer (AdamW
//     hyperparameters and stepCount JSON), training (the run's options JSON)
// No generator state: every draw is keyed by (seed, step or epoch), see `TrainingRandom`.
import Foundation
import PrepNN

/// A model's parameters inside a checkpoint: its arena and the name prefix.
public struct CheckpointArena {
    public let prefix: String
    public let arena: ParameterArena
    /// Whether the run trains it (then its AdamW moments are saved and loaded too).
    public let trained: Bool

    public init(prefix: String, arena: ParameterArena, trained: Bool) {
        self.prefix = prefix
        self.arena = arena
        self.trained = trained
    }
}

/// The metadata of a checkpoint.
public struct CheckpointInfo: Equatable, Sendable {
    public static let format = "prep-train-1"
    public var stage: TrainingStage
    public var step: Int
    public var epoch: Int
    public var seed: UInt64
    public var seconds: Double
    public var model: ModelConfig
    public var optimizer: AdamW
    /// The run's options as text pairs (`TrainingOptions.definingValues` plus the others).
    public var training: [String: String]

    public init(stage: TrainingStage, step: Int, epoch: Int, seed: UInt64, seconds: Double, model: ModelConfig,
                optimizer: AdamW, training: [String: String]) {
        self.stage = stage
        self.step = step
        self.epoch = epoch
        self.seed = seed
        self.seconds = seconds
        self.model = model
        self.optimizer = optimizer
        self.training = training
    }

    var metadata: [String: String] {
        [
            "format": Self.format,
            "stage": stage.rawValue,
            "step": String(step),
            "epoch": String(epoch),
            "seed": String(seed),
            "seconds": String(seconds),
            "model": TrainingOptions.json(model),
            "optimizer": TrainingOptions.json(optimizer),
            "training": TrainingOptions.json(training),
        ]
    }

    init(metadata: [String: String], path: String) throws {
        func field(_ name: String) throws -> String {
            guard let value = metadata[name] else {
                throw TrainingError("\(path): the checkpoint's metadata has no '\(name)'; it was not written by `prep train`")
            }
            return value
        }
        func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(try field(name).utf8))
            } catch let error as TrainingError {
                throw error
            } catch {
                throw TrainingError("\(path): the checkpoint's '\(name)' metadata is not valid: \(error)")
            }
        }
        func number<T: LosslessStringConvertible>(_ name: String) throws -> T {
            guard let value = T(try field(name)) else { throw TrainingError("\(path): the checkpoint's '\(name)' is not a number") }
            return value
        }
        let format = try field("format")
        guard format == Self.format else {
            throw TrainingError("\(path): checkpoint format '\(format)', this prep reads '\(Self.format)'")
        }
        guard let stage = TrainingStage(rawValue: try field("stage")) else {
            throw TrainingError("\(path): unknown stage '\(metadata["stage"] ?? "")' in the checkpoint")
        }
        self.stage = stage
        step = try number("step")
        epoch = try number("epoch")
        seed = try number("seed")
        seconds = try number("seconds")
        model = try decode(ModelConfig.self, "model")
        optimizer = try decode(AdamW.self, "optimizer")
        training = try decode([String: String].self, "training")
    }
}

public enum Checkpoint {
    public static func momentName(_ moment: String, _ prefixedName: String) -> String { "optimizer.\(moment).\(prefixedName)" }

    /// Writes the arenas and `info` atomically to `url` (temporary file, fsync, rename).
    public static func write(to url: URL, arenas: [CheckpointArena], info: CheckpointInfo) throws {
        var writer = SafetensorsWriter(metadata: info.metadata)
        for item in arenas {
            let values = item.arena.allValues
            let moments = item.trained ? item.arena.allMoments : nil
            for entry in item.arena.entries {
                let range = entry.offset..<(entry.offset + entry.count)
                let name = item.prefix + entry.name
                try writer.add(name, shape: entry.shape, floats: Array(values[range]))
                if let moments {
                    try writer.add(momentName("m", name), shape: entry.shape, floats: Array(moments.first[range]))
                    try writer.add(momentName("v", name), shape: entry.shape, floats: Array(moments.second[range]))
                }
            }
        }
        do {
            try writer.write(to: url)
        } catch {
            throw TrainingError("cannot write the checkpoint \(url.path): \(error)")
        }
    }

    /// Opens a checkpoint and reads its metadata.
    public static func open(_ url: URL) throws -> (file: SafetensorsFile, info: CheckpointInfo) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError("no checkpoint at \(url.path)")
        }
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: url)
        } catch {
            throw TrainingError("cannot read the checkpoint \(url.path): \(error)")
        }
        return (file, try CheckpointInfo(metadata: file.metadata, path: url.path))
    }

    /// Copies `item`'s parameters (and, when `moments`, its AdamW moments) from `file`. Every
    /// name must be there with its shape; no other tensor may carry the prefix.
    public static func load(_ item: CheckpointArena, from file: SafetensorsFile, moments: Bool) throws {
        let path = file.path
        var values = [Float](repeating: 0, count: item.arena.count)
        var first = moments ? values : [], second = moments ? values : []
        func read(_ name: String, into buffer: inout [Float], at entry: ParameterEntry) throws {
            guard let stored = file.entries[name] else {
                throw TrainingError("\(path): the checkpoint has no tensor '\(name)' (shape \(entry.shape)); "
                    + "it was written for another model configuration or stage")
            }
            guard stored.shape == entry.shape else {
                throw TrainingError("\(path): tensor '\(name)' has shape \(stored.shape), the model needs \(entry.shape); "
                    + "the checkpoint was written for another model configuration (--width ...)")
            }
            let floats: [Float]
            do { floats = try file.floats(name) } catch { throw TrainingError("\(path): \(error)") }
            buffer.replaceSubrange(entry.offset..<(entry.offset + entry.count), with: floats)
        }
        for entry in item.arena.entries {
            let name = item.prefix + entry.name
            try read(name, into: &values, at: entry)
            if moments {
                try read(momentName("m", name), into: &first, at: entry)
                try read(momentName("v", name), into: &second, at: entry)
            }
        }
        let known = Set(item.arena.parameterNames.map { item.prefix + $0 })
        if let extra = file.tensorNames.first(where: { $0.hasPrefix(item.prefix) && !known.contains($0) }) {
            throw TrainingError("\(path): the checkpoint has tensor '\(extra)' which the model does not; "
                + "it was written for another model configuration")
        }
        item.arena.allValues = values
        if moments { item.arena.allMoments = (first, second) }
    }
}

extension Checkpoint {
    /// Loads a base's U-Net (`unet.`) and text encoder (`text.`) parameters from `file` (no
    /// moments). `label` names the file in errors, e.g. "--base runs/base/checkpoint-latest.safetensors".
    public static func loadBase(unet: UNet, textEncoder: TextEncoder, from file: SafetensorsFile, label: String) throws {
        guard file.tensorNames.contains(where: { $0.hasPrefix("unet.") }) else {
            throw TrainingError("\(label): the checkpoint has no 'unet.' tensors")
        }
        try load(CheckpointArena(prefix: "unet.", arena: unet.arena, trained: false), from: file, moments: false)
        try load(CheckpointArena(prefix: "text.", arena: textEncoder.arena, trained: false), from: file, moments: false)
    }
}
