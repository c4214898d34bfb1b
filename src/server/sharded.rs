//! The request counter and latency histogram, kept per thread: each thread adds to its own
//! slot (its own cache line) and a scrape sums the slots.
//!
//! `prometheus-client`'s counter is one atomic and its histogram one mutex: every request's
//! update on one worker thread took the cache line from the other, which `perf annotate` showed
//! as a large share of the request handler's own time under `wrk` (the unknown op). A slot
//! here is written by the threads that map to it, in practice one worker thread each.

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Slots per metric: more than the worker threads of a small box, few enough to stay small.
const SLOTS: usize = 4;

/// A value alone on its cache line (two lines: the prefetcher pulls pairs).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Slot<T>(T);

/// This thread's slot.
fn slot() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS;
    }
    MINE.with(|mine| *mine)
}

/// A monotonic counter.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<[Slot<AtomicU64>; SLOTS]>);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0[slot()].0.fetch_add(1, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
    }
}

impl TypedMetric for Counter {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for Counter {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.get(), None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// A histogram of fixed buckets (their upper bounds, `+Inf` added).
#[derive(Clone, Debug)]
pub struct Histogram {
    /// Upper bounds, ascending, the last `+Inf`.
    bounds: Arc<[f64]>,
    /// Each slot's observations.
    slots: Arc<[Slot<Mutex<Tally>>; SLOTS]>,
}

/// The observations of one slot.
#[derive(Debug, Default, Clone)]
struct Tally {
    sum: f64,
    count: u64,
    /// Observations per bucket (not cumulative).
    buckets: Vec<u64>,
}

impl Histogram {
    /// A histogram with buckets up to each of `bounds` and one up to `+Inf`.
    pub fn new(bounds: impl IntoIterator<Item = f64>) -> Histogram {
        let bounds: Arc<[f64]> = bounds
            .into_iter()
            .filter(|b| b.is_finite())
            .chain(std::iter::once(f64::INFINITY))
            .collect();
        let empty = || {
            Slot(Mutex::new(Tally {
                buckets: vec![0; bounds.len()],
                ..Tally::default()
            }))
        };
        Histogram {
            slots: Arc::new(std::array::from_fn(|_| empty())),
            bounds,
        }
    }

    /// Records `v` in the first bucket whose bound is at least `v` (NaN in the last).
    pub fn observe(&self, v: f64) {
        let i = match v.is_nan() {
            true => self.bounds.len() - 1,
            false => self.bounds.partition_point(|b| *b < v),
        };
        if let Ok(mut tally) = self.slots[slot()].0.lock() {
            tally.sum += v;
            tally.count += 1;
            tally.buckets[i] += 1;
        }
    }

    /// Every slot's observations together.
    fn total(&self) -> Tally {
        let mut total = Tally {
            buckets: vec![0; self.bounds.len()],
            ..Tally::default()
        };
        for slot in self.slots.iter() {
            let Ok(tally) = slot.0.lock() else { continue };
            total.sum += tally.sum;
            total.count += tally.count;
            for (all, one) in total.buckets.iter_mut().zip(&tally.buckets) {
                *all += one;
            }
        }
        total
    }
}

impl TypedMetric for Histogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Histogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let total = self.total();
        let buckets: Vec<(f64, u64)> = self.bounds.iter().copied().zip(total.buckets).collect();
        encoder.encode_histogram::<NoLabelSet>(total.sum, total.count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;
    use prometheus_client::registry::Registry;

    fn text(registry: &Registry) -> String {
        let mut out = String::new();
        encode(&mut out, registry).unwrap();
        out
    }

    #[test]
    fn counts_from_many_threads_are_summed() {
        let counter = Counter::default();
        let histogram = Histogram::new([1.0, 10.0]);
        let threads: Vec<_> = (0..6)
            .map(|i| {
                let (c, h) = (counter.clone(), histogram.clone());
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        c.inc();
                        h.observe(if i % 2 == 0 { 0.5 } else { 5.0 });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counter.get(), 6000);
        let mut registry = Registry::default();
        registry.register("hits", "Hits", counter);
        registry.register("wait_seconds", "Waits", histogram);
        let shown = text(&registry);
        for line in [
            "hits_total 6000",
            "wait_seconds_sum 16500.0",
            "wait_seconds_count 6000",
            "wait_seconds_bucket{le=\"1.0\"} 3000",
            "wait_seconds_bucket{le=\"10.0\"} 6000",
            "wait_seconds_bucket{le=\"+Inf\"} 6000",
        ] {
            assert!(shown.contains(line), "{line} missing from:\n{shown}");
        }
    }

    #[test]
    fn a_value_on_a_bound_goes_in_that_bucket() {
        let h = Histogram::new([1.0, 2.0]);
        for v in [1.0, 2.0, 2.5, f64::NAN] {
            h.observe(v);
        }
        assert_eq!(h.total().buckets, vec![1, 1, 2]);
    }
}
