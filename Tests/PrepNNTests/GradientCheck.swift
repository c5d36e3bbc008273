// Test support: seeded tensors and central-difference gradient checks.
//
// A check builds a scalar loss L = sum(output * R) (R fixed random, accumulated in Double), runs
// backward with dy = R, and compares the analytic gradient of every sampled coordinate with
// (L(v + e) - L(v - e)) / 2e. The bound is per coordinate: |analytic - numeric| <= 1e-2 * scale +
// 2e-2 * |numeric|, scale = the largest |numeric| sampled; and the relative L2 error of the sampled
// vector must stay under 2e-2. A wrong formula (a missing term, a transposed index, a wrong factor)
// misses both by far.
import Testing
@testable import PrepNN

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var random = SeededRandom(seed: seed)
    return Tensor(shape: shape, values: random.normals(shape.reduce(1, *), standardDeviation: scale))
}

/// sum(output * weights) in Double.
func weightedSum(_ output: Tensor, _ weights: Tensor) -> Double {
    precondition(output.count == weights.count)
    var sum = 0.0
    for i in 0..<output.count { sum += Double(output[i]) * Double(weights[i]) }
    return sum
}

/// Compares `analytic[i]` with central differences of `loss` for sampled coordinates i of `count`;
/// `perturb(i, delta)` adds delta to coordinate i.
func expectGradient(
    _ label: String, analytic: [Float], count: Int, samples: Int = 24, epsilon: Float = 1e-2,
    perturb: (Int, Float) -> Void, loss: () -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(analytic.count == count, "\(label): \(analytic.count) analytic values for \(count)", sourceLocation: sourceLocation)
    guard analytic.count == count, count > 0 else { return }
    let stride = max(1, count / samples)
    let indices = Array(Swift.stride(from: (count / 7) % stride, to: count, by: stride).prefix(samples))
    var numeric: [Double] = []
    for i in indices {
        perturb(i, epsilon)
        let plus = loss()
        perturb(i, -2 * epsilon)
        let minus = loss()
        perturb(i, epsilon)
        numeric.append((plus - minus) / (2 * Double(epsilon)))
    }
    let scale = max(numeric.map(abs).max() ?? 0, 1e-6)
    var worst = 0.0, errorSquares = 0.0, normSquares = 0.0
    var report = ""
    for (k, i) in indices.enumerated() {
        let a = Double(analytic[i]), n = numeric[k]
        let difference = abs(a - n)
        errorSquares += difference * difference
        normSquares += n * n
        if difference > 1e-2 * scale + 2e-2 * abs(n) {
            worst = max(worst, difference)
            if report.count < 400 { report += " [\(i)] analytic \(a) numeric \(n);" }
        }
    }
    let relative = (errorSquares / max(normSquares, 1e-30)).squareRoot()
    #expect(report.isEmpty, "\(label): gradient mismatch (scale \(scale)):\(report)", sourceLocation: sourceLocation)
    #expect(relative < 2e-2 || normSquares < 1e-20, "\(label): relative L2 error \(relative)", sourceLocation: sourceLocation)
}

/// Gradient check of a tensor's elements.
func expectInputGradient(
    _ label: String, input: Tensor, analytic: Tensor, epsilon: Float = 1e-2, loss: () -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectGradient(label, analytic: analytic.values, count: input.count, epsilon: epsilon,
                   perturb: { i, d in input[i] += d }, loss: loss, sourceLocation: sourceLocation)
}

/// Gradient check of every parameter of an arena (sampled per parameter).
func expectParameterGradients(
    _ arena: ParameterArena, epsilon: Float = 1e-2, samples: Int = 12, skip: (String) -> Bool = { _ in false },
    loss: () -> Double, sourceLocation: SourceLocation = #_sourceLocation
) {
    for entry in arena.entries where !skip(entry.name) {
        expectGradient(entry.name, analytic: arena.gradient(named: entry.name), count: entry.count, samples: samples,
                       epsilon: epsilon, perturb: { i, d in arena.values[entry.offset + i] += d }, loss: loss,
                       sourceLocation: sourceLocation)
    }
}

/// Largest |a - b|.
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maxDifference: \(a.count) vs \(b.count)")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// An arena with layers registered by `build`, sealed and randomised so norms are not the identity.
func makeArena<Layer>(seed: UInt64 = 7, randomize: Bool = true, _ build: (ParameterScope, inout SeededRandom) -> Layer) -> (ParameterArena, Layer) {
    let arena = ParameterArena()
    var random = SeededRandom(seed: seed)
    let layer = build(ParameterScope(arena: arena), &random)
    arena.seal()
    if randomize {
        for i in 0..<arena.count { arena.values[i] = random.uniform(-0.5, 0.5) + (arena.values[i] == 1 ? 1 : 0) }
    }
    return (arena, layer)
}

/// Whole-model check, one per parameter tensor: the directional derivative along a random unit
/// direction u (+-1 / sqrt(count) per coordinate), (L(p + e u) - L(p - e u)) / 2e, against the analytic sum(g * u). Summing over the
/// whole tensor lifts the signal far above float32 rounding noise (which swamps single coordinates
/// of a deep network). Bound: |analytic - numeric| <= 3e-2 * |numeric| + 1e-3 * (largest |numeric|).
func expectDirectionalDerivatives(
    _ arena: ParameterArena, epsilon: Float = 1e-2, loss: () -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var random = SeededRandom(seed: 99)
    var results: [(name: String, analytic: Double, numeric: Double)] = []
    for entry in arena.entries {
        let gradient = arena.gradient(named: entry.name)
        let unit = 1 / Float(entry.count).squareRoot()
        let direction = (0..<entry.count).map { _ in random.next() & 1 == 0 ? -unit : unit }
        func move(_ scale: Float) { for i in 0..<entry.count { arena.values[entry.offset + i] += scale * direction[i] } }
        move(epsilon)
        let plus = loss()
        move(-2 * epsilon)
        let minus = loss()
        move(epsilon)
        let analytic = zip(gradient, direction).map { Double($0) * Double($1) }.reduce(0, +)
        results.append((entry.name, analytic, (plus - minus) / (2 * Double(epsilon))))
    }
    let scale = results.map { abs($0.numeric) }.max() ?? 0
    for result in results {
        #expect(abs(result.analytic - result.numeric) <= 3e-2 * abs(result.numeric) + 1e-3 * scale,
                "\(result.name): directional derivative analytic \(result.analytic), numeric \(result.numeric)",
                sourceLocation: sourceLocation)
    }
}
