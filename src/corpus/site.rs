//! How a folder of pages is read: which rules it follows, what its pages are called, and
//! where they live on the web.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::named::from_name_table;

/// The file in a corpus folder that names its profile (`profile = "concepts"`).
pub const CONFIG_FILE: &str = "landscape.toml";

/// Which rules a corpus follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Any site as it is: front matter optional, ids from paths, any headings, unknown fields
    /// kept as metadata. The concept fields add answers where a page has them.
    #[default]
    Site,
    /// The concept format of the built-in corpus: every page has front matter with an `id`
    /// equal to its file name and only the concept fields, and the fixed `##` sections.
    /// `landscape check` adds the house rules (section lengths, parents named in the text,
    /// documented roots, spec coverage).
    Concepts,
    /// A collection of documents for evaluation (a BEIR dataset: each document one untitled
    /// section). Never read from a folder; it only selects the ranking defaults.
    Documents,
}

from_name_table!(
    Profile,
    "profile",
    &[("site", Profile::Site), ("concepts", Profile::Concepts)]
);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profile: Option<String>,
}

impl Profile {
    /// The profile `dir/landscape.toml` names; [`Profile::Site`] without the file.
    pub fn of_folder(dir: &Path) -> Result<Profile, String> {
        let path = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profile::Site),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let config: ConfigFile =
            toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
        match config.profile {
            None => Ok(Profile::Site),
            Some(name) => name.parse().map_err(|e| format!("{}: {e}", path.display())),
        }
    }
}

/// Settings of a site that are not in its pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The live site's address (`https://docs.example.org`): pages without a `url` in their
    /// front matter link to it plus their path.
    pub base_url: Option<String>,
}

/// A page's id from its path relative to the corpus folder, by the slug rule site generators
/// use: lower case, the extension dropped, spaces to hyphens, and an `index` or `_index` page
/// named by its folder (`docs/_index.md` → `docs`; the root index is `index`).
pub fn id_from_path(relative: &Path) -> String {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().to_lowercase().replace(' ', "-"))
        .collect();
    if let Some(last) = parts.last_mut() {
        if let Some(dot) = last.rfind('.') {
            last.truncate(dot);
        }
    }
    if parts.len() > 1 && parts.last().is_some_and(|l| l == "index" || l == "_index") {
        parts.pop();
    }
    match parts.as_slice() {
        [only] if only == "_index" => "index".to_string(),
        _ => parts.join("/"),
    }
}

/// Whether `id` can name a page in a URL path: letters, digits, `-`, `_`, `.` and `/`
/// between non-empty parts.
pub fn is_page_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

/// The URL path a generator gives a Markdown page: pretty URLs, one folder per page
/// (`docs/install.md` → `/docs/install/`, the root index → `/`).
pub fn markdown_path(id: &str) -> String {
    if id == "index" {
        "/".to_string()
    } else {
        format!("/{id}/")
    }
}

/// The URL path of a built HTML file: the file itself, with `index.html` as its folder.
pub fn html_path(relative: &Path) -> String {
    let path = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    match path.strip_suffix("index.html") {
        Some(folder) => format!("/{folder}"),
        None => format!("/{path}"),
    }
}

/// `base` joined with a site path, or the path alone when there is no base; a full URL
/// (`https://…`) stays as it is.
pub fn join_url(base: Option<&str>, path: &str) -> String {
    if path.contains("://") {
        return path.to_string();
    }
    match base {
        Some(base) => format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path.trim_start_matches('/')
        ),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_generators() {
        assert_eq!(
            id_from_path(Path::new("docs/Install Guide.md")),
            "docs/install-guide"
        );
        assert_eq!(id_from_path(Path::new("docs/_index.md")), "docs");
        assert_eq!(
            id_from_path(Path::new("docs/install/index.html")),
            "docs/install"
        );
        assert_eq!(id_from_path(Path::new("_index.md")), "index");
        assert_eq!(id_from_path(Path::new("index.html")), "index");
        assert_eq!(id_from_path(Path::new("CHANGELOG.html")), "changelog");
        assert!(is_page_id("docs/install-guide"));
        assert!(!is_page_id("docs//x") && !is_page_id("../x") && !is_page_id("a b"));
    }

    #[test]
    fn urls() {
        assert_eq!(markdown_path("docs/install"), "/docs/install/");
        assert_eq!(
            html_path(Path::new("docs/install/index.html")),
            "/docs/install/"
        );
        assert_eq!(html_path(Path::new("index.html")), "/");
        assert_eq!(html_path(Path::new("docs/faq.html")), "/docs/faq.html");
        assert_eq!(
            join_url(Some("https://x.org/"), "/docs/"),
            "https://x.org/docs/"
        );
        assert_eq!(join_url(None, "/docs/"), "/docs/");
        assert_eq!(
            join_url(Some("https://x.org"), "https://y.org/a"),
            "https://y.org/a"
        );
    }
}
