//! UI languages: German first, English second. The language comes from the `lang` cookie
//! (set by the switch in the header), else from `Accept-Language`, else German.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    De,
    En,
}

impl Lang {
    /// Picks the language from the cookie value and the Accept-Language header.
    pub(crate) fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        match cookie {
            Some("en") => return Lang::En,
            Some("de") => return Lang::De,
            _ => {}
        }
        // Take the first listed language we support, honouring order (q-values are rarely
        // out of order in practice; browsers list by preference).
        for part in accept_language.unwrap_or("").split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("de") {
                return Lang::De;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::De
    }

    /// BCP 47 code for `<html lang>`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    pub(crate) fn other(self) -> Lang {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }

    /// Translates a UI key; unknown keys give "?" and a warning (a test checks there are none).
    pub(crate) fn t(self, key: &str) -> &'static str {
        match INDEX.get(key) {
            Some((de, en)) => match self {
                Lang::De => de,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing UI text");
                "?"
            }
        }
    }

    /// Formats a timestamp (ms) as a local-style date and time (UTC; the server has no
    /// per-user time zone yet).
    pub(crate) fn datetime(self, ms: i64) -> String {
        let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        else {
            return String::new();
        };
        let t = t.to_offset(time::UtcOffset::UTC);
        match self {
            Lang::De => format!(
                "{:02}.{:02}.{} {:02}:{:02} UTC",
                t.day(),
                u8::from(t.month()),
                t.year(),
                t.hour(),
                t.minute()
            ),
            Lang::En => {
                format!(
                    "{}-{:02}-{:02} {:02}:{:02} UTC",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute()
                )
            }
        }
    }
}

/// Keys to texts; a page looks up a few dozen keys, so a linear scan showed in profiles.
static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> = LazyLock::new(|| {
    TEXTS
        .iter()
        .chain(super::processes_texts::TEXTS)
        .chain(super::retention::TEXTS)
        .map(|(k, de, en)| (*k, (*de, *en)))
        .collect()
});

