//! The write lane: one thread that runs every short write command (a `Lane::ShortWrite` row:
//! a few rows by key, no hash, no image, no code sent) itself, in the writer's open batch,
//! and commits the batch when no command is waiting.
//!
//! ```text
//! async task ── job ──▶ lane thread: SAVEPOINT─cmd─RELEASE, next job…, COMMIT ──▶ answers
//! ```
//! Why: a write run on the blocking pool costs a thread wake-up to start it, a turn on the
//! writer's mutex, a condvar wake-up to learn its batch committed, and one more to answer —
//! for op 1005 (one contact, `synchronous = FULL`) under `wrk`, 146 µs of server CPU per
//! write, most of it in the kernel switching threads. The lane takes commands from a queue
//! while they keep coming and wakes nobody but the tasks it answers. Nobody is answered
//! before the COMMIT holding their change has returned and been flushed to disk (by the
//! store's syncer, while the lane goes on with the next batch), so acknowledged writes survive
//! `kill -9` and power loss, and a read that starts after an answer sees the write (the COMMIT
//! moves the store's generation first).
//!
//! Reads a command makes on the lane go to the writer's connection: it sees the batch it is
//! part of. A command that panics is rolled back to its savepoint and answered as a store
//! failure; the lane goes on.

use crate::command::Request;
use crate::ctx::Ctx;
use crate::error::{Error, StoreError};
use crate::handlers::{self, Answer};
use crate::store;
use std::net::IpAddr;
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Most commands per COMMIT (the writer also ends a batch at its own limit). 32 rather than
/// 64: one batch is flushed to disk while the next is written (see `store::syncer`).
const MAX_BATCH: usize = 32;

/// A command waiting for the lane.
struct Job {
    /// What to run.
    request: Request,
    /// Who asked.
    client: IpAddr,
    /// Where its answer goes.
    answer: oneshot::Sender<Result<Answer, Error>>,
}

/// The queue into the lane thread.
pub struct WriteLane {
    /// Jobs for the thread; it ends when this is dropped.
    jobs: mpsc::Sender<Job>,
}

impl WriteLane {
    /// Starts the lane's thread over `ctx`'s store.
    pub fn start(ctx: Arc<Ctx>) -> std::io::Result<WriteLane> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("switchboard-writer".into())
            .spawn(move || serve(&ctx, &queue))?;
        Ok(WriteLane { jobs })
    }

    /// Runs `request` on the lane; answers once its batch is durably committed.
    pub async fn run(&self, request: Request, client: IpAddr) -> Result<Answer, Error> {
        let (answer, answered) = oneshot::channel();
        let gone = || Error::Store(StoreError::Other("the write lane has stopped".into()));
        let job = Job {
            request,
            client,
            answer,
        };
        self.jobs.send(job).map_err(|_| gone())?;
        answered.await.unwrap_or_else(|_| Err(gone()))
    }
}

/// A command that ran and the batch its writes joined.
struct Ran {
    /// Its result before the COMMIT.
    answered: Result<Answer, Error>,
    /// The batch to wait for, when it wrote.
    batch: Option<u64>,
    /// Where the answer goes.
    answer: oneshot::Sender<Result<Answer, Error>>,
}

/// The lane thread: batches of jobs, each batch committed before its jobs are answered.
fn serve(ctx: &Ctx, queue: &mpsc::Receiver<Job>) {
    let mut ran = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = queue.recv() {
        ran.push(run(ctx, first));
        while ran.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => ran.push(run(ctx, job)),
                Err(_) => break,
            }
        }
        ctx.store.commit_deferred();
        let last = ran.iter().filter_map(|r| r.batch).max();
        let answers: Vec<_> = ran
            .drain(..)
            .map(|done| {
                let answered = match (done.answered, done.batch) {
                    (Ok(answer), Some(batch)) => ctx.store.committed(batch).map(|()| answer),
                    (answered, _) => answered,
                };
                (done.answer, answered)
            })
            .collect();
        // Answered once the batch is on disk; meanwhile the lane takes the next commands.
        let answer_all = move |flushed: Result<(), String>| {
            for (answer, answered) in answers {
                let answered = match &flushed {
                    Ok(()) => answered,
                    Err(why) => Err(Error::Store(StoreError::Other(format!(
                        "the commit could not be flushed: {why}"
                    )))),
                };
                // The client may have gone; its write stands either way.
                let _ = answer.send(answered);
            }
        };
        match last {
            Some(batch) => ctx.store.when_durable(batch, answer_all),
            None => answer_all(Ok(())),
        }
    }
}

