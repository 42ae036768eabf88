//! One events subscription per process and Redis deployment, shared by every client of the
//! process that uses it: 200 clients on one Redis hold one Pub/Sub connection, not 200. The
//! hub's thread hands each note to every member in turn; the last member to leave stops it.
//! Members are told `Subscribed` and `Lost` like a subscription of their own.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::store::{EventNote, EventSubscriber};

/// How often the hub's thread checks its stop flag.
const POLL: Duration = Duration::from_millis(100);

/// What a member does with a note (runs on the hub's thread).
pub(crate) type NoteHandler = Box<dyn FnMut(&EventNote) + Send>;

/// The running hubs of this process.
static HUBS: Mutex<Vec<Arc<Hub>>> = Mutex::new(Vec::new());
static NEXT_MEMBER: AtomicU64 = AtomicU64::new(1);

struct Hub {
    /// Which deployment (URL and CA file): clients with the same key share the hub.
    key: String,
    members: Mutex<Vec<(u64, NoteHandler)>>,
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// A client's place in a hub; leaving (drop) stops the hub when it was the last member.
pub(crate) struct Membership {
    hub: Arc<Hub>,
    id: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Joins the hub of `key`, starting it (subscribed through `subscriber`) if there is none.
pub(crate) fn join(
    key: &str,
    subscriber: EventSubscriber,
    handler: NoteHandler,
) -> std::io::Result<Membership> {
    let id = NEXT_MEMBER.fetch_add(1, Ordering::Relaxed);
    let mut hubs = lock(&HUBS);
    if let Some(hub) = hubs.iter().find(|hub| hub.key == key) {
        lock(&hub.members).push((id, handler));
        return Ok(Membership {
            hub: hub.clone(),
            id,
        });
    }
    let hub = Arc::new(Hub {
        key: key.to_string(),
        members: Mutex::new(vec![(id, handler)]),
        stop: Arc::new(AtomicBool::new(false)),
        thread: Mutex::new(None),
    });
    let running = hub.clone();
    let thread = std::thread::Builder::new()
        .name("liner-events".into())
        .spawn(move || {
            subscriber.run(&running.stop, POLL, |note| {
                for (_, handler) in lock(&running.members).iter_mut() {
                    handler(&note);
                }
            });
        })?;
    *lock(&hub.thread) = Some(thread);
    hubs.push(hub.clone());
    Ok(Membership { hub, id })
}

impl Drop for Membership {
    fn drop(&mut self) {
        let last = {
            let mut hubs = lock(&HUBS);
            let mut members = lock(&self.hub.members);
            members.retain(|(id, _)| *id != self.id);
            let last = members.is_empty();
            if last {
                hubs.retain(|hub| !Arc::ptr_eq(hub, &self.hub));
                self.hub.stop.store(true, Ordering::Release);
            }
            last
        };
        if last && let Some(thread) = lock(&self.hub.thread).take() {
            let _ = thread.join();
        }
    }
}
