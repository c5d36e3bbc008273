import Foundation
import Testing

/// `prep synth fill50k`, then `prep build` over what it wrote.
extension CommandLineTests {
    @Test func synthFill50kFeedsBuild() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("fill50k").path
        let synth = try run(["synth", "fill50k", "--count", "6", "--size", "64", "--out", out, "--quiet"])
        #expect(synth.status == 0, "\(synth.stderr)")
        #expect(synth.stdout.contains("6 samples"))
        let build = try run(["build", "--source", out + "/captions.tsv", "--out", directory.appendingPathComponent("ds").path,
                             "--stages", "canny", "--resolution", "64", "--quiet"])
        #expect(build.status == 0, "\(build.stderr)")
        let again = try run(["synth", "fill50k", "--count", "1", "--out", out])
        #expect(again.status != 0)
        #expect(again.stderr.contains("not empty"))
    }
}
