//! Which agents answer a message: the dispatch table of the Mafold docs ("Agent
//! dispatch"), evaluated for every agent participant of the conversation once the
//! message is stored.
//!
//! | sender | condition                                      | fires |
//! |--------|------------------------------------------------|-------|
//! | human  | the agent is @mentioned                        | yes   |
//! | human  | the agent is `always_on` in this room          | yes   |
//! | human  | the agent has no setting (legacy room / DM)    | yes   |
//! | human  | mention-only (`always_on=false`), not mentioned| no    |
//! | agent  | the agent is @mentioned                        | yes   |
//! | agent  | not mentioned                                  | no ("prevents loops") |
//!
//! An agent never answers its own message, and each agent fires at most once per
//! message (however often it is mentioned).

use super::account::Account;
use super::mention::mentions;

/// An agent's dispatch setting in one room: `None` when it has none (a DM, or an agent
/// that joined with the conversation rather than through `addGroupAgent`).
pub type AlwaysOn = Option<bool>;

/// The table above for one agent.
pub fn fires(sender_is_agent: bool, mentioned: bool, setting: AlwaysOn) -> bool {
    if mentioned {
        return true;
    }
    !sender_is_agent && setting != Some(false)
}

/// The agents among `agents` (participants with their setting) that answer `text` sent
/// by `sender`, in the order given, each once, never the sender itself.
pub fn agents_to_fire<'a>(
    sender: &Account,
    text: &str,
    agents: &'a [(Account, AlwaysOn)],
) -> Vec<&'a Account> {
    let mentioned = mentions(text);
    let mut chosen: Vec<&Account> = Vec::new();
    for (agent, setting) in agents {
        let is_sender = agent.username.eq_ignore_ascii_case(&sender.username);
        let already = chosen.iter().any(|a| a.username == agent.username);
        if !agent.is_agent() || is_sender || already {
            continue;
        }
        let named = mentioned
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&agent.username));
        if fires(sender.is_agent(), named, *setting) {
            chosen.push(agent);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{AccountKind, Provider};

    fn human(name: &str) -> Account {
        Account {
            username: name.into(),
            display_name: name.into(),
            kind: AccountKind::Human,
            avatar_url: None,
            bio: None,
            parent_username: None,
            agent_provider: None,
        }
    }

    fn agent(name: &str) -> Account {
        let parent = name.split_once(':').map(|(owner, _)| owner.to_owned());
        Account {
            kind: AccountKind::Agent,
            parent_username: parent,
            agent_provider: Some(Provider::Claude),
            ..human(name)
        }
    }

    fn fired(sender: &Account, text: &str, agents: &[(Account, AlwaysOn)]) -> Vec<String> {
        agents_to_fire(sender, text, agents)
            .into_iter()
            .map(|a| a.username.clone())
            .collect()
    }

    #[test]
    fn every_row_of_the_table() {
        // Human sender.
        assert!(fires(false, true, Some(false)), "mentioned, mention-only");
        assert!(fires(false, true, Some(true)), "mentioned, always-on");
        assert!(fires(false, true, None), "mentioned, no setting");
        assert!(fires(false, false, Some(true)), "always-on");
        assert!(fires(false, false, None), "no setting (legacy / DM)");
        assert!(
            !fires(false, false, Some(false)),
            "mention-only, not mentioned"
        );
        // Agent sender.
        assert!(
            fires(true, true, Some(false)),
            "agent mentions a mention-only agent"
        );
        assert!(
            fires(true, true, None),
            "agent mentions an agent with no setting"
        );
        assert!(
            !fires(true, false, Some(true)),
            "agents do not wake always-on agents"
        );
        assert!(
            !fires(true, false, None),
            "agents do not wake legacy agents"
        );
    }

    #[test]
    fn a_human_message_with_no_mention_fires_only_always_on_and_legacy_agents() {
        let room = [
            (agent("ops:claude"), Some(false)),
            (agent("ops:deepseek"), Some(true)),
            (agent("claude"), None),
        ];
        assert_eq!(
            fired(&human("ops"), "hello all", &room),
            ["ops:deepseek", "claude"]
        );
    }

    #[test]
    fn a_mention_fires_a_mention_only_agent_once() {
        let room = [
            (agent("ops:claude"), Some(false)),
            (agent("ops:deepseek"), Some(false)),
        ];
        let text = "@ops:claude look, @OPS:CLAUDE again";
        assert_eq!(fired(&human("ops"), text, &room), ["ops:claude"]);
    }

    #[test]
    fn an_agent_message_fires_only_the_agents_it_mentions_and_never_itself() {
        let room = [
            (agent("ops:claude"), Some(true)),
            (agent("ops:deepseek"), Some(false)),
            (agent("claude"), None),
        ];
        let sender = agent("ops:claude");
        assert_eq!(fired(&sender, "no mention", &room), Vec::<String>::new());
        assert_eq!(
            fired(&sender, "@ops:claude and @ops:deepseek", &room),
            ["ops:deepseek"]
        );
    }

    #[test]
    fn humans_in_the_list_are_never_dispatched() {
        let room = [(human("bob"), None)];
        assert!(fired(&human("ops"), "@bob", &room).is_empty());
    }
}
