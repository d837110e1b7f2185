//! `stafette user …` and `stafette token …`: account setup from the command line, on the
//! data directory directly or through the running server (operator endpoints).

use std::io::BufRead;

use anyhow::{Context, bail};

use super::open_local;
use super::remote::remote;
use crate::config::{Config, TokenCommand, UserCommand};
use crate::domain::{Role, TokenScope};
use crate::service::Actor;
use crate::service::auth::{tokens, users};

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_owned();
    crate::domain::user::check_password(&pw).map_err(|e| anyhow::anyhow!(e))?;
    Ok(pw)
}

fn err(e: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Runs a `user` subcommand.
pub(super) async fn user(config: Config, cmd: UserCommand) -> anyhow::Result<()> {
    let cli = Actor::system("cli");
    match cmd {
        UserCommand::Add {
            login,
            role,
            name,
            unit,
            groups,
            email,
            password_stdin,
        } => {
            let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let input = users::NewUser {
                login,
                display_name: name.unwrap_or_default(),
                unit: unit.unwrap_or_default(),
                role: Some(role),
                groups,
                password,
                email,
            };
            let login = match open_local(&config)? {
                Some(state) => users::create(&state, &cli, input).await.map_err(err)?.login,
                None => {
                    let body = serde_json::to_vec(&serde_json::json!({
                        "login": input.login, "display_name": input.display_name,
                        "unit": input.unit, "role": role, "groups": input.groups,
                        "password": input.password, "email": input.email,
                    }))?;
                    let bytes = remote(&config, "POST", "/api/v1/admin/users", Some(body))?;
                    let v: serde_json::Value = serde_json::from_slice(&bytes)?;
                    v["login"].as_str().unwrap_or_default().to_owned()
                }
            };
            println!("Benutzer angelegt: {login} ({})", role.as_str());
        }
        UserCommand::Passwd { login } => {
            let pw = read_password()?;
            match open_local(&config)? {
                Some(state) => {
                    users::set_password(&state, &cli, &login, None, pw)
                        .await
                        .map_err(err)?;
                }
                None => {
                    let body = serde_json::to_vec(&serde_json::json!({ "password": pw }))?;
                    remote(
                        &config,
                        "POST",
                        &format!("/api/v1/admin/users/{login}/password"),
                        Some(body),
                    )?;
                }
            }
            println!("Passwort gesetzt für {login}; alle Sitzungen beendet.");
        }
        UserCommand::Deactivate { login } => {
            let patch = users::UserPatch {
                active: Some(false),
                ..users::UserPatch::default()
            };
            match open_local(&config)? {
                Some(state) => {
                    users::update(&state, &cli, &login, patch)
                        .await
                        .map_err(err)?;
                }
                None => {
                    let body = serde_json::to_vec(&serde_json::json!({ "active": false }))?;
                    remote(
                        &config,
                        "PATCH",
                        &format!("/api/v1/admin/users/{login}"),
                        Some(body),
                    )?;
                }
            }
            println!("Benutzer deaktiviert: {login}");
        }
        UserCommand::List => {
            let Some(state) = open_local(&config)? else {
                bail!(
                    "Die Liste gibt es bei laufendem Server unter /admin/benutzer oder GET /api/v1/users."
                );
            };
            for u in users::list(&state, &cli).await.map_err(err)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.login,
                    u.role.as_str(),
                    if u.active { "aktiv" } else { "deaktiviert" },
                    u.unit,
                    u.display_name
                );
            }
        }
    }
    Ok(())
}

/// Runs a `token` subcommand.
pub(super) async fn token(config: Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create { login, scope, name } = cmd;
    let scope: TokenScope = scope.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let plain = match open_local(&config)? {
        Some(state) => {
            tokens::create(&state, &Actor::system("cli"), Some(login), name, scope)
                .await
                .map_err(err)?
                .1
        }
        None => {
            let body = serde_json::to_vec(
                &serde_json::json!({ "login": login, "name": name, "scope": scope }),
            )?;
            let bytes = remote(&config, "POST", "/api/v1/admin/tokens", Some(body))?;
            let v: serde_json::Value = serde_json::from_slice(&bytes)?;
            v["token"]
                .as_str()
                .context("no token in the answer")?
                .to_owned()
        }
    };
    // Only the token on stdout, so scripts can capture it.
    println!("{plain}");
    Ok(())
}
