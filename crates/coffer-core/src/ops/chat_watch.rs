//! Live conversation events for one signed-in account: only the events of the
//! conversations it takes part in (the rule the WebSocket relies on).

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::Core;
use super::accounts::SignedIn;
use crate::event::ChatEvent;

/// A subscription, started when it is made: nothing published afterwards is missed
/// unless the subscriber falls [`ChatWatch`]'s buffer behind (then the oldest go).
pub struct ChatWatch {
    username: String,
    events: Receiver<ChatEvent>,
}

impl ChatWatch {
    /// The next event for this account; `None` once the core is gone.
    pub async fn next(&mut self) -> Option<ChatEvent> {
        loop {
            match self.events.recv().await {
                Ok(event) if event.is_for(&self.username) => return Some(event),
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(account = %self.username, missed, "a live event subscriber fell behind; events were dropped");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

impl Core {
    /// Subscribes `who` to the live events of its conversations.
    pub fn watch_chats(&self, who: &SignedIn) -> ChatWatch {
        ChatWatch {
            username: who.username().to_owned(),
            events: self.bus.subscribe_chat(),
        }
    }
}
