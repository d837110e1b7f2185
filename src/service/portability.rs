//! Import and export of Markdown files with YAML front matter (`title`, `description`,
//! `tags`, `space`, `slug`). Export writes what import reads, so export → import
//! round-trips; import is idempotent by slug (an existing article is updated only when
//! something differs).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::articles::{self, ArticleInput, UpdateOutcome};
use super::{Actor, blocking, spaces};
use crate::domain::{Slug, Tags};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Largest file import reads; bigger ones are reported and skipped.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One document to import.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportDoc {
    /// Where it came from (for the report).
    pub source: String,
    /// Title (from front matter, else the first `# ` heading, else the file name).
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Space path ("Bürgerbüro/Meldewesen"); empty for the default.
    #[serde(default)]
    pub space: String,
    /// Explicit slug; derived from the title when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Markdown body.
    pub body: String,
}

/// Result of an import run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportReport {
    /// New articles.
    pub created: usize,
    /// Existing articles that changed.
    pub updated: usize,
    /// Existing articles already equal.
    pub unchanged: usize,
    /// Files that could not be imported, with the reason.
    pub failed: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct FrontMatter {
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: TagsField,
    space: Option<String>,
    slug: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum TagsField {
    #[default]
    None,
    List(Vec<String>),
    Text(String),
}

/// Splits `---` front matter from the body and parses it.
pub fn parse_markdown(source: &str, text: &str) -> std::result::Result<ImportDoc, String> {
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n");
    let (fm, body) = match text.strip_prefix("---\n") {
        Some(rest) => match rest.find("\n---\n").map(|i| (i, i + 5)).or_else(|| {
            rest.strip_suffix("\n---")
                .map(|r| (r.len(), rest.len()))
                .or(rest.ends_with("\n---\n").then_some((0, 0)))
        }) {
            Some((end, body_start)) => {
                let fm: FrontMatter = serde_norway::from_str(&rest[..end])
                    .map_err(|e| format!("Front Matter ist kein gültiges YAML: {e}"))?;
                (fm, rest[body_start..].to_owned())
            }
            None => return Err("Front Matter wird nicht mit --- abgeschlossen.".to_owned()),
        },
        None => (FrontMatter::default(), text.clone()),
    };
    let body = body.trim_start_matches('\n').to_owned();
    let title = fm
        .title
        .filter(|t| !t.trim().is_empty())
        .or_else(|| {
            body.lines()
                .find_map(|l| l.strip_prefix("# ").map(str::to_owned))
        })
        .or_else(|| {
            Path::new(source)
                .file_stem()
                .map(|s| s.to_string_lossy().replace(['_', '-'], " "))
        })
        .unwrap_or_default();
    let tags = match fm.tags {
        TagsField::None => Vec::new(),
        TagsField::List(l) => l,
        TagsField::Text(t) => t.split(',').map(str::to_owned).collect(),
    };
    Ok(ImportDoc {
        source: source.to_owned(),
        title,
        description: fm.description.unwrap_or_default(),
        tags,
        space: fm.space.unwrap_or_default(),
        slug: fm.slug,
        body,
    })
}

/// Documents read from a folder, and the files that could not be read (name, reason).
pub type ReadResult = (Vec<ImportDoc>, Vec<(String, String)>);

/// Reads every `.md` file below `dir` (sorted, so runs are reproducible).
pub fn read_dir(dir: &Path) -> std::io::Result<ReadResult> {
    let mut files = Vec::new();
    collect(dir, &mut files, 0)?;
    files.sort();
    let (mut docs, mut failed) = (Vec::new(), Vec::new());
    for f in files {
        let name = f.strip_prefix(dir).unwrap_or(&f).display().to_string();
        if std::fs::metadata(&f)?.len() > MAX_FILE_BYTES {
            failed.push((name, "Datei ist größer als 1 MiB.".to_owned()));
            continue;
        }
        match std::fs::read(&f).map(String::from_utf8) {
            Ok(Ok(text)) => match parse_markdown(&name, &text) {
                Ok(doc) => docs.push(doc),
                Err(e) => failed.push((name, e)),
            },
            Ok(Err(_)) => failed.push((name, "Datei ist nicht UTF-8-kodiert.".to_owned())),
            Err(e) => failed.push((name, e.to_string())),
        }
    }
    Ok((docs, failed))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ty = entry.file_type()?;
        if ty.is_dir() {
            collect(&path, out, depth + 1)?;
        } else if ty.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Imports documents: creates new articles, updates changed ones (matched by slug).
pub async fn import(
    state: &AppState,
    actor: &Actor,
    docs: Vec<ImportDoc>,
    default_space: Option<String>,
) -> ImportReport {
    let mut report = ImportReport::default();
    for doc in docs {
        let source = doc.source.clone();
        match import_one(state, actor, doc, default_space.as_deref()).await {
            Ok(Outcome::Created) => report.created += 1,
            Ok(Outcome::Updated) => report.updated += 1,
            Ok(Outcome::Unchanged) => report.unchanged += 1,
            Err(e) => report.failed.push((source, e.public_message())),
        }
    }
    report
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
}

async fn import_one(
    state: &AppState,
    actor: &Actor,
    doc: ImportDoc,
    default_space: Option<&str>,
) -> Result<Outcome> {
    let slug = match doc.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Slug::parse(s).map_err(|e| AppError::Invalid(e.to_string()))?,
        None => Slug::from_title(&doc.title),
    };
    let store = state.store.clone();
    let space_path = if doc.space.trim().is_empty() {
        default_space.unwrap_or("").to_owned()
    } else {
        doc.space.clone()
    };
    let owner_slug = slug.clone();
    let (space, existing) = blocking(move || {
        let space = spaces::ensure_path(&store, &space_path)?;
        let existing = store
            .slug_owner(owner_slug.as_str())?
            .map(|id| store.article(id))
            .transpose()?
            .flatten();
        Ok((space, existing))
    })
    .await?;
    let input = ArticleInput {
        title: doc.title,
        body: doc.body,
        description: Some(doc.description),
        tags: Some(Tags::new(doc.tags)),
        space: Some(space.id.to_string()),
        summary: format!("Import aus {}", doc.source),
        slug: Some(slug),
    };
    match existing {
        None => {
            articles::create(state, actor, input).await?;
            Ok(Outcome::Created)
        }
        Some(a) => {
            if a.is_deleted() {
                articles::untrash(state, actor, &a.id.to_string()).await?;
            }
            match articles::update(state, actor, a.id, input, a.revision).await? {
                UpdateOutcome::Saved(s) if s.unchanged && !a.is_deleted() => Ok(Outcome::Unchanged),
                UpdateOutcome::Saved(_) => Ok(Outcome::Updated),
                UpdateOutcome::Conflict(_) => {
                    Err(AppError::Conflict("Konflikt beim Import.".to_owned()))
                }
            }
        }
    }
}

#[derive(Serialize)]
struct ExportFrontMatter<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    space: &'a str,
    slug: &'a str,
}