/// (key, German, English)
const TEXTS: &[(&str, &str, &str)] = &[
    ("nav.login", "Anmelden", "Log in"),
    ("nav.logout", "Abmelden", "Log out"),
    ("nav.account", "Mein Konto", "My account"),
    ("nav.admin", "Verwaltung", "Administration"),
    ("nav.audit", "Protokoll", "Audit log"),
    ("auth.login_title", "Anmelden", "Log in"),
    ("auth.login", "Login", "Login"),
    ("auth.password", "Passwort", "Password"),
    (
        "auth.password_repeat",
        "Passwort wiederholen",
        "Repeat password",
    ),
    (
        "auth.password_help",
        "Mindestens 10 Zeichen. Ein langer Satz ist sicherer als ein kurzes, kompliziertes Wort.",
        "At least 10 characters. A long sentence is safer than a short, complicated word.",
    ),
    ("auth.submit", "Anmelden", "Log in"),
    (
        "auth.logged_in_notice",
        "Sie sind angemeldet.",
        "You are logged in.",
    ),
    (
        "auth.logged_out_notice",
        "Sie wurden abgemeldet.",
        "You have been logged out.",
    ),
    (
        "setup.title",
        "Einrichtung: erster Admin",
        "Setup: first administrator",
    ),
    (
        "setup.intro",
        "Noch gibt es kein Admin-Konto. Legen Sie jetzt das erste an. Diese Seite ist nur direkt auf dem Server erreichbar und verschwindet danach.",
        "There is no administrator account yet. Create the first one now. This page is only reachable on the server itself and disappears afterwards.",
    ),
    (
        "setup.submit",
        "Admin anlegen und anmelden",
        "Create administrator and log in",
    ),
    ("account.title", "Mein Konto", "My account"),
    (
        "account.sessions",
        "Angemeldete Sitzungen",
        "Active sessions",
    ),
    ("account.session_started", "Erstellt", "Created"),
    ("account.session_seen", "Zuletzt aktiv", "Last active"),
    ("account.session_agent", "Browser", "Browser"),
    ("account.actions", "Aktionen", "Actions"),
    ("account.this_session", "Diese Sitzung", "This session"),
    ("account.end_session", "Beenden", "End"),
    (
        "account.end_other_sessions",
        "Alle anderen Sitzungen beenden",
        "End all other sessions",
    ),
    (
        "account.sessions_ended",
        "Die Sitzungen wurden beendet.",
        "The sessions have been ended.",
    ),
    ("account.tokens", "API-Tokens", "API tokens"),
    ("account.token", "Token", "Token"),
    (
        "account.token_once",
        "Kopieren Sie das Token jetzt: es wird nur dieses eine Mal angezeigt.",
        "Copy the token now: it is shown only this once.",
    ),
    ("account.token_name", "Bezeichnung", "Name"),
    ("account.token_scope", "Berechtigung", "Scope"),
    ("account.token_used", "Zuletzt benutzt", "Last used"),
    ("account.scope_read", "Nur lesen", "Read only"),
    (
        "account.scope_write",
        "Lesen und schreiben",
        "Read and write",
    ),
    ("account.create_token", "Token erstellen", "Create token"),
    ("account.revoke", "Widerrufen", "Revoke"),
    (
        "account.token_revoked",
        "Das Token wurde widerrufen.",
        "The token has been revoked.",
    ),
    ("account.password", "Passwort ändern", "Change password"),
    (
        "account.current_password",
        "Bisheriges Passwort",
        "Current password",
    ),
    ("account.new_password", "Neues Passwort", "New password"),
    (
        "account.change_password",
        "Passwort ändern",
        "Change password",
    ),
    (
        "account.password_changed",
        "Das Passwort wurde geändert. Alle anderen Sitzungen wurden beendet.",
        "The password has been changed. All other sessions have been ended.",
    ),
    ("user.display_name", "Anzeigename", "Display name"),
    ("user.unit", "Organisationseinheit", "Organisational unit"),
    ("user.email", "E-Mail-Adresse", "E-mail address"),
    (
        "user.email_help",
        "Für die tägliche Erinnerung an offene Aufgaben, wenn ein Mailserver eingerichtet ist.",
        "For the daily reminder of open tasks, if a mail server is configured.",
    ),
    ("user.role", "Rolle", "Role"),
    ("user.groups", "Gruppen", "Groups"),
    ("user.status", "Status", "Status"),
    ("user.active", "Aktiv", "Active"),
    ("user.inactive", "Deaktiviert", "Deactivated"),
    ("admin.users_title", "Benutzer", "Users"),
    ("admin.user_title", "Benutzer", "User"),
    ("admin.new_user", "Neuer Benutzer", "New user"),
    ("admin.create_user", "Benutzer anlegen", "Create user"),
    (
        "admin.initial_password",
        "Erstes Passwort (optional)",
        "Initial password (optional)",
    ),
    (
        "admin.initial_password_help",
        "Leer lassen für Konten, die sich nur per Single Sign-on anmelden.",
        "Leave empty for accounts that log in via single sign-on only.",
    ),
    (
        "admin.user_saved",
        "Der Benutzer wurde gespeichert.",
        "The user has been saved.",
    ),
    (
        "admin.deactivate_help",
        "Deaktivieren beendet alle Sitzungen; API-Tokens des Kontos gelten nicht mehr.",
        "Deactivating ends all sessions; the account's API tokens stop working.",
    ),
    (
        "admin.reset_password",
        "Passwort neu setzen",
        "Reset password",
    ),
    ("admin.save", "Speichern", "Save"),
    ("admin.groups_title", "Gruppen", "Groups"),
    ("admin.new_group", "Neue Gruppe", "New group"),
    ("admin.create_group", "Gruppe anlegen", "Create group"),
    (
        "admin.group_saved",
        "Die Gruppe wurde gespeichert.",
        "The group has been saved.",
    ),
    (
        "admin.no_groups",
        "Es gibt noch keine Gruppen.",
        "There are no groups yet.",
    ),
    ("admin.settings_title", "Einstellungen", "Settings"),
    (
        "admin.settings_saved",
        "Die Einstellungen wurden gespeichert.",
        "The settings have been saved.",
    ),
    (
        "admin.anonymous_read",
        "Lesen ohne Anmeldung erlauben",
        "Allow reading without login",
    ),
    (
        "admin.anonymous_read_help",
        "Nur Bereiche, deren Rechte das ausdrücklich erlauben, sind dann ohne Anmeldung lesbar.",
        "Only spaces whose permissions explicitly allow it become readable without login.",
    ),
    ("group.name", "Name", "Name"),
    ("group.description", "Beschreibung", "Description"),
    ("group.external", "SSO-Gruppen", "SSO groups"),
    (
        "group.external_help",
        "Namen aus dem Gruppen-Claim des Identitätsanbieters, durch Komma getrennt. Wer sich per SSO anmeldet und eine davon hat, kommt in diese Gruppe.",
        "Names from the identity provider's groups claim, separated by commas. Users logging in via SSO with one of them join this group.",
    ),
    ("acl.title", "Rechte", "Permissions"),
    (
        "acl.saved",
        "Die Rechte wurden gespeichert.",
        "The permissions have been saved.",
    ),
    (
        "acl.inherit",
        "Rechte vom übergeordneten Bereich übernehmen",
        "Inherit permissions from the parent space",
    ),
    (
        "acl.inherited_from",
        "Die Rechte werden geerbt von",
        "Permissions are inherited from",
    ),
    (
        "acl.default",
        "Keine eigenen Rechte: alle angemeldeten Beschäftigten dürfen lesen und schreiben.",
        "No own permissions: all logged-in staff may read and write.",
    ),
    (
        "acl.own",
        "Dieser Bereich hat eigene Rechte; Unterbereiche ohne eigene Rechte übernehmen sie.",
        "This space has its own permissions; sub-spaces without their own inherit them.",
    ),
    (
        "acl.all_staff",
        "Alle angemeldeten Beschäftigten",
        "All logged-in staff",
    ),
    ("acl.groups", "Gruppen", "Groups"),
    (
        "acl.anonymous",
        "Ohne Anmeldung lesbar (wenn in den Einstellungen erlaubt)",
        "Readable without login (if allowed in the settings)",
    ),
    (
        "acl.help",
        "Jede Person erhält das höchste Recht aus allen zutreffenden Zeilen. Leser schreiben nie, auch mit Schreibrecht.",
        "Everyone gets the highest access of all rows that apply. Readers never write, even with write access.",
    ),
    ("acl.none", "Kein Zugriff", "No access"),
    ("acl.read", "Lesen", "Read"),
    ("acl.write", "Lesen und schreiben", "Read and write"),
    ("audit.title", "Protokoll", "Audit log"),
    ("audit.action", "Aktion", "Action"),
    ("audit.all", "Alle", "All"),
    ("audit.who", "Person oder Objekt", "Person or object"),
    ("audit.from", "Von", "From"),
    ("audit.to", "Bis", "To"),
    ("audit.filter", "Filtern", "Filter"),
    ("audit.csv", "Als CSV herunterladen", "Download as CSV"),
    ("audit.when", "Zeit", "Time"),
    ("audit.target", "Objekt", "Object"),
    ("audit.detail", "Details", "Details"),
    ("audit.empty", "Keine Einträge.", "No entries."),
    ("app.name", "stafette", "stafette"),
    ("app.tagline", "Wissen, das bleibt", "Knowledge that stays"),
    ("nav.skip", "Zum Inhalt springen", "Skip to content"),
    ("nav.main", "Hauptnavigation", "Main navigation"),
    ("nav.home", "Start", "Home"),
    ("nav.spaces", "Bereiche", "Spaces"),
    ("nav.new", "Neuer Artikel", "New article"),
    ("nav.trash", "Papierkorb", "Trash"),
    ("nav.lang_switch", "English", "Deutsch"),
    ("nav.breadcrumb", "Brotkrumen-Navigation", "Breadcrumb"),
    ("home.title", "Startseite", "Home"),
    ("home.recent", "Zuletzt geändert", "Recently changed"),
    (
        "home.no_articles",
        "Noch keine Artikel. Legen Sie den ersten an!",
        "No articles yet. Create the first one!",
    ),
    ("home.spaces", "Bereiche", "Spaces"),
    ("space.new", "Neuer Bereich", "New space"),
    ("space.new_sub", "Unterbereich anlegen", "Create sub-space"),
    ("space.name", "Name", "Name"),
    ("space.description", "Beschreibung", "Description"),
    ("space.parent", "Übergeordneter Bereich", "Parent space"),
    ("space.none", "(keiner)", "(none)"),
    ("space.create", "Bereich anlegen", "Create space"),
    ("space.tree", "Seitenbaum", "Page tree"),
    (
        "space.empty",
        "In diesem Bereich gibt es noch keine Artikel.",
        "This space has no articles yet.",
    ),
    (
        "space.new_article_here",
        "Neuer Artikel in diesem Bereich",
        "New article in this space",
    ),
    ("article.edit", "Bearbeiten", "Edit"),
    ("article.history", "Versionen", "History"),
    ("article.trash", "In den Papierkorb", "Move to trash"),
    ("article.version", "Version", "Version"),
    ("article.changed_by", "geändert von", "changed by"),
    ("article.on", "am", "on"),
    ("article.toc", "Inhalt", "Contents"),
    ("article.backlinks", "Verlinkt von", "Linked from"),
    (
        "article.no_backlinks",
        "Noch keine Artikel verlinken hierher.",
        "No articles link here yet.",
    ),
    ("article.tags", "Schlagwörter", "Tags"),
    ("article.space", "Bereich", "Space"),
    ("article.actions", "Aktionen", "Actions"),
    (
        "article.merged_notice",
        "Ihre Änderungen wurden mit einer zwischenzeitlichen Änderung zusammengeführt.",
        "Your changes were merged with a change saved in the meantime.",
    ),
    ("article.saved_notice", "Gespeichert.", "Saved."),
    ("edit.new_title", "Neuer Artikel", "New article"),
    ("edit.edit_title", "Artikel bearbeiten", "Edit article"),
    ("edit.title", "Titel", "Title"),
    ("edit.description", "Kurzbeschreibung", "Short description"),
    (
        "edit.tags",
        "Schlagwörter (durch Komma getrennt)",
        "Tags (comma-separated)",
    ),
    ("edit.space", "Bereich", "Space"),
    ("edit.body", "Inhalt (Markdown)", "Content (Markdown)"),
    (
        "edit.summary",
        "Was haben Sie geändert? (optional)",
        "What did you change? (optional)",
    ),
    ("edit.save", "Speichern", "Save"),
    ("edit.cancel", "Abbrechen", "Cancel"),
    ("edit.preview", "Vorschau", "Preview"),
    (
        "edit.preview_hint",
        "Die Vorschau erscheint beim Tippen.",
        "The preview appears as you type.",
    ),
    ("edit.template", "Vorlage", "Template"),
    ("edit.template_none", "Leerer Artikel", "Blank article"),
    ("edit.template_apply", "Vorlage übernehmen", "Use template"),
    ("edit.toolbar", "Formatierung", "Formatting"),
    ("edit.bold", "Fett", "Bold"),
    ("edit.italic", "Kursiv", "Italic"),
    ("edit.heading", "Überschrift", "Heading"),
    ("edit.list", "Aufzählung", "Bulleted list"),
    ("edit.numbered", "Nummerierte Liste", "Numbered list"),
    ("edit.task", "Aufgabe", "Task"),
    ("edit.link", "Wiki-Link", "Wiki link"),
    ("edit.table", "Tabelle", "Table"),
    (
        "edit.help",
        "Markdown: **fett**, *kursiv*, ## Überschrift, - Liste, [[Artikeltitel]] verlinkt einen Artikel.",
        "Markdown: **bold**, *italic*, ## heading, - list, [[Article title]] links an article.",
    ),
    ("conflict.title", "Bearbeitungskonflikt", "Edit conflict"),
    (
        "conflict.intro",
        "Während Sie bearbeitet haben, hat jemand anderes denselben Abschnitt geändert. Ihre Änderungen sind nicht verloren: Unten steht beides zusammengeführt, die strittigen Stellen sind mit <<<<<<< und >>>>>>> markiert. Bitte bereinigen und erneut speichern.",
        "While you were editing, someone else changed the same part. Your changes are not lost: both versions are merged below, with the disputed parts marked by <<<<<<< and >>>>>>>. Please resolve them and save again.",
    ),
    (
        "conflict.theirs",
        "Aktuell gespeicherte Fassung",
        "Currently saved version",
    ),
    ("conflict.yours", "Ihre Fassung", "Your version"),
    (
        "conflict.merge",
        "Zusammenführung zum Bereinigen",
        "Merge to resolve",
    ),
    ("history.title", "Versionen", "History"),
    (
        "history.compare",
        "Ausgewählte Versionen vergleichen",
        "Compare selected versions",
    ),
    ("history.from", "von", "from"),
    ("history.to", "bis", "to"),
    ("history.author", "Autor", "Author"),
    ("history.date", "Datum", "Date"),
    ("history.summary", "Zusammenfassung", "Summary"),
    ("history.view", "Ansehen", "View"),
    (
        "history.restore",
        "Diese Version wiederherstellen",
        "Restore this version",
    ),
    ("history.current", "aktuell", "current"),
    (
        "revision.old_notice",
        "Sie sehen eine ältere Version dieses Artikels.",
        "You are looking at an older version of this article.",
    ),
    ("diff.title", "Vergleich", "Comparison"),
    ("diff.added", "eingefügte Wörter", "words added"),
    ("diff.removed", "entfernte Wörter", "words removed"),
    (
        "diff.same",
        "Die Versionen sind gleich.",
        "The versions are identical.",
    ),
    (
        "diff.legend",
        "Eingefügtes ist unterstrichen, Entferntes durchgestrichen.",
        "Insertions are underlined, deletions struck through.",
    ),
    ("trash.title", "Papierkorb", "Trash"),
    (
        "trash.empty",
        "Der Papierkorb ist leer.",
        "The trash is empty.",
    ),
    ("trash.restore", "Wiederherstellen", "Restore"),
    ("trash.deleted_by", "gelöscht von", "deleted by"),
    (
        "trash.moved_notice",
        "Der Artikel liegt jetzt im Papierkorb und kann dort wiederhergestellt werden.",
        "The article is now in the trash and can be restored from there.",
    ),
    ("error.title", "Fehler", "Error"),
    (
        "error.back",
        "Zurück zur Startseite",
        "Back to the home page",
    ),
    ("footer.api", "API-Beschreibung", "API description"),
    ("footer.analytics", "Suchanalyse", "Search analytics"),
    ("footer.synonyms", "Synonyme", "Synonyms"),
    ("search.title", "Suche", "Search"),
    (
        "search.label",
        "Wissen durchsuchen",
        "Search the knowledge base",
    ),
    (
        "search.placeholder",
        "z. B. Perso verloren",
        "e.g. lost ID card",
    ),
    ("search.submit", "Suchen", "Search"),
    ("search.results", "Treffer", "result(s)"),
    (
        "search.none",
        "Keine Treffer. Versuchen Sie andere oder weniger Wörter.",
        "No results. Try other or fewer words.",
    ),
    ("search.did_you_mean", "Meinten Sie", "Did you mean"),
    ("search.sort", "Sortierung", "Sort by"),
    ("search.sort_relevance", "Relevanz", "Relevance"),
    ("search.sort_newest", "Neueste zuerst", "Newest first"),
    ("search.facets", "Filter", "Filters"),
    ("search.facet_space", "Bereich", "Space"),
    ("search.facet_tags", "Schlagwörter", "Tags"),
    (
        "search.active",
        "aktiv, zum Entfernen wählen",
        "active, select to remove",
    ),
    ("search.prev", "Vorherige Seite", "Previous page"),
    ("search.next", "Nächste Seite", "Next page"),
    ("search.page", "Seite", "Page"),
    ("search.mode", "Suchart", "Search type"),
    ("search.mode_hybrid", "Kombiniert", "Combined"),
    ("search.mode_keyword", "Stichwörter", "Keywords"),
    ("search.mode_semantic", "Bedeutung", "Meaning"),
    (
        "search.semantic_off",
        "Die Suche nach Bedeutung ist gerade nicht verfügbar; es wurde nur nach Stichwörtern gesucht. Sprachmodell:",
        "Search by meaning is not available right now; only keywords were searched. Language model:",
    ),
    (
        "search.vectors_progress",
        "Die Suche nach Bedeutung bereitet noch Artikel auf; noch ausstehend:",
        "Search by meaning is still preparing articles; still pending:",
    ),
    ("semantic.missing", "nicht installiert", "not installed"),
    ("semantic.installing", "wird installiert", "being installed"),
    ("semantic.loading", "wird geladen", "loading"),
    ("semantic.ready", "bereit", "ready"),
    ("semantic.failed", "fehlerhaft", "failed"),
    (
        "semantic.title",
        "Suche nach Bedeutung",
        "Search by meaning",
    ),
    ("semantic.state", "Sprachmodell", "Language model"),
    ("semantic.path", "Modelldatei", "Model file"),
    (
        "semantic.done",
        "Artikel mit Vektoren",
        "Articles with vectors",
    ),
    ("semantic.pending", "Ausstehend", "Pending"),
    (
        "semantic.install_hint",
        "Installation ohne Internet: stafette model install --from DATEI",
        "Installing without internet: stafette model install --from FILE",
    ),
    ("article.related", "Ähnliche Artikel", "Similar articles"),
    ("analytics.title", "Suchanalyse", "Search analytics"),
    (
        "analytics.intro",
        "Anonym, je Tag und Suchbegriff gezählt: ohne Personen, ohne IP-Adressen. Suchen ohne Treffer zeigen, welche Artikel fehlen.",
        "Counted anonymously per day and query: no persons, no IP addresses. Searches without results show which articles are missing.",
    ),
    ("analytics.top", "Häufigste Suchen", "Top searches"),
    (
        "analytics.zero",
        "Suchen ohne Treffer",
        "Searches without results",
    ),
    ("analytics.query", "Suchbegriff", "Query"),
    ("analytics.searches", "Suchen", "Searches"),
    ("analytics.zero_count", "ohne Treffer", "without results"),
    ("analytics.clicks", "Treffer geöffnet", "Results opened"),
    ("analytics.days", "Zeitraum in Tagen", "Period in days"),
    (
        "analytics.empty",
        "Noch keine Suchen im Zeitraum.",
        "No searches in this period yet.",
    ),
    ("analytics.create", "Artikel anlegen", "Create article"),
    (
        "synonyms.title",
        "Synonyme dieser Installation",
        "Synonyms of this installation",
    ),
    (
        "synonyms.help",
        "Eine Gruppe je Zeile, durch Komma getrennt (z. B. „Perso, Personalausweis“). Mit „a => b“ wird nur a zu b erweitert. Gilt zusätzlich zur eingebauten Liste und sofort.",
        "One group per line, comma-separated (e.g. “Perso, Personalausweis”). “a => b” expands a to b only. Applies in addition to the built-in list, immediately.",
    ),
    ("synonyms.label", "Synonymliste", "Synonym list"),
    ("synonyms.save", "Speichern", "Save"),
    (
        "synonyms.saved",
        "Die Synonymliste ist gespeichert und gilt ab sofort.",
        "The synonym list is saved and applies immediately.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_negotiation_prefers_cookie_then_header() {
        assert_eq!(Lang::negotiate(None, None), Lang::De);
        assert_eq!(Lang::negotiate(None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("fr, de;q=0.5")), Lang::De);
        assert_eq!(Lang::negotiate(Some("de"), Some("en")), Lang::De);
        assert_eq!(Lang::negotiate(Some("en"), None), Lang::En);
    }

    #[test]
    fn every_key_is_unique_and_translated() {
        let all: Vec<_> = TEXTS
            .iter()
            .chain(super::super::processes_texts::TEXTS)
            .chain(super::super::retention::TEXTS)
            .collect();
        for (i, (k, de, en)) in all.iter().enumerate() {
            assert!(!de.is_empty() && !en.is_empty(), "{k}");
            assert!(
                all[i + 1..].iter().all(|(k2, _, _)| k2 != k),
                "duplicate {k}"
            );
        }
    }

    #[test]
    fn dates_are_formatted_per_language() {
        assert_eq!(Lang::De.datetime(0), "01.01.1970 00:00 UTC");
        assert_eq!(Lang::En.datetime(0), "1970-01-01 00:00 UTC");
    }
}
