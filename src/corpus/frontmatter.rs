//! Front matter as site generators write it: YAML between `---` lines (Jekyll, Docusaurus,
//! MkDocs, Astro, Hugo), TOML between `+++` lines (Hugo, Zola), or none at all.
//!
//! Both are read into one JSON-like map, so that the rest of the reader does not care which
//! syntax a page used, and so that fields landscape does not know travel with the page as its
//! metadata. TOML dates become their RFC 3339 text.

use std::path::Path;

use serde_json::{Map, Value};

use super::Problem;

/// A page's text split into its front matter and body.
#[derive(Debug)]
pub(super) struct Split<'a> {
    pub fields: Map<String, Value>,
    /// Whether the page had front matter at all.
    pub present: bool,
    /// The front matter's own lines, to locate fields in problems.
    pub lines: Vec<&'a str>,
    pub body: String,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
}

impl Split<'_> {
    /// The 1-based line of the first front matter line containing `needle` (line 2, the first
    /// field, when none does).
    pub fn field_line(&self, needle: &str) -> usize {
        self.lines
            .iter()
            .position(|l| l.contains(needle))
            .map(|i| i + 2)
            .unwrap_or(2)
    }

    /// The `# root: reason` comment of a concept page's YAML front matter.
    pub fn root_reason(&self) -> Option<String> {
        self.lines.iter().find_map(|l| {
            l.trim()
                .strip_prefix("# root:")
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
        })
    }
}

/// Splits `text` at its front matter. A page without a `---` or `+++` first line has none;
/// one that opens front matter without closing it, or whose front matter does not parse, is a
/// problem at the line where it went wrong.
pub(super) fn split<'a>(file: &Path, text: &'a str) -> Result<Split<'a>, Problem> {
    let problem = |line: usize, message: String| Problem {
        file: file.to_path_buf(),
        line,
        message,
    };
    // A byte-order mark would hide the opening fence.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let fence = match lines.first().map(|l| l.trim_end()) {
        Some("---") => "---",
        Some("+++") => "+++",
        _ => {
            return Ok(Split {
                fields: Map::new(),
                present: false,
                lines: Vec::new(),
                body: text.to_string(),
                body_line: 1,
            })
        }
    };
    let Some(close) = lines.iter().skip(1).position(|l| l.trim_end() == fence) else {
        return Err(problem(
            1,
            format!("front matter is not closed: no second `{fence}` line"),
        ));
    };
    let inner = &lines[1..=close];
    let source = inner.join("\n");
    // A parser that ran off the end reports the line after the last; point at the last.
    let located = |(line, m): (usize, String)| {
        problem(
            line.clamp(1, inner.len().max(1)) + 1,
            format!("front matter: {m}"),
        )
    };
    let fields = if fence == "---" {
        yaml(&source).map_err(located)?
    } else {
        toml_fields(&source).map_err(located)?
    };
    Ok(Split {
        fields,
        present: true,
        lines: inner.to_vec(),
        body: lines[close + 2..].join("\n"),
        body_line: close + 3,
    })
}

/// YAML front matter as a map; errors as (line within the front matter, message).
fn yaml(source: &str) -> Result<Map<String, Value>, (usize, String)> {
    let value: Value = serde_yaml_ng::from_str(source).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(1);
        (line, e.to_string())
    })?;
    match value {
        Value::Object(map) => Ok(map),
        // `---\n---`: empty front matter.
        Value::Null => Ok(Map::new()),
        other => Err((1, format!("expected fields (`name: value`), found {other}"))),
    }
}

/// TOML front matter as a map; errors as (line within the front matter, message).
fn toml_fields(source: &str) -> Result<Map<String, Value>, (usize, String)> {
    let table: toml::Table = toml::from_str(source).map_err(|e| {
        let line = e
            .span()
            .map(|s| source[..s.start.min(source.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        (line, e.message().to_string())
    })?;
    Ok(table.into_iter().map(|(k, v)| (k, from_toml(v))).collect())
}

fn from_toml(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(from_toml).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, from_toml(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_toml_and_none() {
        let y = split(
            Path::new("a.md"),
            "---\ntitle: A\ntags: [x, y]\n---\nBody\n",
        )
        .unwrap();
        assert!(y.present);
        assert_eq!(y.fields["tags"], serde_json::json!(["x", "y"]));
        assert_eq!(y.body, "Body");
        assert_eq!(y.body_line, 5);
        let t = split(
            Path::new("a.md"),
            "+++\ntitle = \"A\"\ndate = 2024-03-02T10:00:00Z\n+++\n\nBody",
        )
        .unwrap();
        assert_eq!(t.fields["date"], "2024-03-02T10:00:00Z");
        assert_eq!(t.body_line, 5);
        let n = split(Path::new("a.md"), "# Title\nBody").unwrap();
        assert!(!n.present && n.fields.is_empty());
        assert_eq!(n.body, "# Title\nBody");
    }

    #[test]
    fn errors_name_the_line() {
        let e = split(Path::new("a.md"), "+++\ntitle = \"A\"\ntags = [\n+++\n").unwrap_err();
        assert!(e.line >= 3, "{e}");
        let e = split(Path::new("a.md"), "---\ntitle: A\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("not closed"));
        let e = split(Path::new("a.md"), "---\ntitle: A\ntags: [x\n---\n").unwrap_err();
        assert!(e.line >= 3, "{e}");
    }
}
