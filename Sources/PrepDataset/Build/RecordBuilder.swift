import Foundation
import PrepImage
import PrepStages

/// A record after its stages ran: the members to write and the rows to index. A failed record
/// has `sample.error` set and no members.
struct BuiltRecord: Sendable {
    var sample: SampleRow
    var members: [(name: String, bytes: [UInt8])] = []
    var stages: [StageRow] = []
}

/// Turns one source row into a record: read and decode the image (and depth map), resize and
/// crop, draw the caption dropout, run every condition stage, encode the members. Every failure
/// becomes the record's one-line error; nothing here stops the run. Thread-safe: a value with no
/// shared mutable state.
struct RecordBuilder: Sendable {
    let options: BuildOptions
    let stages: [any ConditionStage]
    /// Folder the source's relative paths start from: the source file's folder.
    let sourceDirectory: String
    /// Encoded placeholders of skipped stages, shared by all records.
    let placeholders = PlaceholderCache()

    func build(row: SourceRow, key: String) -> BuiltRecord {
        var record = BuiltRecord(sample: SampleRow(sourceRow: row.index, key: key))
        record.sample.imagePath = row.image
        record.sample.depthPath = row.depth
        record.sample.caption = row.caption
        do {
            try build(row: row, key: key, into: &record)
        } catch {
            record.sample.error = "\(error)"
            record.members = []
            record.stages = []
        }
        return record
    }

    private func build(row: SourceRow, key: String, into record: inout BuiltRecord) throws {
        if let problem = row.problem { throw RecordFailure("malformed row: \(problem)") }
        guard let imagePath = row.image, !imagePath.isEmpty else {
            throw RecordFailure("no image: the row's '\(options.columns.image)' column is empty")
        }
        guard let caption = row.caption, !caption.allSatisfy(\.isWhitespace) else {
            throw RecordFailure("empty caption: the row's '\(options.columns.caption)' column is empty")
        }

        let loaded = try loadImage(imagePath, sourceSHA256: &record.sample.sourceSHA256)
        let image = loaded.image, original = loaded.original, geometry = loaded.geometry
        record.sample.originalWidth = original.width
        record.sample.originalHeight = original.height
        record.sample.dhash = loaded.dhash
        record.sample.width = image.width
        record.sample.height = image.height

        var depth: DepthMap?
        var depthProblem: String?
        if stages.contains(where: \.needsDepth) {
            do {
                depth = try loadDepth(row.depth, imageWidth: original.width, imageHeight: original.height)
            } catch {
                depthProblem = "\(error)"
            }
        }
        // A given soft boundary map (for scribble) replaces the computed one; a bad one fails the record.
        var boundary: Image?
        if let path = row.fields[options.columns.boundary], !path.isEmpty, stages.contains(where: { $0.name == "scribble" }) {
            boundary = try loadBoundary(path, imageWidth: original.width, imageHeight: original.height)
        }

        let dropped = CaptionDropout(probability: options.captionDropout).isDropped(seed: options.seed, key: key)
        record.sample.captionDropped = dropped

        var stageJSON: [String: Any] = [:]
        var conditions: [(name: String, bytes: [UInt8])] = []
        let input = StageInput(image: image, depth: depth, boundary: boundary)  // one for all stages: they share work
        for stage in stages {
            var condition: Condition
            var parameters: [String: Any] = [:]
            var skipReason: String?
            if stage.needsDepth, depth == nil {
                skipReason = depthProblem ?? "no depth map"
                condition = stage.placeholder(width: image.width, height: image.height)
                for (name, value) in stage.skippedParameters { parameters[name] = Self.jsonValue(value) }
            } else {
                var random = RecordRandom(seed: options.seed, key: key, stream: stage.name)
                let result: StageResult
                do {
                    result = try stage.run(input, random: &random)
                } catch {
                    throw RecordFailure("stage \(stage.name): \(error)")
                }
                condition = result.condition
                for (name, value) in result.parameters { parameters[name] = Self.jsonValue(value) }
            }
            let density = condition.density
            let parametersJSON = try Self.json(parameters)
            record.stages.append(StageRow(
                key: key, stage: stage.name, skipReason: skipReason, density: density,
                parametersJSON: String(decoding: parametersJSON, as: UTF8.self)))
            stageJSON[stage.name] = [
                "status": skipReason == nil ? "ok" : "skipped",
                "reason": skipReason ?? "",  // never null: see ConditionStage.skippedParameters
                "density": density,
                "parameters": parameters,
            ] as [String: Any]
            let encoded = skipReason == nil
                ? try encodePNG(condition)
                : try placeholders.bytes(stage: stage.name, width: condition.width, height: condition.height) {
                    try encodePNG(condition)
                }
            conditions.append(("\(stage.name).png", encoded))
        }

        let encodedImage: [UInt8]
        do {
            switch options.imageFormat {
            case .jpeg: encodedImage = try JPEGCodec.encode(image, quality: options.jpegQuality)
            case .png: encodedImage = try PNGCodec.encode(image, compressionLevel: options.pngCompression)
            }
        } catch {
            throw RecordFailure("encoding failed: \(error)")
        }

        let metadata: [String: Any] = [
            "key": key,
            "source_row": row.index,
            "source": row.fields,
            "caption": caption,
            "caption_dropped": dropped,
            "source_sha256": record.sample.sourceSHA256 ?? "",
            "original_width": original.width,
            "original_height": original.height,
            "width": image.width,
            "height": image.height,
            "resize": [
                "resolution": options.resolution,
                "crop": options.crop.rawValue,
                "filter": geometry.isEnlarging ? "lanczos4" : "area",
                "decoded_width": geometry.sourceWidth,
                "decoded_height": geometry.sourceHeight,
                "scaled_width": geometry.scaledWidth,
                "scaled_height": geometry.scaledHeight,
                "crop_x": geometry.cropX,
                "crop_y": geometry.cropY,
            ] as [String: Any],
            "seed": options.seed,
            "stages": stageJSON,
        ]

        record.members = [
            (options.imageMember, encodedImage),
            ("txt", Array(caption.utf8)),
            ("json", try Self.json(metadata)),
        ] + conditions
    }

