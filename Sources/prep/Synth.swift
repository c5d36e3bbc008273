import ArgumentParser
import Foundation
import PrepDataset

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a built-in demo dataset source.",
        subcommands: [Fill50kCommand.self])

    struct Fill50kCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fill50k",
            abstract: "ControlNet's tutorial task: filled circles, captions naming both colours, outlines as conditions.",
            discussion: """
                Writes DIR/target/N.png (a circle of one colour on a background of another), DIR/source/N.png \
                (its outline, white on black), DIR/prompt.json (the tutorial's JSON Lines: source, target, \
                prompt) and DIR/captions.tsv (image, caption, outline) for `prep build --source \
                DIR/captions.tsv --stages canny`. Sample N depends only on --seed and N.
                """)

        @Option(help: "Number of samples.")
        var count = 1000
        @Option(name: .customLong("out"), help: "Folder to write (new or empty).")
        var output = "fill50k"
        @Option(help: "Width and height of the pictures in pixels (the tutorial's: 512).")
        var size = 512
        @Option(help: "Seed of the colours and circles.")
        var seed: UInt64 = 0
        @Flag(help: "No progress output.")
        var quiet = false

        func run() throws {
            let synth = Fill50k(count: count, size: size, seed: seed)
            var lastReport = Date()
            do {
                try synth.write(to: output) { done in
                    guard !quiet, done == count || Date().timeIntervalSince(lastReport) > 2 else { return }
                    lastReport = Date()
                    FileHandle.standardError.write(Data("fill50k: \(done)/\(count) samples\n".utf8))
                }
            } catch {
                throw CleanExit.failure("prep synth fill50k: \(error)")
            }
            print("\(output): \(count) samples; next: prep build --source \(output)/captions.tsv --stages canny")
        }
    }
}
