import ArgumentParser
import Foundation
import PrepDataset
import PrepImage
import PrepStages

struct Annotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one condition stage on one image file, with the same code and options as `prep build`.",
        discussion: """
            Writes the condition as a PNG and prints the stage's parameters as JSON. Depth stages
            (normal, depth) take a depth map as INPUT. No resize unless --resolution is given.
            Stages: \(StageCatalog.names.joined(separator: ", ")).
            """)

    @Argument(help: "The stage.")
    var stage: String
    @Argument(help: "The input image (a depth map for normal and depth).")
    var input: String
    @Argument(help: "The output PNG.")
    var output: String

    @Option(help: "Resize the short side to this first, like a build.")
    var resolution: Int?
    @Option(help: "center or none, with --resolution (default: center).")
    var crop: String = "center"
    @Option(help: "Seed of the stage's random choices (default: 0).")
    var seed: UInt64 = 0
    @Option(help: "Record key that seeds the random choices (default: the input's file name without extension).")
    var key: String?
    @Option(help: "A given soft boundary map for scribble (real HED/PiDiNet output) instead of the computed one.")
    var boundary: String?
    @OptionGroup var stageSettings: StageSettings

    func run() throws {
        guard let mode = CropMode(rawValue: crop) else { throw ValidationError("--crop must be center or none") }
        do {
            let settings = try stageSettings.parsed()
            if let other = settings.keys.first(where: { $0 != stage }) {
                throw ValidationError("--set \(other).…: this command runs stage \(stage)")
            }
            let configured = try StageCatalog.stage(named: stage, options: settings[stage] ?? [:])
            let name = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            var annotator = Annotator(stage: configured, key: key ?? RecordKey.sanitize(name) ?? "0")
            annotator.resolution = resolution
            annotator.crop = mode
            annotator.seed = seed
            let parameters = try annotator.run(input: input, output: output, boundary: boundary)
            print(Self.json(parameters))
        } catch let error as StageError {
            throw CleanExit.failure(error.description)
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        }
    }

    static func json(_ parameters: [String: StageParameter]) -> String {
        let fields = parameters.sorted { $0.key < $1.key }.map { name, value -> String in
            switch value {
            case .int(let number): return "\"\(name)\": \(number)"
            case .double(let number): return "\"\(name)\": \(number)"
            case .bool(let flag): return "\"\(name)\": \(flag)"
            case .string(let text): return "\"\(name)\": \"\(text.replacingOccurrences(of: "\"", with: "\\\""))\""
            }
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
