//! [`ChatStore`] on postgres.

use async_trait::async_trait;
use coffer_core::store::ChatStore;

use super::PgStore;

#[async_trait]
impl ChatStore for PgStore {}
