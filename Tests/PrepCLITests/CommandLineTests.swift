import Foundation
import Testing

/// Runs the built `prep` binary and checks its output and exit status.
struct CommandLineTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        // The test bundle sits next to the products it was built with.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("prep")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = String(#filePath).components(separatedBy: "/Tests/")[0]
        return URL(fileURLWithPath: root + "/.build/debug/prep")
    }

    static var examples: String { String(#filePath).components(separatedBy: "/Tests/")[0] + "/Examples" }

    func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prep-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func buildStatsVerifyOnTheBundledExamples() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("dataset").path
        let build = try run(["build", "--source", Self.examples + "/captions.tsv", "--out", out, "--resolution", "128", "--quiet"])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout.contains("12 ok, 0 failed"))

        let again = try run(["build", "--source", Self.examples + "/captions.tsv", "--out", out, "--resolution", "128", "--quiet"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("is up to date"))

        let verify = try run(["verify", out, "--quiet"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("12 records"))

        let stats = try run(["stats", out, "--json"])
        #expect(stats.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(json?["ok"] as? Int == 12)
        let stages = (json?["stages"] as? [[String: Any]]) ?? []
        #expect(Set(stages.compactMap { $0["name"] as? String }) == ["canny", "hough", "scribble", "normal", "depth"])
        for stage in stages {
            let needsDepth = ["normal", "depth"].contains(stage["name"] as? String)
            #expect(stage["ok"] as? Int == (needsDepth ? 1 : 12))  // one example has a disparity map
            #expect(stage["skipped"] as? Int == (needsDepth ? 11 : 0))
        }
        let canny = stages.first { $0["name"] as? String == "canny" }
        let parameters = canny?["parameters"] as? [String: [String: Any]]
        #expect((parameters?["low"]?["min"] as? Double ?? 0) >= 50)
        #expect((parameters?["high"]?["max"] as? Double ?? 999) <= 255)

        let caption = try run(["cat", "000000003", "--member", "txt", "--dir", out])
        #expect(caption.status == 0)
        #expect(caption.stdout == "a rocket on the launch pad against a blue sky")
        let listing = try run(["cat", "000000003", "--dir", out])
        #expect(listing.stdout.split(separator: "\n").map { $0.split(separator: "\t")[0] }
                == ["jpg", "txt", "json", "canny.png", "hough.png", "scribble.png", "normal.png", "depth.png"])
        let noKey = try run(["cat", "nope", "--dir", out])
        #expect(noKey.status == 1 && noKey.stderr.contains("no record with key 'nope'"))

        let table = try run(["stats", out])
        #expect(table.stdout.contains("records               12: 12 ok, 0 failed"))
        #expect(table.stdout.contains("caption dropout"))
    }

    /// SIGKILL at random moments, then the same command: the dataset always ends complete, verified,
    /// and identical to an uninterrupted build (scripts/kill-test does many more rounds in release).
    @Test func killedBuildsResumeToTheUninterruptedResult() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let images = try FileManager.default.contentsOfDirectory(atPath: Self.examples + "/images")
            .filter { !$0.contains("disparity") }.sorted()
        var rows = ["image\tcaption"]
        for i in 0..<48 { rows.append("\(Self.examples)/images/\(images[i % images.count])\tpicture \(i)") }
        let source = directory.appendingPathComponent("source.tsv").path
        try rows.joined(separator: "\n").write(toFile: source, atomically: true, encoding: .utf8)
        let options = ["--source", source, "--resolution", "64", "--shard-size", "4", "--workers", "2", "--quiet"]
        let clean = directory.appendingPathComponent("clean").path
        #expect(try run(["build", "--out", clean] + options).status == 0)

        var generator = SystemRandomNumberGenerator()
        for round in 0..<3 {
            let killed = directory.appendingPathComponent("killed-\(round)").path
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["build", "--out", killed] + options
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 50_000...600_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let resumed = try run(["build", "--out", killed] + options)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try run(["verify", killed, "--quiet"]).status == 0)
            for name in try FileManager.default.contentsOfDirectory(atPath: clean + "/shards") {
                let a = try Data(contentsOf: URL(fileURLWithPath: clean + "/shards/" + name))
                let b = try Data(contentsOf: URL(fileURLWithPath: killed + "/shards/" + name))
                #expect(a == b, "\(name) differs after a kill in round \(round)")
            }
            let stats = try run(["stats", killed, "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
            // 48 rows cycle over 12 pictures: --dedup exact (the default) keeps the first 12, also across kills.
            #expect(json?["ok"] as? Int == 12)
            #expect(json?["failed"] as? Int == 36)
        }
    }

    @Test func annotateRunsOneStageOnOneFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let depth = Self.examples + "/images/motorcycle_disparity.png"
        let out = directory.appendingPathComponent("normal.png").path
        let normal = try run(["annotate", "normal", depth, out, "--set", "normal.background_threshold=0.4"])
        #expect(normal.status == 0, "\(normal.stderr)")
        #expect(normal.stdout.hasPrefix("{\"background_fraction\": "))
        #expect(FileManager.default.fileExists(atPath: out))

        let resized = try run(["annotate", "depth", depth, out, "--resolution", "128"])
        #expect(resized.status == 0, "\(resized.stderr)")

        let photo = Self.examples + "/images/camera.png"
        for (stage, parameter) in [("canny", "\"high\": "), ("hough", "\"lines\": "), ("scribble", "\"stroke_width\": ")] {
            let output = directory.appendingPathComponent("\(stage).png").path
            let result = try run(["annotate", stage, photo, output, "--resolution", "256", "--seed", "4"])
            #expect(result.status == 0, "\(stage): \(result.stderr)")
            #expect(result.stdout.contains(parameter), "\(stage): \(result.stdout)")
            let again = try run(["annotate", stage, photo, output + ".again.png", "--resolution", "256", "--seed", "4"])
            #expect(again.stdout == result.stdout)
            #expect(FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: output + ".again.png"))
        }
        let given = try run(["annotate", "scribble", photo, out, "--boundary", photo, "--set", "scribble.augment=none"])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(given.stdout.contains("\"boundary\": \"given\""))

        let unknown = try run(["annotate", "sketch", depth, out])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown stage 'sketch'"))
        let badOption = try run(["annotate", "normal", depth, out, "--set", "normal.background_threshold=7"])
        #expect(badOption.status == 1)
        #expect(badOption.stderr.contains("normal.background_threshold"))
        let missing = try run(["annotate", "normal", "/nonexistent.png", out])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("input not found"))
    }

    @Test func aChangedOptionIsRefusedWithAClearMessage() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("dataset").path
        let source = Self.examples + "/captions.tsv"
        #expect(try run(["build", "--source", source, "--out", out, "--resolution", "64", "--quiet"]).status == 0)
        let changed = try run(["build", "--source", source, "--out", out, "--resolution", "64", "--seed", "3", "--quiet"])
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("stages.seed: dataset has 0, this run asks for 3"))
        let stageOption = try run(["build", "--source", source, "--out", out, "--resolution", "64", "--set", "normal.a=1", "--quiet"])
        #expect(stageOption.status == 1)
        #expect(stageOption.stderr.contains("stages.normal.a: dataset has 6.283185307179586, this run asks for 1.0"))
    }

    @Test func badInvocationsFailWithAMessage() throws {
        let missing = try run(["build", "--source", "/nonexistent/captions.tsv", "--quiet"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("source not found: /nonexistent/captions.tsv"))

        let noSource = try run(["build", "--quiet"])
        #expect(noSource.status == 1)
        #expect(noSource.stderr.contains("no source"))

        let badCrop = try run(["build", "--source", "x.tsv", "--crop", "square"])
        #expect(badCrop.status != 0)
        #expect(badCrop.stderr.contains("--crop must be center or none"))

        let noDataset = try run(["stats", "/nonexistent/dataset"])
        #expect(noDataset.status == 1)
        #expect(noDataset.stderr.contains("no dataset index"))
    }
}
