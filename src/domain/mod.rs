//! Pure domain types and rules: ids, slugs, articles, spaces and their permissions,
//! accounts, revisions, diffs and merges.
//! Nothing here does IO; everything above (store, service, http) builds on these types.

pub mod article;
pub mod bpmn;
pub mod diff;
pub mod merge;
pub mod process;
pub mod retention;
pub mod slug;
pub mod space;
pub mod user;

pub use article::{Article, ArticleId, Revision, RevisionMeta, Tags, Timestamp};
pub use slug::{Slug, slugify};
pub use space::{Access, Acl, GroupGrant, Space, SpaceId};
pub use user::{
    ApiToken, AuditAction, AuditEvent, ExternalIdentity, Group, GroupId, Role, Session, TokenId,
    TokenScope, User, UserId,
};
