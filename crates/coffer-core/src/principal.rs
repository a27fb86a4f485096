//! Who is acting. Each dialect authenticates in its own way and produces a [`Principal`];
//! the core only sees this one model (and records [`Principal::actor`] in events).

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// Authentication is disabled (no session key configured); only allowed on loopback.
    Anonymous,
    /// An OpenHands session key, identified by its position in the configured list.
    SessionKey { index: usize },
    /// coffer itself (start-up re-sealing, CLI maintenance).
    System,
}

impl Principal {
    /// The actor string written into events. Never contains a credential.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".to_owned(),
            Principal::SessionKey { index } => format!("session-key:{index}"),
            Principal::System => "system".to_owned(),
        }
    }
}
