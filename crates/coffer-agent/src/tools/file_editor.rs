//! The `file_editor` tool: `view` (a file with line numbers, or a directory two levels
//! deep), `create`, `str_replace` and `insert`, on paths inside the working directory.
//! A path is resolved (symlinks included) before use; one that lands outside the working
//! directory is refused. Messages follow the original's wording where it has one.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

/// Runs one call; `Ok` is the text for the model, `Err` an error for the model.
pub async fn run(args: &Value, root: &Path, output_limit: usize) -> Result<String, String> {
    let command = string(args, "command")?;
    let path = string(args, "path")?;
    let root = tokio::fs::canonicalize(root)
        .await
        .map_err(|e| format!("The working directory is not available: {e}"))?;
    let target = resolve(&root, &path).await?;
    let shown = target.display().to_string();
    let text = match command.as_str() {
        "view" => view(&target, args, output_limit).await?,
        "create" => {
            let text = string(args, "file_text")?;
            if tokio::fs::try_exists(&target).await.unwrap_or(false) {
                return Err(format!(
                    "File already exists at: {shown}. Cannot overwrite files using command `create`."
                ));
            }
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(io(&shown))?;
            }
            tokio::fs::write(&target, text).await.map_err(io(&shown))?;
            format!("File created successfully at: {shown}")
        }
        "str_replace" => {
            let old = string(args, "old_str")?;
            let new = args.get("new_str").and_then(Value::as_str).unwrap_or("");
            let content = read(&target, &shown).await?;
            match content.matches(old.as_str()).count() {
                0 => {
                    return Err(format!(
                        "No replacement was performed, old_str `{old}` did not appear verbatim in {shown}."
                    ));
                }
                1 => {}
                n => {
                    return Err(format!(
                        "No replacement was performed. Multiple occurrences ({n}) of old_str `{old}` in {shown}. Please ensure it is unique."
                    ));
                }
            }
            let edited = content.replacen(old.as_str(), new, 1);
            tokio::fs::write(&target, edited)
                .await
                .map_err(io(&shown))?;
            format!("The file {shown} has been edited.")
        }
        "insert" => {
            let line = args
                .get("insert_line")
                .and_then(Value::as_u64)
                .ok_or("Parameter `insert_line` is required for command: insert.")?
                as usize;
            let new = string(args, "new_str")?;
            let content = read(&target, &shown).await?;
            let mut lines: Vec<&str> = content.lines().collect();
            if line > lines.len() {
                return Err(format!(
                    "Invalid `insert_line` parameter: {line}. It should be within the range of lines of the file: [0, {}]",
                    lines.len()
                ));
            }
            lines.splice(line..line, new.lines());
            let mut edited = lines.join("\n");
            if content.ends_with('\n') || content.is_empty() {
                edited.push('\n');
            }
            tokio::fs::write(&target, edited)
                .await
                .map_err(io(&shown))?;
            format!("The file {shown} has been edited.")
        }
        other => {
            return Err(format!(
                "Unrecognized command {other}. The allowed commands for the file_editor tool are: `view`, `create`, `str_replace`, `insert`."
            ));
        }
    };
    Ok(text)
}

fn string(args: &Value, key: &str) -> Result<String, String> {
    args.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("Parameter `{key}` is required and must be a string."))
}

fn io(shown: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("Cannot access {shown}: {e}")
}

async fn read(target: &Path, shown: &str) -> Result<String, String> {
    tokio::fs::read_to_string(target).await.map_err(io(shown))
}

/// `path` (absolute, or relative to `root`) resolved through the deepest existing
/// ancestor; an error when it leaves `root` or climbs with `..` past what exists.
async fn resolve(root: &Path, path: &str) -> Result<PathBuf, String> {
    let outside = || {
        format!(
            "The path {path} is outside the working directory {}; the file editor only works inside it.",
            root.display()
        )
    };
    let joined = root.join(path);
    let mut existing = joined.as_path();
    let mut rest = Vec::new();
    let base = loop {
        match tokio::fs::canonicalize(existing).await {
            Ok(real) => break real,
            Err(_) => {
                let name = existing.file_name().ok_or_else(outside)?;
                rest.push(name.to_owned());
                existing = existing.parent().ok_or_else(outside)?;
            }
        }
    };
    if rest
        .iter()
        .any(|c| matches!(Path::new(c).components().next(), Some(Component::ParentDir)))
    {
        return Err(outside());
    }
    let resolved = rest.iter().rev().fold(base, |acc, c| acc.join(c));
    if resolved.starts_with(root) {
        Ok(resolved)
    } else {
        Err(outside())
    }
}

