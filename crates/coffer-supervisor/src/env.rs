//! The environment a workspace's process gets. It starts empty: only an allowlist of
//! ordinary variables is copied from coffer's own environment (so `PATH`, `HOME`, the
//! locale… work), never coffer's own secrets (`OH_SECRET_KEY`, `ADMIN_TOKEN`,
//! `COFFER_MASTER_KEY`, `COFFER_DATABASE_URL`, session keys…). Then come the workspace's
//! merged secrets, then `WORKSPACE_ID`.

use std::ffi::OsString;

use coffer_crypto::{ExposeSecret, SecretString};

/// Copied from coffer's environment when set, plus every `LC_*` variable.
pub const INHERITED: [&str; 10] = [
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
];

/// The allowlisted part of `vars` (coffer passes its own environment).
pub fn inherited(vars: impl Iterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    vars.filter(|(name, _)| {
        name.to_str()
            .is_some_and(|n| INHERITED.contains(&n) || n.starts_with("LC_"))
    })
    .collect()
}

/// The full environment of a workspace's process, in the order it is applied (a later
/// entry wins).
pub fn for_workspace(
    base: &[(OsString, OsString)],
    secrets: &[(String, SecretString)],
    workspace_id: &str,
) -> Vec<(OsString, OsString)> {
    let mut env = base.to_vec();
    env.extend(
        secrets
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v.expose_secret()))),
    );
    env.push(("WORKSPACE_ID".into(), workspace_id.into()));
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ordinary_variables_are_inherited() {
        let vars = [
            ("PATH", "/bin"),
            ("LC_ALL", "C"),
            ("OH_SECRET_KEY", "k"),
            ("ADMIN_TOKEN", "t"),
            ("COFFER_DATABASE_URL", "postgres://u:p@h/d"),
            ("HOME", "/root"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let kept: Vec<_> = inherited(vars.into_iter())
            .into_iter()
            .map(|(k, _)| k.into_string().unwrap())
            .collect();
        assert_eq!(kept, ["PATH", "LC_ALL", "HOME"]);
    }

    #[test]
    fn secrets_come_after_the_base_and_the_workspace_id_last() {
        let base = vec![(OsString::from("PATH"), OsString::from("/bin"))];
        let secrets = vec![("API_KEY".to_owned(), SecretString::from("v".to_owned()))];
        let env = for_workspace(&base, &secrets, "w-1");
        let names: Vec<_> = env.iter().map(|(k, _)| k.to_str().unwrap()).collect();
        assert_eq!(names, ["PATH", "API_KEY", "WORKSPACE_ID"]);
    }
}
