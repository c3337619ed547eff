// Cancelling the Swift task that awaits a sync cancels the sync. UniFFI's generated Swift code
// awaits the Rust future without a cancellation handler, so a task's cancellation never reaches
// Rust on its own (Kotlin's generated code frees the future instead, which cancels the run).
// This overload ties the calling task's cancellation to a `SyncHandle`. Hand-written; it sits
// next to the generated StudyMateCore.swift in the same module.
import Foundation

extension StudyMateClient {
    /// `sync(options:tokens:observer:handle:)`, cancelled when the calling task is cancelled:
    /// the run stops before its next request or page and this throws `StudyMateError.Cancelled`;
    /// what was committed stays, and the data observer hears of it.
    public func sync(
        options: SyncOptions,
        tokens: TokenProvider,
        observer: SyncObserver?
    ) async throws -> SyncReport {
        let handle = SyncHandle()
        return try await withTaskCancellationHandler {
            try await sync(options: options, tokens: tokens, observer: observer, handle: handle)
        } onCancel: {
            handle.cancel()
        }
    }
}
