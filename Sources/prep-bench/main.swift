// prep-bench: per-stage timings of prep's condition stages, single thread, release build.
//
//   prep-bench prepare IMAGES_DIR OUT_DIR [RESOLUTION]   resize every PNG/JPEG photo (and the one
//                                                       depth map) to RESOLUTION x RESOLUTION, as
//                                                       a build does, into OUT_DIR
//   prep-bench stages OUT_DIR [REPEATS] [STAGE,...]      time every stage (or the named ones) on OUT_DIR's images;
//                                                       prints one JSON object per stage
//   prep-bench reads DATASET [COUNT]                     random reads by key (a seeded shuffle of
//                                                       the keys, every member) per second
//   prep-bench train-step [STEPS] [BATCH] [base|control] ms per training step (forward, backward,
//                                                       AdamW) of the reference U-Net: base
//                                                       fine-tune and ControlNet on the locked base
//
// bench/stages runs this and the same operations in OpenCV (bench/opencv_stages.py) on the same
// files and prints the ratios.
import Foundation
import PrepDataset
import PrepImage
import PrepNN
import PrepStages

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("prep-bench: " + message + "\n").utf8))
    exit(2)
}

func files(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
}

func read(_ path: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    return Array(data)
}

func write(_ bytes: [UInt8], to path: String) {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fail("cannot write \(path)") }
}

/// Stage configurations matching the OpenCV side: fixed thresholds, no random augmentation.
func benchmarkStage(_ name: String) throws -> any ConditionStage {
    switch name {
    case "canny": return try StageCatalog.stage(named: name, options: ["low": "100..100", "gap": "100", "high_max": "200"])
    case "scribble": return try StageCatalog.stage(named: name, options: ["augment": "none"])
    default: return try StageCatalog.stage(named: name)
    }
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 || (arguments.count == 2 && arguments[1] == "train-step") else {
    fail("usage: prep-bench prepare IMAGES_DIR OUT_DIR [RESOLUTION] | stages DIR [REPEATS] [STAGE,...] | reads DATASET [COUNT] | train-step [STEPS] [BATCH] [base|control]")
}

switch arguments[1] {
case "prepare":
    guard arguments.count >= 4 else { fail("usage: prep-bench prepare IMAGES_DIR OUT_DIR [RESOLUTION]") }
    let resolution = arguments.count > 4 ? Int(arguments[4]) ?? 512 : 512
    let out = arguments[3]
    try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    for path in files(in: arguments[2]) where path.hasSuffix(".png") || path.hasSuffix(".jpg") {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let bytes = read(path)
        if name.contains("disparity") || name.contains("depth") {
            let depth = try ImageDecoder.decodeDepth(bytes)
            let geometry = ResizeGeometry(sourceWidth: depth.width, sourceHeight: depth.height, resolution: resolution, crop: .center)
            write(try PNGCodec.encode(Resizer.resize(depth, to: geometry)), to: "\(out)/depth-\(name).png")
        } else {
            let image = try ImageDecoder.decode(bytes)
            let geometry = ResizeGeometry(sourceWidth: image.width, sourceHeight: image.height, resolution: resolution, crop: .center)
            write(try PNGCodec.encode(Resizer.resize(image, to: geometry)), to: "\(out)/image-\(name).png")
        }
    }
case "stages":
    let directory = arguments[2]
    let repeats = arguments.count > 3 ? Int(arguments[3]) ?? 20 : 20
    let all = files(in: directory)
    let images = try all.filter { $0.contains("/image-") }.map { try ImageDecoder.decode(read($0)) }
    let depths = try all.filter { $0.contains("/depth-") }.map { try ImageDecoder.decodeDepth(read($0)) }
    guard !images.isEmpty else { fail("no image-*.png in \(directory): run prep-bench prepare first") }
    let only = arguments.count > 4 ? Set(arguments[4].split(separator: ",").map(String.init)) : nil
    for name in StageCatalog.names where only?.contains(name) ?? true {
        let stage = try benchmarkStage(name)
        // A new StageInput per run: its shared work (Sobel gradients, Canny edges) is cached, and
        // a build computes it once per record.
        let makeInputs: [() -> StageInput] = stage.needsDepth
            ? depths.map { depth in { StageInput(image: Image(width: depth.width, height: depth.height, channels: 3), depth: depth) } }
            : images.map { image in { StageInput(image: image) } }
        guard !makeInputs.isEmpty else { continue }
        var perImage: [Double] = []
        for makeInput in makeInputs {
            var times: [Double] = []
            for round in 0..<(repeats + 2) {
                let input = makeInput()
                var random = RecordRandom(seed: 0, key: "bench", stream: name)
                let ms = milliseconds { _ = try? stage.run(input, random: &random) }
                if round >= 2 { times.append(ms) }  // two warm-up runs
            }
            perImage.append(times.sorted()[times.count / 2])
        }
        let mean = perImage.reduce(0, +) / Double(perImage.count)
        print("{\"stage\": \"\(name)\", \"images\": \(makeInputs.count), \"ms\": \(String(format: "%.3f", mean))}")
    }
case "reads":
    let reader = try DatasetReader(directory: arguments[2])
    let count = arguments.count > 3 ? Int(arguments[3]) ?? 20_000 : 20_000
    let keys = try reader.keys()
    guard !keys.isEmpty else { fail("no records in \(arguments[2])") }
    let members = try reader.members(of: keys[0]).map(\.member)
    var random = RecordRandom(seed: 1, key: "reads", stream: "bench")
    let picks = (0..<count).map { _ in (keys[random.uniform(in: 0...(keys.count - 1))], members[random.uniform(in: 0...(members.count - 1))]) }
    for (key, member) in picks.prefix(1000) { _ = try reader.read(key: key, member: member) }  // warm the page cache
    var bytes = 0
    let ms = try milliseconds { for (key, member) in picks { bytes += try reader.read(key: key, member: member).count } }
    print("{\"reads\": \(count), \"records\": \(keys.count), \"seconds\": \(ms / 1000), \"reads_per_second\": \(Int(Double(count) / (ms / 1000))), \"mean_bytes\": \(bytes / count)}")
case "train-step":
    let steps = arguments.count > 2 ? Int(arguments[2]) ?? 10 : 10
    let batch = arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8
    let modes: Set<String> = arguments.count > 4 ? [arguments[4]] : ["base", "control"]
    for result in TrainingBenchmark.run(steps: steps, batch: batch, modes: modes) {
        print("{\"step\": \"\(result.name)\", \"batch\": \(batch), \"ms\": \(String(format: "%.1f", result.milliseconds))}")
    }
default:
    fail("unknown command \(arguments[1])")
}
