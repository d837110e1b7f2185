//! What an actor may read and write: the effective permissions per space.
//!
//! A space's ACL applies to it and to every sub-space without an ACL of its own; a root
//! space without one is open to all logged-in staff ([`Acl::default_open`]). A user gets
//! the highest access of "all staff" and every group they are in; the role caps it (readers
//! never write) and so does a read-only token. Anonymous visitors read only spaces whose
//! ACL allows it, and only while the installation enables anonymous reading. Admins and
//! the system see everything.
//!
//! Services compute one [`Access`] per request and apply it to every path that returns or
//! counts articles: pages, lists, history, revisions, diffs, backlinks, search hits,
//! facets and suggestions, exports, related articles and process links. Something the
//! actor cannot read is reported as "not found", so its existence does not leak.

use std::collections::{HashMap, HashSet};

use super::Actor;
use crate::domain::space::MAX_SPACE_DEPTH;
use crate::domain::{Access as Level, Acl, Space, SpaceId};
use crate::error::{AppError, Result};
use crate::store::Store;

/// The effective permissions of one actor.
#[derive(Debug, Clone)]
pub struct Access {
    all: bool,
    read: HashSet<SpaceId>,
    write: HashSet<SpaceId>,
}

/// The ACL that applies to `space`: its own or the nearest ancestor's.
pub fn effective_acl<'a>(spaces: &'a HashMap<SpaceId, Space>, space: &'a Space) -> Acl {
    let mut cur = Some(space);
    for _ in 0..=MAX_SPACE_DEPTH {
        let Some(s) = cur else { break };
        if let Some(acl) = &s.acl {
            return acl.clone();
        }
        cur = s.parent.and_then(|p| spaces.get(&p));
    }
    Acl::default_open()
}

impl Access {
    /// Everything (admins, the system).
    pub fn everything() -> Self {
        Access {
            all: true,
            read: HashSet::new(),
            write: HashSet::new(),
        }
    }

    /// Computes the actor's permissions over all spaces.
    pub fn compute(store: &Store, actor: &Actor) -> Result<Self> {
        if actor.is_admin() {
            return Ok(Self::everything());
        }
        let spaces: HashMap<SpaceId, Space> =
            store.all_spaces()?.into_iter().map(|s| (s.id, s)).collect();
        let anonymous_ok = !actor.is_authenticated() && super::settings::anonymous_read(store)?;
        let mut read = HashSet::new();
        let mut write = HashSet::new();
        for space in spaces.values() {
            let acl = effective_acl(&spaces, space);
            let level = if actor.is_authenticated() {
                acl.groups
                    .iter()
                    .filter(|g| actor.groups.contains(&g.group))
                    .map(|g| g.access)
                    .fold(acl.all_staff, Level::max)
            } else if anonymous_ok && acl.anonymous_read {
                Level::Read
            } else {
                Level::None
            };
            if level >= Level::Read {
                read.insert(space.id);
            }
            if level >= Level::Write && actor.may_write() {
                write.insert(space.id);
            }
        }
        Ok(Access {
            all: false,
            read,
            write,
        })
    }

    /// Whether articles in `space` are visible.
    pub fn can_read(&self, space: SpaceId) -> bool {
        self.all || self.read.contains(&space)
    }

    /// Whether articles in `space` may be created or changed.
    pub fn can_write(&self, space: SpaceId) -> bool {
        self.all || self.write.contains(&space)
    }

    /// Fails with "not found" unless `space` is readable (existence must not leak).
    pub fn require_read(&self, space: SpaceId, what: &str) -> Result<()> {
        if self.can_read(space) {
            Ok(())
        } else {
            Err(AppError::NotFound(format!("{what} nicht gefunden.")))
        }
    }

    /// Fails unless `space` is writable: "not found" when it is not even readable,
    /// "forbidden" otherwise.
    pub fn require_write(&self, space: SpaceId, what: &str) -> Result<()> {
        self.require_read(space, what)?;
        if self.can_write(space) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Sie haben in diesem Bereich keine Schreibrechte.".to_owned(),
            ))
        }
    }

    /// The readable spaces as ids for the search index filter; `None` = no restriction.
    /// Documents outside spaces (process steps, space "") are visible to everyone who
    /// passed the edge: processes are open to all staff (and to anonymous readers where
    /// anonymous reading is on); their linked articles are filtered separately.
    pub fn readable_for_index(&self) -> Option<Vec<String>> {
        (!self.all).then(|| {
            self.read
                .iter()
                .map(ToString::to_string)
                .chain(std::iter::once(String::new()))
                .collect()
        })
    }
}
