// PyTorch's default initialisations, drawn from a SeededRandom.
// reference: torch.nn.Conv2d / nn.Linear reset_parameters (kaiming_uniform_ with a = sqrt(5), i.e.
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight, the same bound for the bias);
// torch.nn.init.xavier_uniform_ (U(-b, b), b = sqrt(6 / (fan_in + fan_out))).

enum Initialization {
    /// U(-1/sqrt(fanIn), 1/sqrt(fanIn)): conv and linear weights and biases.
    static func fanInUniform(_ count: Int, fanIn: Int, random: inout SeededRandom) -> [Float] {
        let bound = 1 / Float(fanIn).squareRoot()
        return (0..<count).map { _ in random.uniform(-bound, bound) }
    }

    /// Xavier (Glorot) uniform for a [fanOut, fanIn] matrix.
    static func xavierUniform(rows fanOut: Int, columns fanIn: Int, random: inout SeededRandom) -> [Float] {
        let bound = (6 / Float(fanIn + fanOut)).squareRoot()
        return (0..<(fanOut * fanIn)).map { _ in random.uniform(-bound, bound) }
    }

    static func constant(_ count: Int, _ value: Float) -> [Float] { [Float](repeating: value, count: count) }
}
