//! Runs a blocking call on a thread of its own and hands back a future of its result, so that
//! the long calls (catalog import, practice completion) are `suspend` functions in Kotlin and
//! `async` ones in Swift without the library needing an async runtime.
//!
//! UniFFI polls the returned future from the foreign side; it resolves when the thread is
//! done. A panic on that thread becomes [`StudyMateError::Storage`] naming the failure instead of
//! crossing the boundary.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::{Result, StudyMateError};

/// The state shared between the worker thread and the future.
struct Slot<T> {
    result: Option<Result<T>>,
    waker: Option<Waker>,
}

/// The future of a call running on its own thread.
pub(crate) struct Offloaded<T> {
    slot: Arc<Mutex<Slot<T>>>,
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
    Offloaded { slot }
}

impl<T> Future for Offloaded<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Drives a future to completion on the current thread (the Rust tests of the async exports).
#[cfg(test)]
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
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
    fn a_panic_on_the_worker_becomes_a_typed_error() {
        let out: Result<()> = block_on(offload("test", || panic!("boom")));
        assert!(
            matches!(out, Err(StudyMateError::Storage { .. })),
            "{out:?}"
        );
    }
}
