//! Accounts: users with their login and SSO indexes, groups, API tokens, sessions and the
//! audit log. Uniqueness (logins, group names, identities) is kept with transactions over
//! the record tree and its index tree.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{Result, Store, StoreError, decode, encode, id16};
use crate::domain::{
    ApiToken, AuditEvent, ExternalIdentity, Group, GroupId, Session, TokenId, User, UserId,
};

/// Why a user or group write was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// The login (or group name) belongs to another record.
    Name,
    /// The SSO identity is linked to another user.
    Identity,
}

fn identity_key(id: &ExternalIdentity) -> Vec<u8> {
    let mut k = id.issuer.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(id.subject.as_bytes());
    k
}

fn map_tx<T>(r: std::result::Result<T, TransactionError<Taken>>) -> Result<Result<T, Taken>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(TransactionError::Abort(t)) => Ok(Err(t)),
        Err(TransactionError::Storage(e)) => Err(StoreError::Sled(e)),
    }
}

impl Store {
    /// Inserts or replaces a user, keeping the login and identity indexes in step. Refuses
    /// a login or identity that belongs to someone else.
    pub fn put_user(&self, user: &User) -> Result<Result<(), Taken>> {
        let value = encode(user)?;
        let old = self.user(user.id)?;
        let r = (&self.users, &self.logins, &self.identities).transaction(
            |(users, logins, identities)| {
                let id = user.id.to_bytes();
                if let Some(owner) = logins.get(user.login.as_bytes())?
                    && owner.as_ref() != id
                {
                    return Err(ConflictableTransactionError::Abort(Taken::Name));
                }
                for ext in &user.external {
                    if let Some(owner) = identities.get(identity_key(ext))?
                        && owner.as_ref() != id
                    {
                        return Err(ConflictableTransactionError::Abort(Taken::Identity));
                    }
                }
                if let Some(old) = &old {
                    if old.login != user.login {
                        logins.remove(old.login.as_bytes())?;
                    }
                    for ext in old.external.iter().filter(|e| !user.external.contains(e)) {
                        identities.remove(identity_key(ext))?;
                    }
                }
                logins.insert(user.login.as_bytes(), &id[..])?;
                for ext in &user.external {
                    identities.insert(identity_key(ext), &id[..])?;
                }
                users.insert(&id[..], value.clone())?;
                Ok(())
            },
        );
        map_tx(r)
    }

    /// A user by id.
    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        self.users
            .get(id.to_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// A user by login (already normalised).
    pub fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        match self.logins.get(login.as_bytes())? {
            Some(id) => self.user(UserId(ulid::Ulid::from_bytes(id16(&id)?))),
            None => Ok(None),
        }
    }

    /// The user an SSO identity is linked to.
    pub fn user_by_identity(&self, ext: &ExternalIdentity) -> Result<Option<User>> {
        match self.identities.get(identity_key(ext))? {
            Some(id) => self.user(UserId(ulid::Ulid::from_bytes(id16(&id)?))),
            None => Ok(None),
        }
    }

    /// All users in creation order.
    pub fn all_users(&self) -> Result<Vec<User>> {
        self.users.iter().values().map(|v| decode(&v?)).collect()
    }

    /// Inserts or replaces a group; refuses a name another group has.
    pub fn put_group(&self, group: &Group) -> Result<Result<(), Taken>> {
        let value = encode(group)?;
        let old = self.group(group.id)?;
        let key = group.name.to_lowercase();
        let r = (&self.groups, &self.group_names).transaction(|(groups, names)| {
            let id = group.id.to_bytes();
            if let Some(owner) = names.get(key.as_bytes())?
                && owner.as_ref() != id
            {
                return Err(ConflictableTransactionError::Abort(Taken::Name));
            }
            if let Some(old) = &old {
                names.remove(old.name.to_lowercase().as_bytes())?;
            }
            names.insert(key.as_bytes(), &id[..])?;
            groups.insert(&id[..], value.clone())?;
            Ok(())
        });
        map_tx(r)
    }

    /// A group by id.
    pub fn group(&self, id: GroupId) -> Result<Option<Group>> {
        self.groups
            .get(id.to_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// A group by name (case-insensitive).
    pub fn group_by_name(&self, name: &str) -> Result<Option<Group>> {
        match self.group_names.get(name.to_lowercase().as_bytes())? {
            Some(id) => self.group(GroupId(ulid::Ulid::from_bytes(id16(&id)?))),
            None => Ok(None),
        }
    }

    /// All groups in creation order.
    pub fn all_groups(&self) -> Result<Vec<Group>> {
        self.groups.iter().values().map(|v| decode(&v?)).collect()
    }

    /// Stores a token record.
    pub fn put_token(&self, token: &ApiToken) -> Result<()> {
        self.tokens.insert(token.id.to_bytes(), encode(token)?)?;
        Ok(())
    }

    /// A token record by id.
    pub fn token(&self, id: TokenId) -> Result<Option<ApiToken>> {
        self.tokens
            .get(id.to_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Removes a token; returns whether it existed.
    pub fn remove_token(&self, id: TokenId) -> Result<bool> {
        Ok(self.tokens.remove(id.to_bytes())?.is_some())
    }

    /// All tokens of a user.
    pub fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let mut out = Vec::new();
        for v in self.tokens.iter().values() {
            let t: ApiToken = decode(&v?)?;
            if t.user == user {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Stores a session under the hash of its secret.
    pub fn put_session(&self, secret_hash: &[u8], session: &Session) -> Result<()> {
        self.sessions.insert(secret_hash, encode(session)?)?;
        Ok(())
    }

    /// A session by the hash of its secret.
    pub fn session(&self, secret_hash: &[u8]) -> Result<Option<Session>> {
        self.sessions
            .get(secret_hash)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Removes a session by the hash of its secret.
    pub fn remove_session(&self, secret_hash: &[u8]) -> Result<()> {
        self.sessions.remove(secret_hash)?;
        Ok(())
    }

    /// All sessions with their keys. A scan: sessions are few (one or two per active user).
    pub fn all_sessions(&self) -> Result<Vec<(Vec<u8>, Session)>> {
        self.sessions
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((k.to_vec(), decode(&v)?))
            })
            .collect()
    }

    /// Appends an audit event (key: a fresh ULID, so keys sort by time).
    pub fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        self.audit
            .insert(ulid::Ulid::new().to_bytes(), encode(event)?)?;
        Ok(())
    }

    /// Audit events, newest first, passing `keep`, at most `limit`.
    pub fn audit_events(
        &self,
        mut keep: impl FnMut(&AuditEvent) -> bool,
        limit: usize,
    ) -> Result<Vec<AuditEvent>> {
        let mut out = Vec::new();
        for v in self.audit.iter().values().rev() {
            let e: AuditEvent = decode(&v?)?;
            if keep(&e) {
                out.push(e);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}
