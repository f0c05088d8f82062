import Dispatch

/// A serial executor over a private dispatch queue: the thread a connection's
/// blocking libpq calls run on.
///
/// Swift's cooperative pool has one thread per core, so a libpq call
/// waiting on the network there would stall every task in the process. Each
/// connection's actor runs on its own queue instead, whose thread may block.
final class ConnectionExecutor: SerialExecutor {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
