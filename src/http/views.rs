//! View models for the askama templates. Templates get plain, pre-formatted data; links
//! come from the typed helpers in [`urls`], never from string building in templates.

use super::assets::ASSET_VERSION;
use super::i18n::Lang;
use crate::domain::{Article, Space};

/// Typed URL builders for every page.
pub(crate) mod urls {
    use crate::domain::Slug;

    pub(crate) fn article(slug: &Slug) -> String {
        format!("/artikel/{slug}")
    }
    pub(crate) fn edit(slug: &Slug) -> String {
        format!("/artikel/{slug}/bearbeiten")
    }
    pub(crate) fn history(slug: &Slug) -> String {
        format!("/artikel/{slug}/versionen")
    }
    pub(crate) fn revision(slug: &Slug, n: u32) -> String {
        format!("/artikel/{slug}/versionen/{n}")
    }
    pub(crate) fn restore_revision(slug: &Slug, n: u32) -> String {
        format!("/artikel/{slug}/versionen/{n}/wiederherstellen")
    }
    pub(crate) fn diff(slug: &Slug, from: u32, to: u32) -> String {
        format!("/artikel/{slug}/vergleich?von={from}&zu={to}")
    }
    pub(crate) fn trash_article(slug: &Slug) -> String {
        format!("/artikel/{slug}/loeschen")
    }
    pub(crate) fn space(slug: &Slug) -> String {
        format!("/bereiche/{slug}")
    }
    pub(crate) fn new_in_space(space: &Slug) -> String {
        format!("/artikel/neu?bereich={space}")
    }
    pub(crate) fn new_subspace(space: &Slug) -> String {
        format!("/bereiche/neu?eltern={space}")
    }
}

/// Data every page needs: language, CSRF token, current path, page title, notice.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) lang: Lang,
    pub(crate) csrf: String,
    pub(crate) path: String,
    pub(crate) title: String,
    pub(crate) notice: Option<&'static str>,
    pub(crate) asset_version: &'static str,
    /// The logged-in user, for the header (name, links by role).
    pub(crate) user: Option<LayoutUser>,
}

/// What the page header shows about the logged-in user.
#[derive(Debug, Clone)]
pub(crate) struct LayoutUser {
    pub(crate) display_name: String,
    pub(crate) can_write: bool,
    pub(crate) is_manager: bool,
    pub(crate) is_admin: bool,
}

impl LayoutUser {
    pub(crate) fn of(actor: &crate::service::Actor) -> Option<Self> {
        actor.is_authenticated().then(|| LayoutUser {
            display_name: actor.display_name.clone(),
            can_write: actor.may_write(),
            is_manager: actor.has_role(crate::domain::Role::Wissensmanager),
            is_admin: actor.is_admin(),
        })
    }
}

impl Layout {
    pub(crate) fn new(lang: Lang, csrf: String, path: String) -> Self {
        Layout {
            lang,
            csrf,
            path,
            title: String::new(),
            notice: None,
            asset_version: ASSET_VERSION,
            user: None,
        }
    }

    /// Sets the page title (translated key or literal text).
    pub(crate) fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Shows a notice from the `hinweis` query parameter, if it names a known one.
    pub(crate) fn with_notice(mut self, hint: Option<&str>) -> Self {
        self.notice = match hint {
            Some("gespeichert") => Some(self.lang.t("article.saved_notice")),
            Some("zusammengefuehrt") => Some(self.lang.t("article.merged_notice")),
            Some("papierkorb") => Some(self.lang.t("trash.moved_notice")),
            Some("angemeldet") => Some(self.lang.t("auth.logged_in_notice")),
            Some("abgemeldet") => Some(self.lang.t("auth.logged_out_notice")),
            Some("passwort") => Some(self.lang.t("account.password_changed")),
            Some("sitzungen") => Some(self.lang.t("account.sessions_ended")),
            Some("token-widerrufen") => Some(self.lang.t("account.token_revoked")),
            Some("benutzer") => Some(self.lang.t("admin.user_saved")),
            Some("gruppe") => Some(self.lang.t("admin.group_saved")),
            Some("rechte") => Some(self.lang.t("acl.saved")),
            Some("einstellungen") => Some(self.lang.t("admin.settings_saved")),
            _ => None,
        };
        self
    }

    /// Translates a UI key.
    pub(crate) fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// Formats a timestamp.
    pub(crate) fn when(&self, ms: &i64) -> String {
        self.lang.datetime(*ms)
    }

    /// URL of the language switch, returning to the current page.
    pub(crate) fn lang_switch_url(&self) -> String {
        let back: String = url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        format!("/sprache/{}?zurueck={back}", self.lang.other().code())
    }
}

/// The `?hinweis=` parameter pages use to show a notice after a redirect.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct NoticeQuery {
    pub(crate) hinweis: Option<String>,
}

/// An article in a list.
#[derive(Debug, Clone)]
pub(crate) struct ArticleItem {
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) description: String,
    pub(crate) updated_at: i64,
    pub(crate) updated_by: String,
    pub(crate) revision: u32,
}

impl From<&Article> for ArticleItem {
    fn from(a: &Article) -> Self {
        ArticleItem {
            title: a.title.clone(),
            url: urls::article(&a.slug),
            description: a.description.clone(),
            updated_at: a.updated_at,
            updated_by: a.updated_by.clone(),
            revision: a.revision,
        }
    }
}

/// A space link.
#[derive(Debug, Clone)]
pub(crate) struct SpaceLink {
    pub(crate) name: String,
    pub(crate) url: String,
}

impl From<&Space> for SpaceLink {
    fn from(s: &Space) -> Self {
        SpaceLink {
            name: s.name.clone(),
            url: urls::space(&s.slug),
        }
    }
}

/// A node of a rendered page tree.
#[derive(Debug, Clone)]
pub(crate) struct TreeNode {
    pub(crate) space: SpaceLink,
    pub(crate) depth: usize,
    pub(crate) articles: Vec<ArticleItem>,
}

impl From<&crate::service::spaces::SpaceNode> for TreeNode {
    fn from(n: &crate::service::spaces::SpaceNode) -> Self {
        TreeNode {
            space: (&n.space).into(),
            depth: n.depth,
            articles: n.articles.iter().map(Into::into).collect(),
        }
    }
}

/// A space choice in a select box.
#[derive(Debug, Clone)]
pub(crate) struct SpaceOption {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// Builds indented options from the space tree.
pub(crate) fn space_options(
    tree: &[crate::service::spaces::SpaceNode],
    selected: Option<&str>,
) -> Vec<SpaceOption> {
    tree.iter()
        .map(|n| SpaceOption {
            id: n.space.id.to_string(),
            label: format!("{}{}", "\u{2003}".repeat(n.depth), n.space.name),
            selected: selected
                .is_some_and(|s| s == n.space.id.to_string() || s == n.space.slug.as_str()),
        })
        .collect()
}
