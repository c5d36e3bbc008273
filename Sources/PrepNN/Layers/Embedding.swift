// Embedding: torch.nn.Embedding(V, D): y[r] = weight[ids[r]]; weight [V, D], N(0, 1) at init.
// Backward scatter-adds each row of dy into the row of its id.

final class Embedding {
    let vocabularySize: Int
    let dimension: Int
    let weight: ParameterSlice
    let arena: ParameterArena

    let output = Tensor(shape: [0])
    private var ids: [Int32] = []

    init(_ scope: ParameterScope, vocabularySize: Int, dimension: Int, random: inout SeededRandom) {
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.arena = scope.arena
        weight = scope.add("weight", shape: [vocabularySize, dimension], values: random.normals(vocabularySize * dimension))
    }

    /// ids [N * T] (shape given) -> y [N, T, D].
    func forward(_ ids: [Int32], shape: [Int]) -> Tensor {
        precondition(ids.count == shape.reduce(1, *), "Embedding: \(ids.count) ids for shape \(shape)")
        self.ids = ids
        let D = dimension
        output.resize(shape + [D])
        let table = arena.values + weight.offset
        for (r, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < vocabularySize, "Embedding: id \(id) outside 0..<\(vocabularySize)")
            (output.data + r * D).update(from: table + Int(id) * D, count: D)
        }
        return output
    }

    func backward(_ dy: Tensor) {
        guard arena.requiresGradients else { return }
        let D = dimension, table = arena.gradients + weight.offset
        for (r, id) in ids.enumerated() {
            let src = dy.data + r * D, dst = table + Int(id) * D
            for i in 0..<D { dst[i] += src[i] }
        }
    }
}
