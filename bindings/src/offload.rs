//! Runs a blocking call on a thread of its own and hands back a future of its result, so that
//! the long calls (catalog import, practice completion) are `suspend` functions in Kotlin and
//! `async` ones in Swift without the library needing an async runtime.
//!
//! UniFFI polls the returned future from the foreign side; it resolves when the thread is
//! done. A panic on that thread becomes [`StudyMateError::Storage`] naming the failure instead of
//! crossing the boundary.
//!
//! Cancellation: when the Kotlin coroutine awaiting the call is cancelled, UniFFI's generated
//! code stops waiting and frees the Rust future (`rust_future_free`), which drops it. The thread
//! cannot be stopped from outside, so it runs on; a future made with
//! [`Offloaded::cancel_on_drop`] cancels the given token when it is dropped before its result
//! was taken, and work that checks the token (a sync) stops at its next check. Swift's
//! generated code does not drop the future when its task is cancelled; the hand-written
//! `bindings/swift/Sources/StudyMateCore/SyncCancellation.swift` cancels a handle instead.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use studymate_core::sync::CancelToken;

use crate::{Result, StudyMateError};

/// The state shared between the worker thread and the future.
struct Slot<T> {
    result: Option<Result<T>>,
    waker: Option<Waker>,
}

/// The future of a call running on its own thread.
pub(crate) struct Offloaded<T> {
    slot: Arc<Mutex<Slot<T>>>,
    /// Cancelled when the future is dropped before its result was taken.
    on_drop: Option<CancelToken>,
    delivered: bool,
}

impl<T> Offloaded<T> {
    /// This future, cancelling `token` if the caller drops it before the result arrived (the
    /// foreign caller was cancelled).
    pub(crate) fn cancel_on_drop(mut self, token: CancelToken) -> Self {
        self.on_drop = Some(token);
        self
    }
}

impl<T> Drop for Offloaded<T> {
    fn drop(&mut self) {
        if !self.delivered
            && let Some(token) = &self.on_drop
        {
            token.cancel();
        }
    }
}

/// Starts `work` on a new thread named `name`. If the thread cannot be spawned, the future
/// resolves to a storage error at once.
pub(crate) fn offload<T, F>(name: &str, work: F) -> Offloaded<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let shared = Arc::clone(&slot);
    let spawned = std::thread::Builder::new()
        .name(format!("studymate-{name}"))
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| {
                    Err(StudyMateError::Storage {
                        detail: "the call failed unexpectedly (panic); nothing was committed"
                            .into(),
                    })
                });
            let mut slot = shared.lock().unwrap_or_else(PoisonError::into_inner);
            slot.result = Some(result);
            if let Some(waker) = slot.waker.take() {
                waker.wake();
            }
        });
    if let Err(e) = spawned {
        let mut state = slot.lock().unwrap_or_else(PoisonError::into_inner);
        state.result = Some(Err(StudyMateError::Storage {
            detail: format!("could not start a worker thread: {e}"),
        }));
    }
    Offloaded {
        slot,
        on_drop: None,
        delivered: false,
    }
}

impl<T> Future for Offloaded<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut slot = this.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(result) => {
                this.delivered = true;
                Poll::Ready(result)
            }
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Drives a future to completion on the current thread, parking it until woken: how a worker
/// thread waits for the app's suspending token provider, and how Rust callers without an async
/// runtime (the tests, the benchmark) await the async exports.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct ThreadWaker(std::thread::Thread);
    impl std::task::Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_of_the_thread_resolves_the_future() {
        let caller = std::thread::current().id();
        let out = block_on(offload("test", move || {
            Ok(std::thread::current().id() != caller)
        }));
        assert_eq!(out, Ok(true), "the work ran on another thread");
    }

    #[test]
    fn dropping_an_unfinished_future_cancels_its_token_and_a_finished_one_does_not() {
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let token = CancelToken::new();
        let seen = token.clone();
        let pending = offload("test", move || {
            let _ = gate.recv();
            Ok(seen.is_cancelled())
        })
        .cancel_on_drop(token.clone());
        drop(pending);
        assert!(token.is_cancelled(), "the caller stopped waiting");
        let _ = release.send(());

        let kept = CancelToken::new();
        let out = block_on(offload("test", || Ok(1)).cancel_on_drop(kept.clone()));
        assert_eq!(out, Ok(1));
        assert!(!kept.is_cancelled(), "a delivered result cancels nothing");
    }

    #[test]
    fn a_panic_on_the_worker_becomes_a_typed_error() {
        let out: Result<()> = block_on(offload("test", || panic!("boom")));
        assert!(
            matches!(out, Err(StudyMateError::Storage { .. })),
            "{out:?}"
        );
    }
}
