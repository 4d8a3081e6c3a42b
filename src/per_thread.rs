//! A value per thread: the upstream HTTP client's, so that each actix worker keeps its own
//! keep-alive pool.
//!
//! Tokio-based clients (`hyper`'s pooled connections, for one) run each connection as a task on
//! the runtime that opened it. Every actix worker is a single-threaded runtime of its own, so
//! with one client shared by all of them a request served on one worker was sent over a
//! connection another thread drives: the request crossed to that thread and the answer crossed
//! back, each crossing an `eventfd` wake-up of a sleeping thread (`strace` showed five per
//! proxied call). With a client per thread, a worker's calls go over connections its own runtime
//! drives. The cost is a connection per worker, as nginx keeps upstream keep-alive connections
//! per worker.
//!
//! A [`PerThread`] builds its value lazily, the first time a thread asks. A thread keeps one
//! entry per live `PerThread`; entries of dropped ones (a test's gateway that has
//! stopped, a client replaced by a reload) are pruned whenever the thread adds one, so a
//! thread's list is bounded by the number of live `PerThread`s in the process.

use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

/// Builds one thread's value; `None` when it cannot (the caller then uses a shared one).
type Build<T> = dyn Fn() -> Option<T> + Send + Sync;

/// A value of type `T` per thread, built by the same function everywhere.
pub struct PerThread<T> {
    /// Tells this instance's entries from another's in a thread's list.
    id: u64,
    /// Held while this instance lives; entries keep a `Weak` to it to know when to go.
    alive: Arc<()>,
    build: Box<Build<T>>,
}

/// One thread's value of one [`PerThread`].
struct Entry {
    id: u64,
    alive: Weak<()>,
    value: Box<dyn Any>,
}

/// Instance ids, unique for the life of the process.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's values, one per live [`PerThread`] that it has used.
    static ENTRIES: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

impl<T: Clone + 'static> PerThread<T> {
    /// Values made by `build`, one per thread that asks.
    pub fn new(build: impl Fn() -> Option<T> + Send + Sync + 'static) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            alive: Arc::new(()),
            build: Box::new(build),
        }
    }

    /// The calling thread's value (built now if it has none); `None` when it cannot be built,
    /// and then tried again at the next call.
    pub fn current(&self) -> Option<T> {
        ENTRIES.with_borrow_mut(|entries| {
            if let Some(value) = entries
                .iter()
                .find(|e| e.id == self.id)
                .and_then(|e| e.value.downcast_ref::<T>())
            {
                return Some(value.clone());
            }
            entries.retain(|e| e.alive.strong_count() > 0);
            let value = (self.build)()?;
            entries.push(Entry {
                id: self.id,
                alive: Arc::downgrade(&self.alive),
                value: Box::new(value.clone()),
            });
            Some(value)
        })
    }
}

impl<T> std::fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerThread")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A `PerThread` whose values number the builds: 1, 2, …
    fn counting() -> (Arc<PerThread<usize>>, Arc<AtomicUsize>) {
        let built = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&built);
        let per_thread = PerThread::new(move || Some(counter.fetch_add(1, Ordering::Relaxed) + 1));
        (Arc::new(per_thread), built)
    }

    #[test]
    fn one_value_per_thread_reused_by_that_thread() {
        let (values, built) = counting();
        assert_eq!(values.current(), Some(1));
        assert_eq!(values.current(), Some(1), "reused on the same thread");
        let other = Arc::clone(&values);
        let in_other_thread = std::thread::spawn(move || (other.current(), other.current()))
            .join()
            .unwrap();
        assert_eq!(
            in_other_thread,
            (Some(2), Some(2)),
            "another thread builds its own"
        );
        assert_eq!(values.current(), Some(1));
        assert_eq!(built.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_value_that_cannot_be_built_is_none_and_tried_again() {
        let attempts = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&attempts);
        let values: PerThread<usize> = PerThread::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            None
        });
        assert_eq!(values.current(), None);
        assert_eq!(values.current(), None);
        assert_eq!(attempts.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_dropped_instance_leaves_the_thread_list_when_another_is_added() {
        let (first, _) = counting();
        first.current();
        drop(first);
        let (second, _) = counting();
        second.current();
        let entries = ENTRIES.with_borrow(Vec::len);
        assert_eq!(entries, 1, "the dropped instance's value was pruned");
    }
}