async fn view(target: &Path, args: &Value, limit: usize) -> Result<String, String> {
    let shown = target.display().to_string();
    let meta = tokio::fs::metadata(target)
        .await
        .map_err(|_| format!("The path {shown} does not exist. Please provide a valid path."))?;
    let text = if meta.is_dir() {
        let mut entries = Vec::new();
        list(target, target, 2, &mut entries).await;
        entries.sort();
        format!(
            "Here are the files and directories up to 2 levels deep in {shown}, excluding hidden items:\n{shown}/\n{}",
            entries.join("\n")
        )
    } else {
        let content = read(target, &shown).await?;
        let lines: Vec<&str> = content.lines().collect();
        let (start, end) = match args.get("view_range").and_then(Value::as_array) {
            Some(range) if range.len() == 2 => {
                let start = range[0].as_i64().unwrap_or(1).max(1) as usize;
                let end = match range[1].as_i64() {
                    Some(-1) | None => lines.len(),
                    Some(e) => (e.max(0) as usize).min(lines.len()),
                };
                (start, end)
            }
            _ => (1, lines.len()),
        };
        let numbered: Vec<String> = lines
            .iter()
            .enumerate()
            .skip(start - 1)
            .take(end.saturating_sub(start - 1))
            .map(|(i, l)| format!("{:6}\t{l}", i + 1))
            .collect();
        format!(
            "Here's the result of running `cat -n` on {shown}:\n{}",
            numbered.join("\n")
        )
    };
    Ok(cap(text, limit))
}

fn list<'a>(
    root: &'a Path,
    dir: &'a Path,
    depth: usize,
    out: &'a mut Vec<String>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        let Ok(mut read) = tokio::fs::read_dir(dir).await else {
            return;
        };
        while let Ok(Some(entry)) = read.next_entry().await {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let is_dir = entry.file_type().await.is_ok_and(|t| t.is_dir());
            out.push(if is_dir {
                format!("{relative}/")
            } else {
                relative
            });
            if is_dir && depth > 1 {
                list(root, &path, depth - 1, out).await;
            }
        }
    })
}

fn cap(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let dropped = text.len() - cut;
        text.truncate(cut);
        text.push_str(&format!(
            "\n[... output truncated: {dropped} more bytes not shown ...]"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn call(root: &Path, args: Value) -> Result<String, String> {
        run(&args, root, 10_000).await
    }

    #[tokio::test]
    async fn create_view_replace_insert() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let created = call(
            root,
            json!({"command": "create", "path": "a/b.txt", "file_text": "one\ntwo\n"}),
        )
        .await
        .unwrap();
        assert!(created.starts_with("File created successfully at: "));
        assert!(
            call(
                root,
                json!({"command": "create", "path": "a/b.txt", "file_text": "x"})
            )
            .await
            .unwrap_err()
            .contains("already exists")
        );
        let path = root.join("a/b.txt").display().to_string();
        call(
            root,
            json!({"command": "str_replace", "path": path, "old_str": "two", "new_str": "2"}),
        )
        .await
        .unwrap();
        call(root, json!({"command": "insert", "path": "a/b.txt", "insert_line": 1, "new_str": "one-and-a-half"})).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("a/b.txt")).unwrap(),
            "one\none-and-a-half\n2\n"
        );
        let viewed = call(
            root,
            json!({"command": "view", "path": "a/b.txt", "view_range": [2, -1]}),
        )
        .await
        .unwrap();
        assert!(
            viewed.ends_with("     2\tone-and-a-half\n     3\t2"),
            "{viewed}"
        );
        let listing = call(root, json!({"command": "view", "path": "."}))
            .await
            .unwrap();
        assert!(listing.contains("\na/\na/b.txt"), "{listing}");
        let missing = call(
            root,
            json!({"command": "str_replace", "path": "a/b.txt", "old_str": "zzz"}),
        )
        .await;
        assert!(missing.unwrap_err().contains("did not appear verbatim"));
        let e = call(
            root,
            json!({"command": "insert", "path": "a/b.txt", "insert_line": 99, "new_str": "x"}),
        )
        .await;
        assert!(e.unwrap_err().contains("Invalid `insert_line`"));
    }

    #[tokio::test]
    async fn paths_outside_the_working_dir_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path(), d.path().join("link")).unwrap();
        for path in [
            "/etc/passwd".to_owned(),
            "../x".to_owned(),
            "new/../../x".to_owned(),
            "link/secret.txt".to_owned(),
            outside.path().join("secret.txt").display().to_string(),
        ] {
            for args in [
                json!({"command": "view", "path": path}),
                json!({"command": "create", "path": path, "file_text": "x"}),
            ] {
                let e = call(d.path(), args).await.unwrap_err();
                assert!(e.contains("outside the working directory"), "{path}: {e}");
            }
        }
        assert_eq!(
            std::fs::read_to_string(outside.path().join("secret.txt")).unwrap(),
            "s"
        );
    }
}
