import ArgumentParser
import PrepDataset

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the datasets of a distributed build (`prep build --part i/N`) into one.",
        discussion: """
            Every part must be a complete build of the same source with the same options, and all N
            parts must be given. Shards are hard-linked (or copied) under new names and the index
            rows rewritten; a record present in two parts is refused. The result equals a
            single-machine build record for record, and has its fingerprint.
            """)

    @Argument(help: "The new dataset folder.")
    var output: String
    @Argument(help: "The parts' dataset folders.")
    var inputs: [String]

    func run() throws {
        do {
            let summary = try DatasetMerger(output: output, inputs: inputs).run()
            print("\(output): \(summary.parts) parts, \(summary.shards) shards, \(summary.ok) ok, \(summary.failed) failed")
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        }
    }
}
