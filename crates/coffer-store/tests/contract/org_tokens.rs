//! Contract cases for org tokens: stored as digests, found while live, revoked by their
//! prefix (refused when the prefix is ambiguous or unknown), touched, listed.

use coffer_core::domain::{OrgTokenName, TokenDigest};
use coffer_core::event::{EventKind, NewEvent};
use coffer_core::store::{OrgTokenRevocation, Store};

use crate::fixtures::ACTOR;

fn digest(token: &str) -> TokenDigest {
    TokenDigest::of(token)
}

pub async fn org_tokens_are_found_and_revoked_by_prefix(store: &dyn Store) {
    let event = |kind| NewEvent {
        kind,
        scope: "org".to_owned(),
        name: "p".to_owned(),
        actor: ACTOR.to_owned(),
        at_ms: 1,
    };
    let ci = OrgTokenName::parse("ci").unwrap();
    let (created, _) = store
        .insert_org_token(
            &ci,
            &digest("AAAAAAAA-one"),
            10,
            event(EventKind::OrgTokenCreated),
        )
        .await
        .unwrap();
    assert_eq!(
        (created.name.as_str(), created.prefix.as_str()),
        ("ci", "AAAAAAAA")
    );
    store
        .insert_org_token(
            &ci,
            &digest("AAAAAAAA-two"),
            11,
            event(EventKind::OrgTokenCreated),
        )
        .await
        .unwrap();
    store
        .insert_org_token(
            &ci,
            &digest("BBBBBBBB-three"),
            12,
            event(EventKind::OrgTokenCreated),
        )
        .await
        .unwrap();
    let found = store
        .find_live_org_token(&digest("AAAAAAAA-two").hash)
        .await
        .unwrap();
    assert_eq!(found.map(|t| t.created_at_ms), Some(11));

    let revoke = |prefix: &'static str| {
        store.revoke_org_token(prefix, 20, event(EventKind::OrgTokenRevoked))
    };
    assert_eq!(
        revoke("AAAAAAAA").await.unwrap(),
        OrgTokenRevocation::Ambiguous
    );
    assert_eq!(
        revoke("CCCCCCCC").await.unwrap(),
        OrgTokenRevocation::NotFound
    );
    match revoke("BBBBBBBB").await.unwrap() {
        OrgTokenRevocation::Revoked(token, event) => {
            assert_eq!(
                (token.revoked_at_ms, event.kind),
                (Some(20), EventKind::OrgTokenRevoked)
            );
        }
        other => panic!("expected a revocation, got {other:?}"),
    }
    assert!(
        store
            .find_live_org_token(&digest("BBBBBBBB-three").hash)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        revoke("BBBBBBBB").await.unwrap(),
        OrgTokenRevocation::NotFound
    );
    store
        .touch_org_token(&digest("AAAAAAAA-one").hash, 99)
        .await
        .unwrap();
    let listed = store.list_org_tokens().await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0].last_used_at_ms, Some(99));
    assert_eq!(listed[2].revoked_at_ms, Some(20));
}

store_contract!(org_tokens_are_found_and_revoked_by_prefix);
