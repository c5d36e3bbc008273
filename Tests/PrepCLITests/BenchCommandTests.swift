import Foundation
import Testing

/// `prep bench train-step`: one line per case in the documented format, then the ratio; bad
/// options are refused.
extension CommandLineTests {
    @Test func benchTrainStepPrintsOneLinePerCase() throws {
        let result = try run(["bench", "train-step", "--batch", "1", "--resolution", "16", "--width", "8", "--steps", "1",
                              "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.stdout)")
        for (line, name) in zip(lines, ["base", "control"]) {
            let fields = line.split(separator: " ")
            #expect(fields.first.map(String.init) == name, "\(line)")
            let milliseconds = fields.first { $0.hasPrefix("ms_per_step=") }.flatMap { Double($0.dropFirst(12)) }
            let peak = fields.first { $0.hasPrefix("peak_rss_mb=") }.flatMap { Double($0.dropFirst(12)) }
            #expect((milliseconds ?? 0) > 0, "\(line)")
            #expect((peak ?? 0) > 1, "\(line)")
        }
        #expect(lines.last?.hasPrefix("control/base step time: ") == true)

        let bad = try run(["bench", "train-step", "--width", "12"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--width"))
    }
}
