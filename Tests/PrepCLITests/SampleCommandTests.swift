import Foundation
import Testing

/// `prep sample` on checkpoints of `prep train` (base 1 step, control 1 step, tiny model at 16 px).
extension CommandLineTests {
    /// Width and height from a PNG's IHDR chunk.
    func pngSize(_ path: String) throws -> (width: Int, height: Int)? {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count > 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func word(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20))
    }

    @Test func sampleFromTrainedCheckpoints() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataset = directory.appendingPathComponent("dataset").path
        let build = try run(["build", "--source", Self.examples + "/captions.tsv", "--out", dataset, "--resolution", "64",
                             "--stages", "canny", "--quiet"])
        #expect(build.status == 0, "\(build.stderr)")
        let small = ["--dataset", dataset, "--steps", "1", "--batch", "2", "--resolution", "16", "--quiet"]
        let baseRun = directory.appendingPathComponent("base").path
        let base = try run(["train", "--stage", "base", "--out", baseRun, "--width", "8"] + small)
        #expect(base.status == 0, "\(base.stderr)")
        let controlRun = directory.appendingPathComponent("control").path
        let control = try run(["train", "--stage", "control", "--base", baseRun + "/checkpoint-latest.safetensors",
                               "--condition", "canny", "--out", controlRun] + small)
        #expect(control.status == 0, "\(control.stderr)")

        let condition = Self.examples + "/images/astronaut.png"
        let out = directory.appendingPathComponent("samples.png").path
        let sample = try run(["sample", "--checkpoint", controlRun + "/checkpoint-latest.safetensors", "--condition", condition,
                              "--prompt", "an astronaut", "--steps", "2", "--seeds", "0,1,2", "--out", out])
        #expect(sample.status == 0, "\(sample.stderr)")
        #expect(sample.stdout.contains(out))
        let size = try pngSize(out)
        #expect(size?.width == 4 * 16 && size?.height == 16)

        // A base checkpoint: text to image, no condition tile; --condition is refused.
        let plainOut = directory.appendingPathComponent("plain.png").path
        let plain = try run(["sample", "--checkpoint", baseRun + "/checkpoint-latest.safetensors", "--prompt", "an astronaut",
                             "--steps", "2", "--seeds", "5", "--guidance", "1", "--out", plainOut])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try pngSize(plainOut)?.width == 16)
        let refused = try run(["sample", "--checkpoint", baseRun + "/checkpoint-latest.safetensors", "--prompt", "x",
                               "--condition", condition, "--out", plainOut])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is a base checkpoint (text to image only)"))

        let badSeeds = try run(["sample", "--checkpoint", baseRun + "/checkpoint-latest.safetensors", "--prompt", "x", "--seeds", "1,a"])
        #expect(badSeeds.status != 0)
        #expect(badSeeds.stderr.contains("'a' is not a seed"))
        let missing = try run(["sample", "--checkpoint", directory.appendingPathComponent("none.safetensors").path, "--prompt", "x"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no checkpoint at"))
    }
}
