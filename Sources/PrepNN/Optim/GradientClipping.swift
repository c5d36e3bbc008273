// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_):
//   norm = sqrt(sum of every squared gradient); if norm > maxNorm, every gradient *= maxNorm / (norm + 1e-6).

public enum GradientClipping {
    /// The global L2 norm of the trained gradients (`trainedRange`) of the arenas that require gradients.
    public static func globalNorm(_ arenas: [ParameterArena]) -> Float {
        var sum = 0.0
        for arena in arenas where arena.requiresGradients {
            let g = arena.gradients
            for i in arena.trainedRange { sum += Double(g[i]) * Double(g[i]) }
        }
        return Float(sum.squareRoot())
    }

    /// Scales the gradients so their global norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clipGlobalNorm(_ arenas: [ParameterArena], maxNorm: Float) -> Float {
        let norm = globalNorm(arenas)
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for arena in arenas where arena.requiresGradients {
                let g = arena.gradients
                for i in arena.trainedRange { g[i] *= coefficient }
            }
        }
        return norm
    }
}
