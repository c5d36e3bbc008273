import ArgumentParser
import PrepNN

/// `--threads N` of the commands that run the model (train, sample, bench): validated, then set
/// before the first model runs.
func applyThreadOption(_ threads: Int?) throws {
    guard let threads else { return }
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    NNThreads.requested = threads
}
