//! The `stafette` binary: parses the command line and hands over to the library.

use clap::Parser;
use stafette::cli;
use stafette::config::{Cli, Config};

fn main() -> std::process::ExitCode {
    let args = Cli::parse();
    let config = match Config::resolve(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Fehler in der Konfiguration: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let server = matches!(
        args.command,
        None | Some(stafette::config::Command::Serve { .. })
    );
    stafette::telemetry::init(config.log_json, server);
    match cli::run(args.command, config) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
