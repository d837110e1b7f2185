//! OpenID Connect login (placeholder until the relying-party client lands).

use serde::Deserialize;

/// OIDC settings from the configuration file.
#[derive(Debug, Clone, Deserialize)]
pub struct OidcConfig {
    /// Issuer URL.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Client secret (confidential clients).
    pub client_secret: Option<String>,
    /// Callback URL.
    pub redirect_url: String,
    /// Scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Claim with group names.
    #[serde(default)]
    pub groups_claim: String,
    /// Button label.
    #[serde(default)]
    pub display_name: String,
}
