//! Key rotation of conversations: their sealed fields and every event body not under the
//! current key are opened with a previous key and sealed again, each row
//! compare-and-set so a concurrent write is never lost. Called by `Core::reseal_all`.

use std::collections::BTreeMap;

use coffer_crypto::reseal;

use super::Core;
use super::conversations_seal::{event_aad, field_aad};
use crate::error::CoreError;

/// Events are re-sealed in pages of this many.
const PAGE: i64 = 500;

impl Core {
    /// Returns (rows re-sealed, values that open under no configured key).
    pub(super) async fn reseal_conversations(&self) -> Result<(usize, usize), CoreError> {
        let keyring = &self.keys.keyring;
        let (mut resealed, mut unreadable) = (0, 0);
        for (id, sealed) in self.store.list_conversation_seals().await? {
            let mut changed = false;
            let mut next = BTreeMap::new();
            for (field, envelope) in &sealed {
                let value = match reseal(keyring, &field_aad(id, field), envelope) {
                    Ok(Some(new)) => {
                        changed = true;
                        new
                    }
                    Ok(None) => envelope.clone(),
                    Err(_) => {
                        unreadable += 1;
                        envelope.clone()
                    }
                };
                next.insert(field.clone(), value);
            }
            if changed && self.store.reseal_conversation(id, &sealed, next).await? {
                resealed += 1;
            }
        }
        let mut after = 0;
        loop {
            let page = self
                .store
                .list_sealed_conversation_events(after, PAGE)
                .await?;
            for row in &page {
                let aad = event_aad(row.conversation_id, row.event_id);
                match reseal(keyring, &aad, &row.sealed) {
                    Ok(Some(new)) => {
                        if self
                            .store
                            .reseal_conversation_event(row.seq, &row.sealed, new)
                            .await?
                        {
                            resealed += 1;
                        }
                    }
                    Ok(None) => {}
                    Err(_) => unreadable += 1,
                }
            }
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => after = last.seq,
                _ => break,
            }
        }
        Ok((resealed, unreadable))
    }
}
