// MultiHeadAttention: torch.nn.MultiheadAttention(c, heads, kdim, vdim, batch_first = True),
// no dropout, no mask, need_weights = False.
//   query x [N, T, c], context [N, S, kdim] (the query itself for self-attention) -> y [N, T, c]
//   Q = x Wq^T + bq, K = context Wk^T + bk, V = context Wv^T + bv        [N, T|S, c]
//   per head h (d = c / heads columns): P = softmax(Q_h K_h^T / sqrt(d)), O_h = P V_h
//   y = O Wo^T + bo
// Parameters as torch registers them: when kdim == c one packed `in_proj_weight` [3c, c] (rows
// q, k, v); otherwise `q_proj_weight` [c, c], `k_proj_weight` [c, kdim], `v_proj_weight` [c, kdim];
// then `in_proj_bias` [3c], `out_proj.weight` [c, c], `out_proj.bias` [c].
// reference: Vaswani et al., "Attention Is All You Need" (2017), scaled dot-product attention.
import Foundation

final class MultiHeadAttention {
    let embedDimension: Int
    let contextDimension: Int
    let headCount: Int
    let isPacked: Bool
    /// One projection weight slice each (for the packed case, three views into in_proj_weight).
    let queryWeight: ParameterSlice
    let keyWeight: ParameterSlice
    let valueWeight: ParameterSlice
    let inputBias: ParameterSlice
    let outputProjection: Linear
    let arena: ParameterArena
    let workspace: Workspace
    /// When false, `backward` skips the context gradient of cross-attention (a fixed context).
    var computesContextGradient = false

    let inputGradient = Tensor(shape: [0])
    let contextGradient = Tensor(shape: [0])
    private var query: Tensor?
    private var context: Tensor?
    private let queries = Tensor(shape: [0])
    private let keys = Tensor(shape: [0])
    private let values = Tensor(shape: [0])
    private let probabilities = Tensor(shape: [0])
    private let attended = Tensor(shape: [0])
    private let queryGradient = Tensor(shape: [0])
    private let keyGradient = Tensor(shape: [0])
    private let valueGradient = Tensor(shape: [0])

    init(_ scope: ParameterScope, embedDimension c: Int, contextDimension kdim: Int? = nil, headCount: Int,
         workspace: Workspace, random: inout SeededRandom) {
        let kd = kdim ?? c
        precondition(c % headCount == 0, "MultiHeadAttention: \(c) channels in \(headCount) heads")
        embedDimension = c
        contextDimension = kd
        self.headCount = headCount
        isPacked = kd == c
        arena = scope.arena
        self.workspace = workspace
        if isPacked {
            let packed = scope.add("in_proj_weight", shape: [3 * c, c], values: Initialization.xavierUniform(rows: 3 * c, columns: c, random: &random))
            queryWeight = ParameterSlice(offset: packed.offset, count: c * c)
            keyWeight = ParameterSlice(offset: packed.offset + c * c, count: c * c)
            valueWeight = ParameterSlice(offset: packed.offset + 2 * c * c, count: c * c)
        } else {
            queryWeight = scope.add("q_proj_weight", shape: [c, c], values: Initialization.xavierUniform(rows: c, columns: c, random: &random))
            keyWeight = scope.add("k_proj_weight", shape: [c, kd], values: Initialization.xavierUniform(rows: c, columns: kd, random: &random))
            valueWeight = scope.add("v_proj_weight", shape: [c, kd], values: Initialization.xavierUniform(rows: c, columns: kd, random: &random))
        }
        inputBias = scope.add("in_proj_bias", shape: [3 * c], values: Initialization.constant(3 * c, 0))
        // torch zeroes out_proj.bias in _reset_parameters.
        outputProjection = Linear(scope.child("out_proj"), inputFeatures: c, outputFeatures: c, zeroBias: true, random: &random)
    }

