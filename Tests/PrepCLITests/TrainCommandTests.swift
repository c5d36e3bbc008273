import Foundation
import Testing

/// `prep train` on a tiny dataset: base, then control on it, 2 steps each.
extension CommandLineTests {
    @Test func trainBaseThenControlOnTheExamples() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataset = directory.appendingPathComponent("dataset").path
        let build = try run(["build", "--source", Self.examples + "/captions.tsv", "--out", dataset, "--resolution", "64",
                             "--stages", "canny", "--quiet"])
        #expect(build.status == 0, "\(build.stderr)")

        let small = ["--dataset", dataset, "--steps", "2", "--batch", "2", "--resolution", "16"]
        let baseRun = directory.appendingPathComponent("base").path
        let base = try run(["train", "--stage", "base", "--out", baseRun, "--width", "8", "--checkpoint-every", "1"] + small)
        #expect(base.status == 0, "\(base.stderr)")
        #expect(base.stderr.contains("step 2/2"))
        #expect(base.stderr.contains("step 2: loss"))
        #expect(base.stdout.contains("\"steps\" : 2"))
        for name in ["checkpoint-000001.safetensors", "checkpoint-000002.safetensors", "checkpoint-latest.safetensors", "loss.jsonl",
                     "summary.json", "training.png"] {
            #expect(FileManager.default.fileExists(atPath: baseRun + "/" + name), "\(name)")
        }
        let baseLog = try String(contentsOfFile: baseRun + "/loss.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(baseLog.count == 2)
        #expect(baseLog.first?.hasPrefix("{\"step\":1,\"epoch\":0,\"loss\":") == true)

        let controlRun = directory.appendingPathComponent("control").path
        let control = try run(["train", "--stage", "control", "--base", baseRun + "/checkpoint-latest.safetensors",
                               "--condition", "canny", "--out", controlRun, "--quiet"] + small)
        #expect(control.status == 0, "\(control.stderr)")
        #expect(control.stderr.isEmpty)
        #expect(FileManager.default.fileExists(atPath: controlRun + "/checkpoint-000002.safetensors"))
        // The control metric at step 0 and at the end (--eval-every 250 > --steps), with its samples.
        let metricLog = try String(contentsOfFile: controlRun + "/metric.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(metricLog.count == 2)
        #expect(FileManager.default.fileExists(atPath: controlRun + "/samples/step-000002.png"))
        #expect(control.stdout.contains("\"curriculum\" : \"default\""))
        let controlLog = try String(contentsOfFile: controlRun + "/loss.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(controlLog.count == 2)

        // Resuming a complete run does nothing; other defining options are refused.
        let again = try run(["train", "--stage", "control", "--base", baseRun + "/checkpoint-latest.safetensors",
                             "--condition", "canny", "--out", controlRun, "--quiet", "--resume"] + small)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("nothing to do"))
        let other = try run(["train", "--stage", "control", "--base", baseRun + "/checkpoint-latest.safetensors",
                             "--condition", "canny", "--out", controlRun, "--quiet", "--resume", "--seed", "4"] + small)
        #expect(other.status != 0)
        #expect(other.stderr.contains("--seed: the run has 0, given 4"))

        let missing = try run(["train", "--stage", "control", "--base", baseRun + "/checkpoint-latest.safetensors",
                               "--condition", "hough", "--out", directory.appendingPathComponent("x").path, "--quiet"] + small)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("has no 'hough.png' members; build it with --stages hough"))
    }
}
