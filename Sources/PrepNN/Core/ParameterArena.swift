// ParameterArena: every parameter of a model in one flat buffer, with the gradients and the two
// AdamW moments in three more buffers of the same layout (llm.c's `params_memory`). Zeroing the
// gradients is one fill; the optimizer is one loop; a checkpoint is four copies.
//
// Parameters are registered while the model is built, in PyTorch `state_dict()` order and with its
// names; `seal()` then allocates the four buffers. A named table maps each name to its slice.

/// Where one parameter lives inside its arena.
struct ParameterSlice {
    let offset: Int
    let count: Int
}

public struct ParameterEntry: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

public final class ParameterArena {
    public private(set) var entries: [ParameterEntry] = []
    public private(set) var count = 0
    /// When false (a locked model), layers skip their parameter gradients; input gradients still flow.
    public var requiresGradients = true
    /// The parameters the optimizer updates and clipping measures: all of them unless narrowed (a
    /// partly unlocked model, e.g. the U-Net's decoder in the large-scale curriculum's phase 2).
    public var trainedRange: Range<Int> {
        get { narrowedRange ?? 0..<count }
        set {
            precondition(newValue.lowerBound >= 0 && newValue.upperBound <= count, "ParameterArena.trainedRange: \(newValue) outside 0..<\(count)")
            narrowedRange = newValue == 0..<count ? nil : newValue
        }
    }
    private var narrowedRange: Range<Int>?

    private var staged: [Float] = []
    private var sealed = false
    private var indexByName: [String: Int] = [:]

    private(set) var values: UnsafeMutablePointer<Float>
    private(set) var gradients: UnsafeMutablePointer<Float>
    private(set) var firstMoments: UnsafeMutablePointer<Float>
    private(set) var secondMoments: UnsafeMutablePointer<Float>

    public init() {
        values = .allocate(capacity: 1); gradients = .allocate(capacity: 1)
        firstMoments = .allocate(capacity: 1); secondMoments = .allocate(capacity: 1)
    }

    deinit {
        values.deallocate(); gradients.deallocate(); firstMoments.deallocate(); secondMoments.deallocate()
    }

    /// Registers a parameter with its initial values; returns its slice.
    func add(_ name: String, shape: [Int], values initial: [Float]) -> ParameterSlice {
        precondition(!sealed, "ParameterArena: \(name) registered after seal()")
        precondition(indexByName[name] == nil, "ParameterArena: \(name) registered twice")
        precondition(initial.count == shape.reduce(1, *), "ParameterArena: \(name) has \(initial.count) values for \(shape)")
        let slice = ParameterSlice(offset: count, count: initial.count)
        indexByName[name] = entries.count
        entries.append(ParameterEntry(name: name, shape: shape, offset: count))
        staged.append(contentsOf: initial)
        count += initial.count
        return slice
    }

    /// Allocates the buffers: values from the registered initial values, the rest zero.
    func seal() {
        precondition(!sealed, "ParameterArena sealed twice")
        sealed = true
        let n = max(count, 1)
        for buffer in [values, gradients, firstMoments, secondMoments] { buffer.deallocate() }
        values = .allocate(capacity: n); gradients = .allocate(capacity: n)
        firstMoments = .allocate(capacity: n); secondMoments = .allocate(capacity: n)
        values.initialize(repeating: 0, count: n)
        staged.withUnsafeBufferPointer { if count > 0 { values.update(from: $0.baseAddress!, count: count) } }
        gradients.initialize(repeating: 0, count: n)
        firstMoments.initialize(repeating: 0, count: n)
        secondMoments.initialize(repeating: 0, count: n)
        staged = []
    }

    public var parameterNames: [String] { entries.map(\.name) }

    public func entry(named name: String) -> ParameterEntry? { indexByName[name].map { entries[$0] } }

