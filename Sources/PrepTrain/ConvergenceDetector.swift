// ConvergenceDetector: the step at which the control metric jumped (the paper's "sudden
// convergence": the model abruptly starts following its condition).
//   start   = the metric of the first evaluation (step 0: the unconditioned model)
//   plateau = the mean of the last `plateauWindow` evaluations
//   the run converged when plateau >= `minimumGain` * start and plateau - start >= `minimumRise`
//   the convergence step is the first evaluation step from which every later evaluation stays at
//   or above start + 1/2 (plateau - start): the halfway crossing that holds
// nil when the run did not converge, or has fewer than 3 evaluations.

public enum ConvergenceDetector {
    public static let plateauWindow = 3
    public static let minimumGain = 1.5
    public static let minimumRise = 0.05

    /// `evaluations`: (step, metric) in step order.
    public static func convergenceStep(_ evaluations: [(step: Int, metric: Double)]) -> Int? {
        guard evaluations.count >= 3 else { return nil }
        let start = evaluations[0].metric
        let window = evaluations.suffix(min(plateauWindow, evaluations.count - 1))
        let plateau = window.reduce(0) { $0 + $1.metric } / Double(window.count)
        guard plateau >= minimumGain * start, plateau - start >= minimumRise else { return nil }
        let halfway = start + (plateau - start) / 2
        var step: Int?
        for evaluation in evaluations.dropFirst() {
            if evaluation.metric >= halfway {
                if step == nil { step = evaluation.step }
            } else {
                step = nil
            }
        }
        return step
    }
}