    /// x [N, T, c]; context [N, S, kdim] or nil for self-attention.
    func forward(_ x: Tensor, context ctx: Tensor? = nil) -> Tensor {
        let c = embedDimension, heads = headCount, d = c / heads
        let kv = ctx ?? x
        let (N, T, S) = (x.shape[0], x.shape[1], kv.shape[1])
        precondition(x.shape[2] == c && kv.shape[2] == contextDimension && kv.shape[0] == N,
                     "MultiHeadAttention: query \(x.shape), context \(kv.shape) for c \(c), kdim \(contextDimension)")
        query = x
        context = ctx
        let w = arena.values, bias = arena.values + inputBias.offset
        project(x, weight: w + queryWeight.offset, bias: bias, into: queries, rows: N * T, inputs: c)
        project(kv, weight: w + keyWeight.offset, bias: bias + c, into: keys, rows: N * S, inputs: contextDimension)
        project(kv, weight: w + valueWeight.offset, bias: bias + 2 * c, into: values, rows: N * S, inputs: contextDimension)
        probabilities.resize([N, heads, T, S])
        attended.resize([N, T, c])
        let scale = 1 / Float(d).squareRoot()
        // Every (sample, head) pair is independent: split them across cores.
        let (qs, ks, vs, os, ps) = (queries.data, keys.data, values.data, attended.data, probabilities.data)
        Parallel.forEachChunk(N * heads, minimumCount: N * heads * T * S * d >= 1 << 16 ? 2 : Int.max) { pairs in
            for pair in pairs {
                let (n, h) = (pair / heads, pair % heads)
                let q = qs + n * T * c + h * d, k = ks + n * S * c + h * d
                let v = vs + n * S * c + h * d, o = os + n * T * c + h * d
                let p = ps + pair * T * S
                GEMM.multiply(transposeB: true, m: T, n: S, k: d, alpha: scale, a: q, lda: c, b: k, ldb: c, c: p, ldc: S)
                for t in 0..<T { Self.softmax(p + t * S, count: S) }
                GEMM.multiply(m: T, n: d, k: S, a: p, lda: S, b: v, ldb: c, c: o, ldc: c)
            }
        }
        return outputProjection.forward(attended)
    }

    /// dy [N, T, c] -> dx [N, T, c] (for self-attention it includes the key and value paths);
    /// `contextGradient` is filled for cross-attention when `computesContextGradient`.
    func backward(_ dy: Tensor) -> Tensor {
        guard let x = query else { preconditionFailure("MultiHeadAttention.backward before forward") }
        let c = embedDimension, heads = headCount, d = c / heads
        let kv = context ?? x
        let (N, T, S) = (x.shape[0], x.shape[1], kv.shape[1])
        let dAttended = outputProjection.backward(dy)!
        queryGradient.resize([N, T, c]); keyGradient.resize([N, S, c]); valueGradient.resize([N, S, c])
        let scale = 1 / Float(d).squareRoot()
        // One T x S score-gradient scratch per pair, so that pairs can run on any core.
        let scoreGradients = workspace.buffer(3, count: N * heads * T * S)
        let (qs, ks, vs, ps, dOs) = (queries.data, keys.data, values.data, probabilities.data, dAttended.data)
        let (dqs, dks, dvs) = (queryGradient.data, keyGradient.data, valueGradient.data)
        Parallel.forEachChunk(N * heads, minimumCount: N * heads * T * S * d >= 1 << 16 ? 2 : Int.max) { pairs in
            for pair in pairs {
                let (n, h) = (pair / heads, pair % heads)
                let q = qs + n * T * c + h * d, k = ks + n * S * c + h * d
                let v = vs + n * S * c + h * d, dO = dOs + n * T * c + h * d
                let p = ps + pair * T * S, dScores = scoreGradients + pair * T * S
                let dq = dqs + n * T * c + h * d
                let dk = dks + n * S * c + h * d, dv = dvs + n * S * c + h * d
                // dP = dO V^T; dV = P^T dO
                GEMM.multiply(transposeB: true, m: T, n: S, k: d, a: dO, lda: c, b: v, ldb: c, c: dScores, ldc: S)
                GEMM.multiply(transposeA: true, m: S, n: d, k: T, a: p, lda: S, b: dO, ldb: c, c: dv, ldc: c)
                // softmax backward: dS = P * (dP - sum(dP * P)), times the score scale
                for t in 0..<T {
                    let pr = p + t * S, g = dScores + t * S
                    var dot: Float = 0
                    for s in 0..<S { dot += pr[s] * g[s] }
                    for s in 0..<S { g[s] = pr[s] * (g[s] - dot) * scale }
                }
                // dQ = dS K; dK = dS^T Q
                GEMM.multiply(m: T, n: d, k: S, a: dScores, lda: S, b: k, ldb: c, c: dq, ldc: c)
                GEMM.multiply(transposeA: true, m: S, n: d, k: T, a: dScores, lda: S, b: q, ldb: c, c: dk, ldc: c)
            }
        }
        let w = arena.values, g = arena.gradients
        if arena.requiresGradients {
            accumulateProjectionGradients(queryGradient, input: x, weightGradient: g + queryWeight.offset,
                                          biasGradient: g + inputBias.offset, rows: N * T, inputs: c)
            accumulateProjectionGradients(keyGradient, input: kv, weightGradient: g + keyWeight.offset,
                                          biasGradient: g + inputBias.offset + c, rows: N * S, inputs: contextDimension)
            accumulateProjectionGradients(valueGradient, input: kv, weightGradient: g + valueWeight.offset,
                                          biasGradient: g + inputBias.offset + 2 * c, rows: N * S, inputs: contextDimension)
        }
        inputGradient.resize(x.shape)
        GEMM.multiply(m: N * T, n: c, k: c, a: queryGradient.data, lda: c, b: w + queryWeight.offset, ldb: c,
                      c: inputGradient.data, ldc: c)
        if context == nil {
            GEMM.multiply(m: N * T, n: c, k: c, a: keyGradient.data, lda: c, b: w + keyWeight.offset, ldb: c,
                          beta: 1, c: inputGradient.data, ldc: c)
            GEMM.multiply(m: N * T, n: c, k: c, a: valueGradient.data, lda: c, b: w + valueWeight.offset, ldb: c,
                          beta: 1, c: inputGradient.data, ldc: c)
        } else if computesContextGradient {
            let kd = contextDimension
            contextGradient.resize(kv.shape)
            GEMM.multiply(m: N * S, n: kd, k: c, a: keyGradient.data, lda: c, b: w + keyWeight.offset, ldb: kd,
                          c: contextGradient.data, ldc: kd)
            GEMM.multiply(m: N * S, n: kd, k: c, a: valueGradient.data, lda: c, b: w + valueWeight.offset, ldb: kd,
                          beta: 1, c: contextGradient.data, ldc: kd)
        }
        return inputGradient
    }

