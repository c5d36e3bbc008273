import PrepImage
import PrepStages

/// Every option of `prep build`. Defaults here; a manifest (`manifests/*.toml`) overrides them;
/// command-line options override the manifest. The effective options are stored in the dataset.
public struct BuildOptions: Equatable, Sendable {
    // [source]
    public var source: String = ""
    public var sourceFormat: SourceFormat? = nil   // nil: from the file's extension
    public var columns = SourceColumns()

    // [output]
    public var output: String = "dataset"
    public var shardSize: Int = 1000
    public var imageFormat: ImageFormat = .jpeg
    public var jpegQuality: Int = 95
    /// zlib level of PNG members. 1 (OpenCV's default for `imwrite`): binary maps are written with
    /// run-length deflate, for which the level makes no difference; a 512x512 normal map takes
    /// 22 ms at 1 against 70 ms at 6, for 9% more bytes.
    public var pngCompression: Int = 1

    // [image]
    public var resolution: Int = 512
    public var crop: CropMode = .center
    public var maxPixels: Int = 100_000_000

    // [stages]
    /// Condition stages to run, in catalog order; nil = every stage whose input column the source has.
    public var stages: [String]? = nil
    /// Stage options over their defaults: stage name -> option name -> value text
    /// (`--set canny.low=60..150`, or `[stages.canny]` in a manifest).
    public var stageOptions: [String: [String: String]] = [:]
    public var seed: UInt64 = 0
    public var captionDropout: Double = 0.5

    // [dedup]
    /// Which repeated images fail (`--dedup`).
    public var dedup: DedupMode = .exact
    /// `--dedup near`: the largest Hamming distance between two dHashes that makes a near
    /// duplicate. 4 of 64 bits: recompressed, rescaled or slightly recoloured copies (typically
    /// 0-3 bits) match; different pictures differ in about 32.
    public var dedupDistance: Int = 4

    /// The partition of the source this build takes (`--part i/N`); whole by default.
    public var part = BuildPart.whole

    // [run] (do not change the output)
    public var workers: Int = 0   // 0 = one per core

    public init() {}

    /// Checks ranges; the message names the option.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw DatasetError(message) }
        }
        try require(!source.isEmpty, "no source: pass --source FILE (a .tsv or .jsonl) or set [source] path in the manifest")
        try require(shardSize >= 1, "--shard-size must be at least 1 (got \(shardSize))")
        try require((1...100).contains(jpegQuality), "--jpeg-quality must be in 1...100 (got \(jpegQuality))")
        try require((0...9).contains(pngCompression), "png compression must be in 0...9 (got \(pngCompression))")
        try require((64...8192).contains(resolution), "--resolution must be in 64...8192 (got \(resolution))")
        try require(maxPixels >= 1, "--max-pixels must be positive (got \(maxPixels))")
        try require((0...1).contains(captionDropout), "--caption-dropout must be in 0...1 (got \(captionDropout))")
        try require((0...16).contains(dedupDistance), "--dedup-distance must be in 0...16 (got \(dedupDistance))")
        try require(workers >= 0, "--workers must be 0 (all cores) or more (got \(workers))")
        for name in (stages ?? []) where !StageCatalog.names.contains(name) {
            throw DatasetError("--stages: unknown stage '\(name)'; known stages: \(StageCatalog.names.joined(separator: ", "))")
        }
        for (name, options) in stageOptions {
            do {
                _ = try StageCatalog.stage(named: name, options: options)
            } catch {
                throw DatasetError("\(error)")
            }
        }
    }

    /// The configured stage called `name`.
    public func stage(named name: String) throws -> any ConditionStage {
        try StageCatalog.stage(named: name, options: stageOptions[name] ?? [:])
    }

    /// The member extension of the record's image.
    public var imageMember: String { imageFormat == .jpeg ? "jpg" : "png" }

    /// The options that decide the dataset's bytes, in a canonical text form: part of the
    /// fingerprint, and what `prep build` compares to say which option differs.
    public var outputDefiningOptions: [(String, String)] {
        var options: [(String, String)] = [
            ("source.format", sourceFormat?.rawValue ?? "auto"),
            ("source.image_col", columns.image),
            ("source.caption_col", columns.caption),
            ("source.depth_col", columns.depth),
            ("source.key_col", columns.key),
            ("source.boundary_col", columns.boundary),
            ("output.shard_size", String(shardSize)),
            ("output.image_format", imageMember),
            ("output.jpeg_quality", String(jpegQuality)),
            ("output.png_compression", String(pngCompression)),
            ("image.resolution", String(resolution)),
            ("image.crop", crop.rawValue),
            ("image.max_pixels", String(maxPixels)),
            ("stages.enabled", (stages ?? ["auto"]).joined(separator: ",")),
            ("stages.seed", String(seed)),
            ("stages.caption_dropout", String(captionDropout)),
            ("dedup.mode", dedup.rawValue),
        ]
        if dedup == .near { options.append(("dedup.max_distance", String(dedupDistance))) }
        // Only a partial build names its part, so that merged parts have a whole build's fingerprint.
        if part != .whole { options.append(("output.part", part.description)) }
        for name in stages ?? [] {
            for option in (try? stage(named: name))?.options ?? [] {
                options.append(("stages.\(name).\(option.name)", option.value))
            }
        }
        return options
    }
}
