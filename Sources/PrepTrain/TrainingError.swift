/// Why a training run cannot start or go on. The message says what was wrong, with what input,
/// and what to do.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
