import ArgumentParser
import PrepDataset

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read every shard and check it against the index; exit 1 with the list of problems.")

    @Argument(help: "The dataset folder (default: dataset).")
    var directory = "dataset"
    @Flag(name: .customLong("no-decode"), help: "Skip decoding every image member (faster).")
    var noDecode = false
    @Flag(help: "No progress output.")
    var quiet = false

    func run() throws {
        var verifier = DatasetVerifier(directory: directory)
        verifier.decodeImages = !noDecode
        let report: DatasetVerifier.Report
        do {
            report = try verifier.run(progress: ProgressReporter(label: "verify", unit: "shards", quiet: quiet))
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        }
        if report.isValid {
            print("\(directory): ok (\(report.shards) shards, \(report.records) records, \(report.members) members)")
            return
        }
        for problem in report.problems { print(problem) }
        throw CleanExit.failure("\(directory): \(report.problems.count) problems in \(report.shards) shards")
    }
}
