//! What happened to each accepted write: enqueued, processing, succeeded or failed, for
//! `GET /tasks/{id}` and for callers that wait.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Tasks remembered (the oldest finished ones are forgotten first).
const KEPT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Durable and queued: it survives a crash, and is not searchable yet.
    Enqueued,
    /// Being indexed.
    Processing,
    /// Searchable.
    Succeeded,
    /// Not indexed; `error` says why. The write stays durable and is retried when the index is
    /// next rebuilt.
    Failed,
}

/// One accepted write.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub task: u64,
    pub status: TaskStatus,
    /// Pages written.
    pub pages: Vec<String>,
    /// Pages removed.
    pub removed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The generation (with its applied updates) that first served the write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub enqueued_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<u64>,
}

impl Task {
    pub fn is_finished(&self) -> bool {
        matches!(self.status, TaskStatus::Succeeded | TaskStatus::Failed)
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Every task this process accepted, and a signal for waiters.
pub struct Tasks {
    all: Mutex<BTreeMap<u64, Task>>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for Tasks {
    fn default() -> Self {
        Tasks {
            all: Mutex::new(BTreeMap::new()),
            changed: tokio::sync::watch::channel(0).0,
        }
    }
}

impl Tasks {
    pub fn get(&self, id: u64) -> Option<Task> {
        self.all.lock().ok()?.get(&id).cloned()
    }

    /// Tasks enqueued or processing.
    pub fn pending(&self) -> usize {
        self.all
            .lock()
            .map_or(0, |all| all.values().filter(|t| !t.is_finished()).count())
    }

    pub fn insert(&self, task: Task) {
        if let Ok(mut all) = self.all.lock() {
            all.insert(task.task, task);
            while all.len() > KEPT {
                let Some(oldest) = all.values().find(|t| t.is_finished()).map(|t| t.task) else {
                    break;
                };
                all.remove(&oldest);
            }
        }
        self.changed.send_modify(|n| *n += 1);
        metrics::gauge!("landscape_write_queue").set(self.pending() as f64);
    }

    /// Sets the status of `ids`, with the error or generation when finished.
    pub fn update(
        &self,
        ids: &[u64],
        status: TaskStatus,
        error: Option<&str>,
        generation: Option<&str>,
    ) {
        if let Ok(mut all) = self.all.lock() {
            for id in ids {
                if let Some(task) = all.get_mut(id) {
                    task.status = status;
                    task.error = error.map(str::to_string);
                    task.generation = generation.map(str::to_string);
                    if task.is_finished() {
                        task.finished_at = Some(now_ms());
                    }
                }
            }
        }
        self.changed.send_modify(|n| *n += 1);
        metrics::gauge!("landscape_write_queue").set(self.pending() as f64);
    }

    /// The task once it is finished, or as it is after `timeout`.
    pub async fn wait(&self, id: u64, timeout: Duration) -> Option<Task> {
        let mut changed = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let task = self.get(id)?;
            if task.is_finished() {
                return Some(task);
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return self.get(id);
            }
        }
    }
}
