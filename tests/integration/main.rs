//! One integration-test binary (fast to link): router tests through `oneshot`, tests over
//! a real socket, and the crash test that SIGKILLs the real binary.

// Test helpers outside #[test] functions may panic on setup failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod auth;
mod bpmn;
mod common;
mod durability;
mod mail;
mod oidc_client;
mod oidc_provider;
mod pages;
mod permissions;
mod portability;
mod processes;
mod retention;
mod retention_scenario;
mod search;
mod semantic;
mod socket;
mod sso;
