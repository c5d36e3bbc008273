// Linear: y = x W^T + b over the last dimension (torch.nn.Linear).
//   x [..., in] -> y [..., out]; weight [out, in], bias [out]

final class Linear {
    let inputFeatures: Int
    let outputFeatures: Int
    let weight: ParameterSlice
    let bias: ParameterSlice
    let arena: ParameterArena

    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?

    init(_ scope: ParameterScope, inputFeatures: Int, outputFeatures: Int, zeroBias: Bool = false, random: inout SeededRandom) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.arena = scope.arena
        weight = scope.add("weight", shape: [outputFeatures, inputFeatures],
                           values: Initialization.fanInUniform(outputFeatures * inputFeatures, fanIn: inputFeatures, random: &random))
        bias = scope.add("bias", shape: [outputFeatures],
                         values: zeroBias ? Initialization.constant(outputFeatures, 0)
                            : Initialization.fanInUniform(outputFeatures, fanIn: inputFeatures, random: &random))
    }

    func forward(_ x: Tensor) -> Tensor {
        let (I, O) = (inputFeatures, outputFeatures)
        precondition(x.shape.last == I, "Linear: input \(x.shape), expected last dimension \(I)")
        let rows = x.count / I
        input = x
        output.resize(Array(x.shape.dropLast()) + [O])
        let y = output.data, b = arena.values + bias.offset
        for r in 0..<rows {
            let row = y + r * O
            for o in 0..<O { row[o] = b[o] }
        }
        GEMM.multiply(transposeB: true, m: rows, n: O, k: I, a: x.data, lda: I,
                      b: arena.values + weight.offset, ldb: I, beta: 1, c: y, ldc: O)
        return output
    }

    @discardableResult
    func backward(_ dy: Tensor, computeInputGradient: Bool = true) -> Tensor? {
        guard let x = input else { preconditionFailure("Linear.backward before forward") }
        let (I, O) = (inputFeatures, outputFeatures)
        let rows = x.count / I
        if arena.requiresGradients {
            let db = arena.gradients + bias.offset
            for r in 0..<rows {
                let row = dy.data + r * O
                for o in 0..<O { db[o] += row[o] }
            }
            // dW [O, I] += dy^T [O, rows] * x [rows, I]
            GEMM.multiply(transposeA: true, m: O, n: I, k: rows, a: dy.data, lda: O, b: x.data, ldb: I,
                          beta: 1, c: arena.gradients + weight.offset, ldc: I)
        }
        guard computeInputGradient else { return nil }
        inputGradient.resize(x.shape)
        GEMM.multiply(m: rows, n: I, k: O, a: dy.data, lda: O, b: arena.values + weight.offset, ldb: I,
                      c: inputGradient.data, ldc: I)
        return inputGradient
    }
}