    /// The span of the parameters whose names start with one of `prefixes` (which must be
    /// contiguous in the arena, as a module's parameters are).
    public func range(ofPrefixes prefixes: [String]) -> Range<Int> {
        let chosen = entries.filter { e in prefixes.contains { e.name.hasPrefix($0) } }
        guard let first = chosen.first, let last = chosen.last else { return count..<count }
        let range = first.offset..<(last.offset + last.count)
        precondition(chosen.reduce(0) { $0 + $1.count } == range.count, "ParameterArena: \(prefixes) are not contiguous")
        return range
    }

    private func requireEntry(_ name: String) -> ParameterEntry {
        guard let entry = entry(named: name) else { preconditionFailure("ParameterArena: no parameter named \(name)") }
        return entry
    }

    public func value(named name: String) -> [Float] {
        let e = requireEntry(name)
        return Array(UnsafeBufferPointer(start: values + e.offset, count: e.count))
    }

    public func setValue(named name: String, _ newValues: [Float]) {
        let e = requireEntry(name)
        precondition(newValues.count == e.count, "ParameterArena.setValue: \(newValues.count) values for \(name) \(e.shape)")
        newValues.withUnsafeBufferPointer { (values + e.offset).update(from: $0.baseAddress!, count: e.count) }
    }

    public func gradient(named name: String) -> [Float] {
        let e = requireEntry(name)
        return Array(UnsafeBufferPointer(start: gradients + e.offset, count: e.count))
    }

    /// All parameters in arena order (for checkpoints); setting copies back (count must match).
    public var allValues: [Float] {
        get { Array(UnsafeBufferPointer(start: values, count: count)) }
        set {
            precondition(newValue.count == count, "ParameterArena.allValues: \(newValue.count) for \(count)")
            newValue.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: count) }
        }
    }

    public var allGradients: [Float] {
        get { Array(UnsafeBufferPointer(start: gradients, count: count)) }
        set {
            precondition(newValue.count == count, "ParameterArena.allGradients: \(newValue.count) for \(count)")
            newValue.withUnsafeBufferPointer { gradients.update(from: $0.baseAddress!, count: count) }
        }
    }

    /// AdamW's first and second moments, in arena order (for checkpoints).
    public var allMoments: (first: [Float], second: [Float]) {
        get {
            (Array(UnsafeBufferPointer(start: firstMoments, count: count)),
             Array(UnsafeBufferPointer(start: secondMoments, count: count)))
        }
        set {
            precondition(newValue.first.count == count && newValue.second.count == count, "ParameterArena.allMoments: wrong count")
            newValue.first.withUnsafeBufferPointer { firstMoments.update(from: $0.baseAddress!, count: count) }
            newValue.second.withUnsafeBufferPointer { secondMoments.update(from: $0.baseAddress!, count: count) }
        }
    }

    public func zeroGradients() { gradients.update(repeating: 0, count: count) }

    /// Copies every parameter of `other` whose name, with `prefix` prepended, exists here with the same shape.
    /// Returns how many parameters were copied.
    @discardableResult
    public func copyValues(from other: ParameterArena, prefix: String = "") -> Int {
        var copied = 0
        for e in other.entries {
            guard let mine = entry(named: prefix + e.name), mine.shape == e.shape else { continue }
            (values + mine.offset).update(from: other.values + e.offset, count: e.count)
            copied += 1
        }
        return copied
    }
}

/// A name prefix inside an arena, as PyTorch module paths: `scope.child("blocks").child(3)`.
struct ParameterScope {
    let arena: ParameterArena
    let prefix: String

    init(arena: ParameterArena, prefix: String = "") {
        self.arena = arena
        self.prefix = prefix
    }

    func child(_ name: String) -> ParameterScope { ParameterScope(arena: arena, prefix: prefix + name + ".") }
    func child(_ index: Int) -> ParameterScope { child(String(index)) }

    func add(_ name: String, shape: [Int], values: [Float]) -> ParameterSlice {
        arena.add(prefix + name, shape: shape, values: values)
    }
}
