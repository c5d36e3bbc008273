import Foundation
import PrepImage
import PrepStages

/// `prep annotate`: one stage on one image file, with the same code and options as `prep build`
/// (controlnet_aux's detectors, as a command). No resize unless a resolution is given.
public struct Annotator {
    public var stage: any ConditionStage
    /// Short side to resize to first (with `crop`), like a build; nil keeps the input's size.
    public var resolution: Int?
    public var crop: CropMode = .center
    public var seed: UInt64 = 0
    /// The key that seeds the stage's random choices (a build uses the record's key).
    public var key: String
    public var maxPixels = 100_000_000

    public init(stage: any ConditionStage, key: String) {
        self.stage = stage
        self.key = key
    }

    /// Reads `input` (an image, or a depth map for stages that need depth), runs the stage, writes
    /// the condition PNG to `output`, and returns the stage's parameters.
    public func run(input: String, output: String, boundary: String? = nil) throws -> [String: StageParameter] {
        let bytes = try read(input)
        let decode = DecodeOptions(maxPixels: maxPixels)
        var stageInput: StageInput
        var geometry: ResizeGeometry?
        do {
            if stage.needsDepth {
                var depth = try ImageDecoder.decodeDepth(bytes, options: decode)
                if let resolution {
                    let fit = ResizeGeometry(sourceWidth: depth.width, sourceHeight: depth.height, resolution: resolution, crop: crop)
                    depth = Resizer.resize(depth, to: fit)
                }
                // The image is not read by depth stages; a black one of the same size stands in.
                stageInput = StageInput(image: Image(width: depth.width, height: depth.height, channels: 3), depth: depth)
            } else {
                var image = try ImageDecoder.decode(bytes, options: decode)
                if let resolution {
                    let fit = ResizeGeometry(sourceWidth: image.width, sourceHeight: image.height, resolution: resolution, crop: crop)
                    image = Resizer.resize(image, to: fit)
                    geometry = fit
                }
                stageInput = StageInput(image: image)
            }
            if let boundary {
                var map = try ImageDecoder.decode(try read(boundary), options: decode)
                if let geometry { map = Resizer.resize(map, to: geometry) }
                guard map.width == stageInput.image.width, map.height == stageInput.image.height else {
                    throw DatasetError("boundary map \(boundary) is \(map.width)x\(map.height), the image is \(stageInput.image.width)x\(stageInput.image.height)")
                }
                stageInput.boundary = map  // the scribble stage takes 1 or 3 channels
            }
        } catch let error as ImageError {
            throw DatasetError("cannot decode \(input): \(error)")
        }

        var random = RecordRandom(seed: seed, key: key, stream: stage.name)
        let result: StageResult
        do {
            result = try stage.run(stageInput, random: &random)
        } catch {
            throw DatasetError("stage \(stage.name) on \(input): \(error)")
        }
        let png: [UInt8]
        switch result.condition {
        case .image(let image): png = try PNGCodec.encode(image)
        case .depth(let depth): png = try PNGCodec.encode(depth)
        }
        do {
            let file = try OutputFile(path: output)
            try file.write(png)
            try file.close()
        } catch {
            throw DatasetError("cannot write \(output): \(error)")
        }
        return result.parameters
    }

    private func read(_ path: String) throws -> [UInt8] {
        guard FileSystem.exists(path) else { throw DatasetError("input not found: \(path)") }
        do {
            return try FileSystem.readFile(path)
        } catch {
            throw DatasetError("cannot read \(path): \(error)")
        }
    }
}
