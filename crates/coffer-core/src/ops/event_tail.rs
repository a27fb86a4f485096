//! Reading recorded events in order, as they commit: the `events` table is the source of
//! truth and the in-process bus only wakes the reader. So a reader never misses an event
//! — not when the bus lags, not when publications arrive out of id order, and not when
//! another coffer instance (sharing PostgreSQL) recorded it: an idle reader polls the
//! table every [`POLL`].
//!
//! Fast path: the bus delivers exactly the next id, which is used without a query.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};

use super::Core;
use crate::error::CoreError;
use crate::event::Event;

/// How often an idle reader looks for events recorded by other instances.
pub(super) const POLL: Duration = Duration::from_secs(1);
const PAGE: i64 = 256;

pub(super) struct EventTail {
    after: i64,
    bus: broadcast::Receiver<Event>,
    pending: VecDeque<Event>,
}

impl EventTail {
    /// A reader of the events recorded after `after`. Subscribes at once, so nothing
    /// published from now on is missed.
    pub(super) fn new(core: &Core, after: i64) -> EventTail {
        EventTail {
            after,
            bus: core.bus.subscribe(),
            pending: VecDeque::new(),
        }
    }

    /// The next event, waiting for one as long as it takes.
    pub(super) async fn next(&mut self, core: &Core) -> Result<Event, CoreError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(event);
            }
            let page = core.store.list_events(self.after, PAGE).await?;
            if let Some(last) = page.last() {
                self.after = last.id;
                self.pending.extend(page);
                continue;
            }
            loop {
                let woke = tokio::select! {
                    received = self.bus.recv() => Some(received),
                    () = tokio::time::sleep(POLL) => None,
                };
                match woke {
                    Some(Ok(event)) if event.id <= self.after => continue, // already read
                    Some(Ok(event)) if event.id == self.after + 1 => {
                        self.after = event.id;
                        return Ok(event);
                    }
                    // A gap, a lag, a closed bus or the poll: read the table.
                    Some(Ok(_) | Err(RecvError::Lagged(_))) | None => break,
                    Some(Err(RecvError::Closed)) => {
                        tokio::time::sleep(POLL).await;
                        break;
                    }
                }
            }
        }
    }
}