/// One exported file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportFile {
    /// Relative path (`space-slug/…/article-slug.md`).
    pub path: String,
    /// File content.
    pub content: String,
}

/// Every live article as a Markdown file with front matter.
pub async fn export(state: &AppState) -> Result<Vec<ExportFile>> {
    let store = state.store.clone();
    blocking(move || {
        let mut out = Vec::new();
        for a in store
            .all_articles()?
            .into_iter()
            .filter(|a| !a.is_deleted())
        {
            let body = store
                .revision(a.id, a.revision)?
                .map(|r| r.body)
                .unwrap_or_default();
            let (space, ancestors) = spaces::with_ancestors(&store, a.space)?;
            let space_path = spaces::path_of(&store, a.space)?;
            let fm = ExportFrontMatter {
                title: &a.title,
                description: &a.description,
                tags: a.tags.as_slice(),
                space: &space_path,
                slug: a.slug.as_str(),
            };
            let yaml =
                serde_norway::to_string(&fm).map_err(|e| AppError::Internal(e.to_string()))?;
            let dir: Vec<&str> = ancestors
                .iter()
                .chain(std::iter::once(&space))
                .map(|s| s.slug.as_str())
                .collect();
            out.push(ExportFile {
                path: format!("{}/{}.md", dir.join("/"), a.slug),
                content: format!("---\n{yaml}---\n\n{body}"),
            });
        }
        Ok(out)
    })
    .await
}

/// Writes exported files below `dir`.
pub fn write_export(dir: &Path, files: &[ExportFile]) -> std::io::Result<()> {
    for f in files {
        // Paths are built from validated slugs only, so they cannot escape `dir`.
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &f.content)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_parsed() -> Result<(), String> {
        let doc = parse_markdown(
            "hund.md",
            "---\ntitle: 'Hund anmelden'\ndescription: Wie man\ntags: [Tiere, Steuer]\ncategories:\n- Austria\n---\n\n\n## Schritte\n",
        )?;
        assert_eq!(doc.title, "Hund anmelden");
        assert_eq!(doc.tags, ["Tiere", "Steuer"]);
        assert_eq!(doc.body, "## Schritte\n");
        Ok(())
    }

    #[test]
    fn files_without_front_matter_use_the_first_heading() -> Result<(), String> {
        let doc = parse_markdown("x.md", "# Übergabe\nText")?;
        assert_eq!(doc.title, "Übergabe");
        let doc = parse_markdown("dir/pass_verloren.md", "Text")?;
        assert_eq!(doc.title, "pass verloren");
        Ok(())
    }

    #[test]
    fn broken_front_matter_is_reported() {
        assert!(parse_markdown("x.md", "---\ntitle: [\n---\nText").is_err());
        assert!(parse_markdown("x.md", "---\ntitle: a\nText").is_err());
    }
}
