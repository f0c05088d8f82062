import Synchronization

/// A number many tasks can bump and read: attempts made, the most seen at once.
public final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    public func add(_ amount: Int = 1) { value.add(amount, ordering: .relaxed) }
    public func raise(to candidate: Int) { value.max(candidate, ordering: .relaxed) }
    public var current: Int { value.load(ordering: .relaxed) }
}
