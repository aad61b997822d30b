//! Query embeddings batched across requests: searches that arrive together share one model
//! call.
//!
//! Concurrent queries used to each run the model on their own, on a session whose two
//! threads each wanted both cores, so the machine oversubscribed instead of batching. Here a
//! query queues its texts and waits; one worker per model session (one per core, each session
//! on one thread: [`super::LocalModel`]) takes everything queued, up to [`MAX_BATCH`] texts,
//! into one call. There is no timer: an idle worker takes a lone query at once, and under load
//! a batch is what arrived while the previous calls ran, so a text waits at most for one call
//! ahead of it. A search waiting here gives its HTTP slot back ([`ModelWait`]), so the batch
//! can hold every search that reached the model, not only those the slots let run. Measured
//! (BENCHMARKS.md, "Served path"): at 8 connections the calls average 2.7 texts for
//! questions (1.5 while the slots were held). One thread of the model spends 3.0 ms on a lone
//! 10-token text, 2.0 ms per text in a batch of 4 and 1.6 in a batch of 8
//! (`scripts/embed-peak.py --batch-sizes`); beyond 8 a batch gains little while every text in
//! it waits for the longest. A wait for more texts was tried (a free worker waiting up to 2 ms
//! for 4 texts while the other's call ran): batches grew to 3.7 texts but the cores idled
//! while it waited, 442 hybrid searches/s against 521 without.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::{Embed, EmbedError, ModelIdentity};

/// Most query texts in one model call.
pub const MAX_BATCH: usize = 8;

/// What a thread does around its wait for a batched model call. The HTTP layer gives back
/// its CPU slot meanwhile: a search waiting for the model uses no CPU, and a batch can only
/// hold the searches that reached the queue, so slots held while waiting kept the batches at
/// 1.5 texts (BENCHMARKS.md, "Served path").
pub trait ModelWait {
    /// The thread is about to wait for the model.
    fn waiting(&mut self);
    /// The model answered; the thread goes on with CPU work.
    fn resumed(&mut self);
}

thread_local! {
    static MODEL_WAIT: std::cell::RefCell<Option<Box<dyn ModelWait>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `work` with `hook` told of every wait for a batched model call on this thread. The
/// hook is dropped when `work` ends, even by a panic, so a thread reused for other work
/// never keeps it (nor what it holds).
pub fn with_model_wait<R>(hook: Box<dyn ModelWait>, work: impl FnOnce() -> R) -> R {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            let hook = MODEL_WAIT.with(|h| h.borrow_mut().take());
            drop(hook);
        }
    }
    MODEL_WAIT.with(|h| *h.borrow_mut() = Some(hook));
    let _clear = Clear;
    work()
}

/// `wait`, with this thread's [`ModelWait`] hook (if any) told before and after.
fn around_wait<R>(wait: impl FnOnce() -> R) -> R {
    let mut hook = MODEL_WAIT.with(|h| h.borrow_mut().take());
    if let Some(hook) = hook.as_mut() {
        hook.waiting();
    }
    let result = wait();
    if let Some(mut hook) = hook {
        hook.resumed();
        MODEL_WAIT.with(|h| *h.borrow_mut() = Some(hook));
    }
    result
}

struct Job {
    text: String,
    reply: SyncSender<Result<Vec<f32>, EmbedError>>,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    stopping: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    max_batch: usize,
}