    /// The source image read, hashed, decoded and resized to the training geometry. Only the
    /// resized image leaves this function: the file's bytes and the decoded picture (up to
    /// width * height * 3 bytes of a large source) are released before any stage runs, so a
    /// record's peak memory is the larger of decoding and conditioning, not their sum. The
    /// file's SHA-256 is set before decoding, so a record that fails to decode still has it.
    private func loadImage(_ imagePath: String, sourceSHA256: inout String?) throws -> (
        image: Image, original: (width: Int, height: Int), geometry: ResizeGeometry, dhash: String?
    ) {
        let bytes = try readInput(imagePath, what: "image")
        sourceSHA256 = SHA256.hexHash(bytes)
        // A JPEG at least twice the target is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT
        // scaling), never below the target's short side. Only with a square crop: with `--crop
        // none` the rounding to multiples of 64 can need more pixels along the long side.
        let decode = DecodeOptions(maxPixels: options.maxPixels, minimumShortSide: options.crop == .center ? options.resolution : nil)
        let decoded: Image
        let original: (width: Int, height: Int)
        do {
            // Upright gray/RGB JPEGs and non-interlaced PNGs are decoded and resized row by row
            // (`StreamingResize`), unless the near-duplicate hash needs the whole decoded picture.
            if options.dedup != .near,
               let streamed = try StreamingResize.decodeResized(bytes, options: decode, resolution: options.resolution,
                                                                crop: options.crop) {
                return (streamed.image, try ImageDecoder.size(of: bytes), streamed.geometry, nil)
            }
            decoded = try ImageDecoder.decode(bytes, options: decode)
            original = try ImageDecoder.size(of: bytes)
        } catch let error as ImageError {
            throw RecordFailure(Self.reason(for: error, path: imagePath, what: "image"))
        }
        let dhash = options.dedup == .near ? PerceptualHash.hex(PerceptualHash.dHash(decoded)) : nil
        // The geometry's source size is the decoded size (reduced by DCT scaling or not).
        let geometry = ResizeGeometry(
            sourceWidth: decoded.width, sourceHeight: decoded.height,
            resolution: options.resolution, crop: options.crop)
        return (Resizer.resize(decoded, to: geometry), original, geometry, dhash)
    }

