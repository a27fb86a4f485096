//! The dispatch rules (spec §5) end to end: scripted providers speaking the real
//! protocols record every request and the key it carried. Each case of the table, the
//! mention parser's cases, modes applying from the next message, agents answering agents
//! only when mentioned (never themselves), and each fork running on its owner's key.

use std::collections::BTreeSet;

use coffer_llm::scripted::{Recorded, Reply};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::Backend;
use crate::mafold_helpers::{WAIT, agent_replies, chat, human, ok, send, spawn};

fn reply_to(replies: &[Value]) -> Vec<(String, String)> {
    replies
        .iter()
        .map(|r| {
            (
                r["sender"]["username"].as_str().unwrap().to_owned(),
                r["reply_to_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The agent a request was made for (the system prompt names it).
fn agent_of(r: &Recorded) -> String {
    let system = r.body["system"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            r.body["messages"][0]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        });
    let start = system.find("(@").expect("handle in the prompt") + 2;
    system[start..start + system[start..].find(')').unwrap()].to_owned()
}

async fn set_key(app: &crate::helpers::TestApp, token: &str, provider: &str, key: &str) {
    ok(
        app,
        token,
        "setAgentKey",
        json!({"provider": provider, "api_key": key}),
    )
    .await;
}

async fn humans_wake_always_on_and_mentioned_agents_and_modes_apply_from_the_next_message(
    backend: Backend,
) {
    let Some((app, providers)) = spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    human(&app, "bob").await;
    human(&app, "cy").await;
    set_key(&app, &ops, "claude", "sk-ops-claude-1111").await;
    set_key(&app, &ops, "deepseek", "sk-ops-deep-2222").await;
    let group = chat(&app, &ops, &["bob", "cy"]).await;
    ok(
        &app,
        &ops,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ops:claude", "always_on": false}),
    )
    .await;
    ok(
        &app,
        &ops,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ops:deepseek", "always_on": true}),
    )
    .await;

    let plain = send(&app, &ops, &group, "hello all").await;
    let replies = agent_replies(&app, &ops, &group, 1).await;
    assert_eq!(
        reply_to(&replies),
        [("ops:deepseek".into(), plain["id"].as_str().unwrap().into())]
    );
    assert_eq!(replies[0]["content"], "Hello there");
    let seen = providers.deepseek.wait_for(1, WAIT).await;
    assert_eq!(seen[0].api_key(), Some("sk-ops-deep-2222"));
    assert_eq!(seen[0].last_message(), "@ops: hello all");

    let mention = send(&app, &ops, &group, "@ops:claude can you help").await;
    let replies = agent_replies(&app, &ops, &group, 3).await;
    let answered: BTreeSet<(String, String)> = reply_to(&replies[1..]).into_iter().collect();
    let m = mention["id"].as_str().unwrap().to_owned();
    assert_eq!(
        answered,
        BTreeSet::from([("ops:claude".into(), m.clone()), ("ops:deepseek".into(), m)])
    );
    assert_eq!(
        providers.claude.wait_for(1, WAIT).await[0].api_key(),
        Some("sk-ops-claude-1111")
    );

    // The new mode applies from the next message on.
    ok(
        &app,
        &ops,
        "setGroupAgentMode",
        json!({"chat_id": group, "agent_username": "ops:deepseek", "always_on": false}),
    )
    .await;
    ok(
        &app,
        &ops,
        "setGroupAgentMode",
        json!({"chat_id": group, "agent_username": "ops:claude", "always_on": true}),
    )
    .await;
    let quiet = send(&app, &ops, &group, "who answers now?").await;
    let replies = agent_replies(&app, &ops, &group, 4).await;
    assert_eq!(
        reply_to(&replies[3..]),
        [("ops:claude".into(), quiet["id"].as_str().unwrap().into())]
    );
    let sentinel = send(&app, &ops, &group, "@ops:deepseek last one").await;
    let replies = agent_replies(&app, &ops, &group, 6).await;
    let last: BTreeSet<String> = reply_to(&replies[4..])
        .into_iter()
        .map(|(who, to)| {
            assert_eq!(to, sentinel["id"].as_str().unwrap());
            who
        })
        .collect();
    assert_eq!(
        last,
        BTreeSet::from(["ops:claude".into(), "ops:deepseek".into()])
    );
    assert_eq!(
        providers.requests(),
        6,
        "exactly one provider call per reply"
    );
    app.stop().await;
}

async fn agents_answer_agents_only_when_mentioned_and_never_themselves(backend: Backend) {
    let Some((app, providers)) = spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let bob = human(&app, "bob").await;
    human(&app, "cy").await;
    set_key(&app, &ops, "claude", "sk-ops-claude-1111").await;
    set_key(&app, &ops, "deepseek", "sk-ops-deep-2222").await;
    set_key(&app, &bob, "claude", "sk-bob-claude-3333").await;
    // DeepSeek passes the question on; ops:claude names itself (which must not wake it).
    providers
        .deepseek
        .respond_with(|_| Reply::text(&["over to ", "@ops:claude"]));
    let group = chat(&app, &ops, &["bob", "cy"]).await;
    ok(
        &app,
        &ops,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ops:claude", "always_on": false}),
    )
    .await;
    ok(
        &app,
        &ops,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ops:deepseek", "always_on": false}),
    )
    .await;
    ok(
        &app,
        &bob,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "bob:claude", "always_on": true}),
    )
    .await;
    providers
        .claude
        .respond_with(|r| match agent_of(r).as_str() {
            "ops:claude" => Reply::text(&["I am @ops:claude", " and so is @OPS:claude"]),
            _ => Reply::text(&["bob's claude here"]),
        });

    let asked = send(&app, &ops, &group, "@ops:deepseek relay please").await;
    // ops:deepseek (mentioned) and bob:claude (always on) answer the person; then
    // ops:claude answers ops:deepseek's reply, which mentions it; bob:claude, although
    // always on, does not answer an agent.
    let replies = agent_replies(&app, &ops, &group, 3).await;
    let by: Vec<(String, String)> = reply_to(&replies);
    let deepseek_reply = replies
        .iter()
        .find(|r| r["sender"]["username"] == "ops:deepseek")
        .unwrap();
    assert_eq!(deepseek_reply["content"], "over to @ops:claude");
    let expected: BTreeSet<(String, String)> = BTreeSet::from([
        ("ops:deepseek".into(), asked["id"].as_str().unwrap().into()),
        ("bob:claude".into(), asked["id"].as_str().unwrap().into()),
        (
            "ops:claude".into(),
            deepseek_reply["id"].as_str().unwrap().into(),
        ),
    ]);
    assert_eq!(by.into_iter().collect::<BTreeSet<_>>(), expected);

    // A person's message afterwards: only bob:claude (always on) answers it; ops:claude
    // never answered its own self-mention.
    let sentinel = send(&app, &bob, &group, "thanks").await;
    let replies = agent_replies(&app, &ops, &group, 4).await;
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert_eq!(
        reply_to(&replies[3..]),
        [("bob:claude".into(), sentinel["id"].as_str().unwrap().into())]
    );
    let claude_calls = providers.claude.requests();
    assert_eq!(claude_calls.len(), 3);
    for call in &claude_calls {
        let expected = if agent_of(call) == "ops:claude" {
            "sk-ops-claude-1111"
        } else {
            "sk-bob-claude-3333"
        };
        assert_eq!(call.api_key(), Some(expected), "{}", agent_of(call));
    }
    app.stop().await;
}

async fn two_humans_in_a_group_each_fork_runs_on_its_owners_key(backend: Backend) {
    let Some((app, providers)) = spawn(backend).await else {
        return;
    };
    let ann = human(&app, "ann").await;
    let bob = human(&app, "bob").await;
    human(&app, "cy").await;
    for (token, who) in [(&ann, "ann"), (&bob, "bob")] {
        set_key(&app, token, "claude", &format!("sk-{who}-claude-key")).await;
        set_key(&app, token, "deepseek", &format!("sk-{who}-deepseek-key")).await;
    }
    let group = chat(&app, &ann, &["bob", "cy"]).await;
    for (token, fork) in [
        (&ann, "ann:claude"),
        (&ann, "ann:deepseek"),
        (&bob, "bob:claude"),
        (&bob, "bob:deepseek"),
    ] {
        ok(
            &app,
            token,
            "addGroupAgent",
            json!({"chat_id": group, "agent_username": fork, "always_on": true}),
        )
        .await;
    }
    send(&app, &bob, &group, "everyone, say hi").await;
    let replies = agent_replies(&app, &ann, &group, 4).await;
    assert_eq!(replies.len(), 4);
    for (provider, calls) in [
        ("claude", providers.claude.wait_for(2, WAIT).await),
        ("deepseek", providers.deepseek.wait_for(2, WAIT).await),
    ] {
        assert_eq!(calls.len(), 2);
        for call in calls {
            let agent = agent_of(&call);
            let owner = agent.split(':').next().unwrap();
            assert_eq!(
                call.api_key(),
                Some(format!("sk-{owner}-{provider}-key").as_str()),
                "{agent}"
            );
        }
    }
    app.stop().await;
}

async fn direct_chats_and_agents_without_a_setting_answer_every_human_message(backend: Backend) {
    let Some((app, providers)) = spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    human(&app, "bob").await;
    set_key(&app, &ops, "claude", "sk-ops-claude-1111").await;
    set_key(&app, &ops, "deepseek", "sk-ops-deep-2222").await;
    let dm = chat(&app, &ops, &["ops:claude"]).await;
    let hi = send(&app, &ops, &dm, "hi, no mention").await;
    let replies = agent_replies(&app, &ops, &dm, 1).await;
    assert_eq!(
        reply_to(&replies),
        [("ops:claude".into(), hi["id"].as_str().unwrap().into())]
    );
    // A group the agent joined with (no setting): it answers without a mention.
    let group = chat(&app, &ops, &["bob", "ops:deepseek"]).await;
    let q = send(&app, &ops, &group, "anyone?").await;
    let replies = agent_replies(&app, &ops, &group, 1).await;
    assert_eq!(
        reply_to(&replies),
        [("ops:deepseek".into(), q["id"].as_str().unwrap().into())]
    );
    assert_eq!(providers.requests(), 2);
    app.stop().await;
}

/// The CLI's `mention_matching` cases, each sent by a person to a group where `ops:claude`
/// is mention-only.
async fn the_mention_cases_fire_exactly_as_the_spec_lists(backend: Backend) {
    let Some((app, providers)) = spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let bob = human(&app, "bob").await;
    human(&app, "cy").await;
    set_key(&app, &ops, "claude", "sk-ops-claude-1111").await;
    let group = chat(&app, &ops, &["bob", "cy"]).await;
    ok(
        &app,
        &ops,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ops:claude", "always_on": false}),
    )
    .await;
    let fires = [
        "hey @ops:claude can you help",
        "@ops:claude",
        "yo @OPS:CLAUDE",
        "a @x then @ops:claude",
        "帮我看看@ops:claude",
        "看看这个bug，@ops:claude",
        "(@ops:claude)",
        "cc @ops:claude, 看下",
    ];
    let silent = [
        "mail me at a@ops:claude.com",
        "ping @claude",
        "no mention here",
        "@opsclaudex",
    ];
    let mut expected = BTreeSet::new();
    for text in fires {
        expected.insert(
            send(&app, &bob, &group, text).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for text in silent {
        send(&app, &bob, &group, text).await;
    }
    agent_replies(&app, &ops, &group, fires.len()).await;
    // One more firing message: once its reply is in, any reply a silent case had set off
    // (dispatched earlier) would be too.
    let sentinel = send(&app, &bob, &group, "@ops:claude sentinel").await;
    expected.insert(sentinel["id"].as_str().unwrap().to_owned());
    let replies = agent_replies(&app, &ops, &group, fires.len() + 1).await;
    let answered: BTreeSet<String> = reply_to(&replies).into_iter().map(|(_, to)| to).collect();
    assert_eq!(answered, expected);
    assert_eq!(replies.len(), fires.len() + 1);
    assert_eq!(providers.claude.requests().len(), fires.len() + 1);
    app.stop().await;
}

both_backends!(
    humans_wake_always_on_and_mentioned_agents_and_modes_apply_from_the_next_message,
    agents_answer_agents_only_when_mentioned_and_never_themselves,
    two_humans_in_a_group_each_fork_runs_on_its_owners_key,
    direct_chats_and_agents_without_a_setting_answer_every_human_message,
    the_mention_cases_fire_exactly_as_the_spec_lists,
);