/// Runs one job in the open batch.
fn run(ctx: &Ctx, job: Job) -> Ran {
    let name = job.request.command.name();
    let (answered, batch) = store::deferring(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handlers::execute(ctx, job.request, Some(job.client))
        }))
        .unwrap_or_else(|_| {
            let panicked = StoreError::Other(format!("handler {name} panicked"));
            Err(Error::Store(panicked))
        })
    });
    Ran {
        answered,
        batch,
        answer: job.answer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::contacts::{AddContacts, NewContact, UpdateContact};
    use crate::command::{Command, Credential, Outcome};
    use crate::handlers::testing;

    fn request(token: &str, command: impl Into<Command>) -> Request {
        Request {
            command: command.into(),
            auth: true,
            credential: Some(Credential::token(testing::JWT, token)),
            acting_for: None,
        }
    }

    fn add(name: &str) -> AddContacts {
        AddContacts {
            users: vec![NewContact {
                name: name.into(),
                phones: vec!["13800000000".into()],
                mails: vec![],
            }],
        }
    }

    #[test]
    fn concurrent_writes_are_answered_after_their_commit_and_a_failing_one_changes_nothing() {
        let (ctx, _clock, _dir) = testing::ctx();
        let uid = testing::register(&ctx, "13000000001").unwrap();
        let token = ctx
            .store
            .write(|tx| {
                let me = crate::store::accounts::by_uid(tx, &uid)?.expect("registered");
                let extras = crate::domain::SessionExtras::default();
                crate::handlers::shared::session::open(&ctx, tx, me, &testing::JWT, false, &extras)
            })
            .unwrap()
            .token;
        let me_pk = ctx
            .store
            .read(|c| crate::store::accounts::by_uid(c, &uid))
            .unwrap()
            .unwrap()
            .pk;
        let ctx = Arc::new(ctx);
        let lane = Arc::new(WriteLane::start(ctx.clone()).unwrap());
        let client: IpAddr = [127, 0, 0, 1].into();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let answers = rt.block_on(async {
            let mut tasks = Vec::new();
            for i in 0..32 {
                let (lane, token, ctx) = (lane.clone(), token.clone(), ctx.clone());
                tasks.push(tokio::spawn(async move {
                    let answered = lane.run(request(&token, add(&format!("c{i}"))), client);
                    let answered = answered.await;
                    // Once answered, the write is visible to any other connection.
                    if let Ok(Answer {
                        outcome: Outcome::Contacts { contacts, .. },
                        ..
                    }) = &answered
                    {
                        let uid = contacts[0].uid.clone();
                        let seen = tokio::task::spawn_blocking(move || {
                            ctx.store
                                .read(|c| crate::store::contacts::get(c, me_pk, &uid))
                        });
                        let seen = seen.await.unwrap().unwrap();
                        assert!(seen.is_some(), "answered before its commit");
                    }
                    answered
                }));
            }
            let unknown = UpdateContact {
                uid: "no such contact".into(),
                name: Some("x".into()),
                phones: vec![],
                mails: vec![],
            };
            let refused = lane.run(request(&token, unknown), client).await;
            let mut answers = Vec::new();
            for t in tasks {
                answers.push(t.await.unwrap());
            }
            (answers, refused)
        });
        let (answers, refused) = answers;
        assert!(refused.is_err(), "{refused:?}");
        for a in &answers {
            assert!(
                matches!(
                    a,
                    Ok(Answer {
                        outcome: Outcome::Contacts { .. },
                        ..
                    })
                ),
                "{a:?}"
            );
        }
        // Every answered write is committed: a fresh pooled connection sees all 32.
        let listed = ctx
            .store
            .read(|c| crate::store::contacts::list(c, me_pk))
            .unwrap();
        assert_eq!(listed.len(), 32);
    }
}
