//! [`ExecutionStatus`]: where a conversation is in its life, and the rules for moving
//! between states (which requests may start, pause or resume a run). The wire names are
//! the OpenHands ones (`idle`, `running`, …); they are also what the store keeps.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecutionStatus {
    /// Created, or given a new message; no run in progress.
    Idle,
    /// A run task is working on it.
    Running,
    /// Stopped between steps on request (or by a restart of coffer); `run` resumes it.
    Paused,
    /// Never produced by coffer (no confirmation mode yet); kept so stored values parse.
    WaitingForConfirmation,
    /// The agent called `finish` or answered without a tool.
    Finished,
    /// The run ended on an error (LLM failure, `max_iterations`, internal error).
    Error,
    /// The agent repeated itself without progress (stuck detection).
    Stuck,
    /// Being deleted.
    Deleting,
}

/// What a request to run a conversation leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStart {
    /// Start a run task (the status becomes `running`).
    Start,
    /// A run is already in progress.
    AlreadyRunning,
    /// Nothing to do: the agent already finished and has no new message (the original
    /// also answers success and does not call the LLM).
    NothingToDo,
}

impl ExecutionStatus {
    pub const ALL: [ExecutionStatus; 8] = [
        Self::Idle,
        Self::Running,
        Self::Paused,
        Self::WaitingForConfirmation,
        Self::Finished,
        Self::Error,
        Self::Stuck,
        Self::Deleting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::WaitingForConfirmation => "waiting_for_confirmation",
            Self::Finished => "finished",
            Self::Error => "error",
            Self::Stuck => "stuck",
            Self::Deleting => "deleting",
        }
    }

    pub fn parse(s: &str) -> Option<ExecutionStatus> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Whether `run` starts a run from this status.
    pub fn run_start(self) -> RunStart {
        match self {
            Self::Running => RunStart::AlreadyRunning,
            Self::Idle
            | Self::Paused
            | Self::Error
            | Self::Stuck
            | Self::WaitingForConfirmation => RunStart::Start,
            Self::Finished | Self::Deleting => RunStart::NothingToDo,
        }
    }

    /// Whether `pause` changes this status to `paused` (only an idle or running
    /// conversation pauses; pausing anything else is a successful no-op, as in the
    /// original).
    pub fn pauses(self) -> bool {
        matches!(self, Self::Idle | Self::Running)
    }

    /// The status after a new user message arrives: a conversation that had ended
    /// becomes idle again so a run answers the new message.
    pub fn after_new_message(self) -> ExecutionStatus {
        match self {
            Self::Finished | Self::Error | Self::Stuck => Self::Idle,
            other => other,
        }
    }

    /// The status a conversation that was `running` comes back with after coffer
    /// restarted: `paused` (its run task is gone; `run` resumes it, and a tool call cut
    /// short is reported to the agent as interrupted).
    pub fn after_restart(self) -> ExecutionStatus {
        match self {
            Self::Running => Self::Paused,
            other => other,
        }
    }
}

/// How many identical tool steps in a row (same call, same result) make a run stuck.
pub const STUCK_REPEATS: usize = 4;

/// Whether the latest step signatures (oldest first) show the agent repeating itself.
pub fn is_stuck(recent_steps: &[String]) -> bool {
    recent_steps.len() >= STUCK_REPEATS
        && recent_steps[recent_steps.len() - STUCK_REPEATS..]
            .windows(2)
            .all(|w| w[0] == w[1])
}

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in ExecutionStatus::ALL {
            assert_eq!(ExecutionStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ExecutionStatus::parse("stopped"), None);
    }

    #[test]
    fn run_and_pause_rules_follow_the_original() {
        use ExecutionStatus::*;
        assert_eq!(Running.run_start(), RunStart::AlreadyRunning);
        for s in [Idle, Paused, Error, Stuck] {
            assert_eq!(s.run_start(), RunStart::Start, "{s}");
        }
        assert_eq!(Finished.run_start(), RunStart::NothingToDo);
        assert!(Idle.pauses() && Running.pauses());
        assert!(!Finished.pauses() && !Paused.pauses() && !Error.pauses());
        assert_eq!(Finished.after_new_message(), Idle);
        assert_eq!(Paused.after_new_message(), Paused);
        assert_eq!(Running.after_restart(), Paused);
        assert_eq!(Finished.after_restart(), Finished);
    }

    #[test]
    fn four_identical_steps_in_a_row_are_stuck() {
        let step = |s: &str| s.to_owned();
        let same = vec![step("a"); 4];
        assert!(is_stuck(&same));
        assert!(!is_stuck(&same[..3]));
        let mut varied = same.clone();
        varied[1] = step("b");
        assert!(!is_stuck(&varied));
        varied.extend(vec![step("c"); 4]);
        assert!(is_stuck(&varied));
    }
}