    /// out [rows, c] = input [rows, inputs] W^T + bias.
    private func project(_ input: Tensor, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                         into out: Tensor, rows: Int, inputs: Int) {
        let c = embedDimension
        out.resize([input.shape[0], input.shape[1], c])
        for r in 0..<rows {
            let row = out.data + r * c
            for j in 0..<c { row[j] = bias[j] }
        }
        GEMM.multiply(transposeB: true, m: rows, n: c, k: inputs, a: input.data, lda: inputs, b: weight, ldb: inputs,
                      beta: 1, c: out.data, ldc: c)
    }

    /// dW [c, inputs] += dOut^T input; dbias += column sums of dOut.
    private func accumulateProjectionGradients(_ dOut: Tensor, input: Tensor, weightGradient: UnsafeMutablePointer<Float>,
                                               biasGradient: UnsafeMutablePointer<Float>, rows: Int, inputs: Int) {
        let c = embedDimension
        for r in 0..<rows {
            let row = dOut.data + r * c
            for j in 0..<c { biasGradient[j] += row[j] }
        }
        GEMM.multiply(transposeA: true, m: c, n: inputs, k: rows, a: dOut.data, lda: c, b: input.data, ldb: inputs,
                      beta: 1, c: weightGradient, ldc: inputs)
    }

    @inline(__always)
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, row[i]) }
        for i in 0..<count { row[i] -= maximum }
        VectorMath.map(row, row, 0..<count) { VectorMath.exp($0) }
        var sum: Float = 0
        for i in 0..<count { sum += row[i] }
        let inverse = 1 / sum
        for i in 0..<count { row[i] *= inverse }
    }

    /// Direct loops in Double: the oracle for `forward`. Weights as torch stores them
    /// (wq [c, c], wk and wv [c, kdim], bias [3c], wo [c, c], bo [c]).
    static func referenceForward(
        query x: [Float], context kv: [Float], N: Int, T: Int, S: Int, c: Int, kdim: Int, heads: Int,
        wq: [Float], wk: [Float], wv: [Float], bias: [Float], wo: [Float], bo: [Float]
    ) -> [Float] {
        let d = c / heads
        func project(_ input: [Float], _ rows: Int, _ inputs: Int, _ w: [Float], _ biasOffset: Int) -> [Double] {
            var out = [Double](repeating: 0, count: rows * c)
            for r in 0..<rows {
                for j in 0..<c {
                    var sum = Double(bias[biasOffset + j])
                    for i in 0..<inputs { sum += Double(input[r * inputs + i]) * Double(w[j * inputs + i]) }
                    out[r * c + j] = sum
                }
            }
            return out
        }
        let q = project(x, N * T, c, wq, 0), k = project(kv, N * S, kdim, wk, c), v = project(kv, N * S, kdim, wv, 2 * c)
        var o = [Double](repeating: 0, count: N * T * c)
        for n in 0..<N {
            for h in 0..<heads {
                for t in 0..<T {
                    var scores = [Double](repeating: 0, count: S)
                    for s in 0..<S {
                        var dot = 0.0
                        for i in 0..<d { dot += q[(n * T + t) * c + h * d + i] * k[(n * S + s) * c + h * d + i] }
                        scores[s] = dot / Double(d).squareRoot()
                    }
                    let maximum = scores.max()!
                    let exps = scores.map { Foundation.exp($0 - maximum) }
                    let total = exps.reduce(0, +)
                    for i in 0..<d {
                        var sum = 0.0
                        for s in 0..<S { sum += exps[s] / total * v[(n * S + s) * c + h * d + i] }
                        o[(n * T + t) * c + h * d + i] = sum
                    }
                }
            }
        }
        var y = [Float](repeating: 0, count: N * T * c)
        for r in 0..<(N * T) {
            for j in 0..<c {
                var sum = Double(bo[j])
                for i in 0..<c { sum += o[r * c + i] * Double(wo[j * c + i]) }
                y[r * c + j] = Float(sum)
            }
        }
        return y
    }
}