    /// Reads an input file named in the source, relative to the source's folder.
    private func readInput(_ path: String, what: String) throws -> [UInt8] {
        let resolved = path.hasPrefix("/") ? path : sourceDirectory + "/" + path
        guard FileSystem.exists(resolved) else { throw RecordFailure("\(what) file not found: \(path)") }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(resolved)
        } catch {
            throw RecordFailure("\(what) file unreadable: \(path): \(error)")
        }
        if bytes.isEmpty { throw RecordFailure("empty \(what) file: \(path)") }
        return bytes
    }

    /// The depth map resized like the image (from its own full size to the same output). A depth
    /// map must have the image's size (after EXIF orientation); any problem is a skip reason for
    /// the stages that need depth.
    private func loadDepth(_ path: String?, imageWidth: Int, imageHeight: Int) throws -> DepthMap {
        guard let path, !path.isEmpty else { throw RecordFailure("no depth map: the row's '\(options.columns.depth)' column is empty") }
        let bytes = try readInput(path, what: "depth map")
        let depth: DepthMap
        do {
            // A gray PNG of the image's size is decoded and resized row by row (`StreamingResize`).
            if let size = try? ImageDecoder.size(of: bytes), size == (imageWidth, imageHeight),
               let streamed = try StreamingResize.decodeDepthResized(
                   bytes, options: DecodeOptions(maxPixels: options.maxPixels),
                   resolution: options.resolution, crop: options.crop) {
                return streamed.depth
            }
            depth = try ImageDecoder.decodeDepth(bytes, options: DecodeOptions(maxPixels: options.maxPixels))
        } catch let error as ImageError {
            throw RecordFailure(Self.reason(for: error, path: path, what: "depth map"))
        }
        guard depth.width == imageWidth, depth.height == imageHeight else {
            throw RecordFailure(
                "depth map size mismatch: \(path) is \(depth.width)x\(depth.height), the image is \(imageWidth)x\(imageHeight)")
        }
        return Resizer.resize(depth, to: fullSizeGeometry(width: imageWidth, height: imageHeight))
    }

    /// The training geometry from an input's full size (a depth or boundary map's; the image may
    /// have been decoded at a reduced scale, which maps to the same output window).
    private func fullSizeGeometry(width: Int, height: Int) -> ResizeGeometry {
        ResizeGeometry(sourceWidth: width, sourceHeight: height, resolution: options.resolution, crop: options.crop)
    }

    /// A user's soft boundary map (0..255, the image's size), resized like the image. Gray maps
    /// decode to three equal channels; the scribble stage reduces them to one.
    private func loadBoundary(_ path: String, imageWidth: Int, imageHeight: Int) throws -> Image {
        let bytes = try readInput(path, what: "boundary map")
        let decoded: Image
        do {
            decoded = try ImageDecoder.decode(bytes, options: DecodeOptions(maxPixels: options.maxPixels))
        } catch let error as ImageError {
            throw RecordFailure(Self.reason(for: error, path: path, what: "boundary map"))
        }
        guard decoded.width == imageWidth, decoded.height == imageHeight else {
            throw RecordFailure(
                "boundary map size mismatch: \(path) is \(decoded.width)x\(decoded.height), the image is \(imageWidth)x\(imageHeight)")
        }
        return Resizer.resize(decoded, to: fullSizeGeometry(width: imageWidth, height: imageHeight))
    }

    private func encodePNG(_ condition: Condition) throws -> [UInt8] {
        do {
            switch condition {
            case .image(let image): return try PNGCodec.encode(image, compressionLevel: options.pngCompression)
            case .depth(let depth): return try PNGCodec.encode(depth, compressionLevel: options.pngCompression)
            }
        } catch {
            throw RecordFailure("encoding failed: \(error)")
        }
    }

    static func reason(for error: ImageError, path: String, what: String) -> String {
        switch error {
        case .empty: return "empty \(what) file: \(path)"
        case .notAnImage: return "not an image: \(path): \(error)"
        case .unsupported: return "unsupported format: \(path): \(error)"
        case .tooLarge: return "\(what) too large: \(path): \(error)"
        case .corrupt: return "corrupt \(what): \(path): \(error)"
        case .encodingFailed: return "decoding failed: \(path): \(error)"
        }
    }

    static func jsonValue(_ value: StageParameter) -> Any {
        switch value {
        case .int(let value): return value
        case .double(let value): return value
        case .string(let value): return value
        case .bool(let value): return value
        }
    }

    /// Canonical JSON (`CanonicalJSON`): the same record gives the same bytes, and a double is
    /// always written as one.
    static func json(_ object: Any) throws -> [UInt8] {
        try CanonicalJSON.encode(object)
    }
}