/// A model whose calls of a few texts (queries) are batched together; calls of more than a
/// batch (indexing) go straight to the model.
pub struct Batched {
    inner: Arc<dyn Embed>,
    shared: Arc<Shared>,
    /// Model calls made for queries (fewer than the queries when they were batched).
    calls: Arc<std::sync::atomic::AtomicU64>,
    /// One per model session ([`Embed::parallelism`]): while one batch runs, the next forms
    /// and runs on the other core.
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl Batched {
    pub fn new(inner: Arc<dyn Embed>) -> Batched {
        Batched::with_max(inner, MAX_BATCH)
    }

    /// At most `max_batch` texts per model call (1: each query alone, as without batching).
    pub fn with_max(inner: Arc<dyn Embed>, max_batch: usize) -> Batched {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            max_batch: max_batch.max(1),
        });
        let calls = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let workers = (0..inner.parallelism().max(1))
            .filter_map(|i| {
                let (inner, shared, calls) = (inner.clone(), shared.clone(), calls.clone());
                std::thread::Builder::new()
                    .name(format!("landscape-query-embedding-{i}"))
                    .spawn(move || run(inner.as_ref(), &shared, &calls))
                    .ok()
            })
            .collect();
        Batched {
            inner,
            shared,
            calls,
            workers,
        }
    }

    /// Model calls made for queries so far.
    pub fn model_calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The worker: takes what is queued, embeds it in one call, answers each caller.
fn run(model: &dyn Embed, shared: &Shared, calls: &std::sync::atomic::AtomicU64) {
    loop {
        let jobs: Vec<Job> = {
            let Ok(mut queue) = shared.queue.lock() else {
                return;
            };
            while queue.jobs.is_empty() && !queue.stopping {
                queue = match shared.wake.wait(queue) {
                    Ok(q) => q,
                    Err(_) => return,
                };
            }
            if queue.jobs.is_empty() {
                return;
            }
            let n = queue.jobs.len().min(shared.max_batch);
            queue.jobs.drain(..n).collect()
        };
        let texts: Vec<String> = jobs.iter().map(|j| j.text.clone()).collect();
        let started = Instant::now();
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = model.embed(&texts, texts.len());
        metrics::histogram!("landscape_query_embedding_batch_size").record(texts.len() as f64);
        metrics::histogram!("landscape_query_embedding_batch_seconds")
            .record(started.elapsed().as_secs_f64());
        match result {
            Ok(vectors) if vectors.len() == jobs.len() => {
                for (job, v) in jobs.into_iter().zip(vectors) {
                    let _ = job.reply.send(Ok(v));
                }
            }
            Ok(_) => {
                for job in jobs {
                    let message = "the model returned a vector count other than asked".into();
                    let _ = job.reply.send(Err(EmbedError::Inference(message)));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for job in jobs {
                    let _ = job.reply.send(Err(EmbedError::Inference(message.clone())));
                }
            }
        }
    }
}

impl Embed for Batched {
    fn identity(&self) -> &ModelIdentity {
        self.inner.identity()
    }

    fn parallelism(&self) -> usize {
        self.inner.parallelism()
    }

    fn tokens(&self, text: &str) -> usize {
        self.inner.tokens(text)
    }

    fn within_tokens<'t>(&self, text: &'t str, tokens: usize) -> &'t str {
        self.inner.within_tokens(text, tokens)
    }

    fn embed(&self, texts: &[String], batch_size: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        // A request's few texts (its readings, the names its answer looks up) join the queue
        // together; an indexing call's many go to the model as they are.
        if texts.is_empty() || texts.len() > self.shared.max_batch || self.workers.is_empty() {
            return self.inner.embed(texts, batch_size);
        }
        let mut answers = Vec::with_capacity(texts.len());
        {
            let mut queue = self
                .shared
                .queue
                .lock()
                .map_err(|_| EmbedError::Inference("the query queue is poisoned".into()))?;
            for text in texts {
                let (reply, answer) = sync_channel(1);
                queue.jobs.push(Job {
                    text: text.clone(),
                    reply,
                });
                answers.push(answer);
            }
        }
        self.shared.wake.notify_one();
        around_wait(|| {
            answers
                .into_iter()
                .map(|answer| {
                    answer.recv().map_err(|_| {
                        EmbedError::Inference("the query embedding worker stopped".into())
                    })?
                })
                .collect()
        })
    }
}

impl Drop for Batched {
    fn drop(&mut self) {
        if let Ok(mut queue) = self.shared.queue.lock() {
            queue.stopping = true;
        }
        self.shared.wake.notify_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
