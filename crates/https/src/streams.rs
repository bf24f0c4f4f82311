//! HTTP/2 requests answered inside their connection's task rather than as tasks of their
//! own.
//!
//! hyper hands each HTTP/2 stream (the request's service future, then the response's
//! body) to an executor; with tokio's, that is a task per request: an allocation, a place
//! in the runtime's task list, a trip through its run queue, and a wake-up of the
//! connection task when the response is ready — about 2.5 k instructions per request,
//! beside a cached file's answer of about 6 k. Here the executor ([`Streams`]) only queues
//! the stream, and the connection loop ([`Running::poll`]) polls it in the same turn, right
//! after hyper's connection started it: a small file's answer is then ready, written and
//! flushed in the turn its request was read. A stream that must wait (a large file, a
//! proxied upstream) is kept in a [`FuturesUnordered`] and polled again when it is woken.
//!
//! A connection's streams then share its task, as they share its socket: when the
//! connection ends, its unfinished streams are dropped with it (they could send nothing
//! more anyway).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};

type Stream = Pin<Box<dyn Future<Output = ()> + Send>>;

/// hyper's executor for one connection: each stream it starts waits in a queue for the
/// connection loop.
#[derive(Clone, Default)]
pub(crate) struct Streams {
    started: Arc<Mutex<Vec<Stream>>>,
}

impl<F: Future<Output = ()> + Send + 'static> hyper::rt::Executor<F> for Streams {
    fn execute(&self, stream: F) {
        self.lock().push(Box::pin(stream));
    }
}

impl Streams {
    fn lock(&self) -> MutexGuard<'_, Vec<Stream>> {
        // Only the connection's own task takes the lock, never while polling a stream; a
        // panic while pushing leaves at worst a stream not queued.
        self.started.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The connection loop's side: the streams started and not yet finished.
#[derive(Default)]
pub(crate) struct Running {
    streams: Streams,
    /// Made when a stream first has to wait (most connections never need it).
    waiting: Option<FuturesUnordered<Stream>>,
    /// The queue's storage, kept between turns.
    spare: Vec<Stream>,
}

impl Running {
    /// The executor to give hyper.
    pub(crate) fn executor(&self) -> Streams {
        self.streams.clone()
    }

    /// Polls the streams started since the last call (each once, here: most finish at once)
    /// and the waiting streams that were woken. Returns whether any stream started or
    /// finished, i.e. whether hyper's connection may have more to write.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        // Taken out of the lock first: a stream may start another (an HTTP/2 CONNECT
        // tunnel does), which takes the lock.
        std::mem::swap(&mut *self.streams.lock(), &mut self.spare);
        for mut stream in self.spare.drain(..) {
            progress = true;
            if stream.as_mut().poll(cx).is_pending() {
                // Polled once more by the set, which from then on wakes it alone.
                self.waiting
                    .get_or_insert_with(Default::default)
                    .push(stream);
            }
        }
        if let Some(waiting) = &mut self.waiting {
            while let Poll::Ready(Some(())) = waiting.poll_next_unpin(cx) {
                progress = true;
            }
        }
        progress
    }

    /// Polls `connection` and the streams it starts in turns, until the streams have
    /// nothing more for it (or a few turns have passed: then the task is woken to go on
    /// later, so one busy connection does not keep its thread from the others).
    pub(crate) fn poll_serving<F: Future + ?Sized>(
        &mut self,
        mut connection: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        for _ in 0..TURNS {
            if let Poll::Ready(done) = connection.as_mut().poll(cx) {
                return Poll::Ready(done);
            }
            if !self.poll(cx) {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// How many times [`Running::poll_serving`] polls the connection in one go.
const TURNS: usize = 4;

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use hyper::rt::Executor;

    use super::*;

    #[tokio::test]
    async fn streams_run_in_the_connection_loop_and_waiting_ones_when_woken() {
        let mut running = Running::default();
        let exec = running.executor();
        let done = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let at_once = done.clone();
        exec.execute(async move {
            at_once.fetch_add(1, Ordering::Relaxed);
        });
        let later = done.clone();
        exec.execute(async move {
            let _ = rx.await;
            later.fetch_add(1, Ordering::Relaxed);
        });
        // The first finishes in its first poll; the second waits for its message.
        std::future::poll_fn(|cx| {
            assert!(running.poll(cx), "two streams started");
            Poll::Ready(())
        })
        .await;
        assert_eq!(done.load(Ordering::Relaxed), 1);
        assert_eq!(running.waiting.as_ref().map(|w| w.len()), Some(1));
        tx.send(()).unwrap();
        std::future::poll_fn(|cx| {
            running.poll(cx);
            if running.waiting.as_ref().is_some_and(|w| w.is_empty()) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        assert_eq!(done.load(Ordering::Relaxed), 2);
    }
}
