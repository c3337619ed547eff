// Shipped with the generated bindings: the data observer as a Swift AsyncSequence.
import Foundation

/// Forwards each change to an `AsyncStream` continuation.
private final class StreamObserver: DataObserver, @unchecked Sendable {
    let continuation: AsyncStream<DataChange>.Continuation
    init(_ continuation: AsyncStream<DataChange>.Continuation) { self.continuation = continuation }
    func onChange(change: DataChange) throws { continuation.yield(change) }
}

extension StudyMateClient {
    /// Every later committed write of this client, as an `AsyncSequence`: iterating subscribes a
    /// data observer; ending the iteration (or cancelling its task) cancels the subscription.
    /// Throws `StudyMateError.Closed` when the client is closed.
    public func dataChanges() throws -> AsyncStream<DataChange> {
        var continuation: AsyncStream<DataChange>.Continuation!
        let stream = AsyncStream<DataChange>(bufferingPolicy: .unbounded) { continuation = $0 }
        let subscription = try subscribe(observer: StreamObserver(continuation))
        continuation.onTermination = { _ in subscription.cancel() }
        return stream
    }
}
