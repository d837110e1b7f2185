//! Spaces (Bereiche) and their slugs.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{Result, Store, StoreError, decode, encode, id16};
use crate::domain::{Space, SpaceId};

impl Store {
    /// Stores a new space under its slug; returns `false` (and stores nothing) if the slug is taken.
    pub fn insert_space(&self, space: &Space) -> Result<bool> {
        let value = encode(space)?;
        let outcome = (&self.spaces, &self.space_slugs).transaction(|(spaces, slugs)| {
            if slugs.get(space.slug.as_str().as_bytes())?.is_some() {
                return Err(ConflictableTransactionError::Abort(()));
            }
            slugs.insert(space.slug.as_str().as_bytes(), &space.id.to_bytes()[..])?;
            spaces.insert(&space.id.to_bytes()[..], value.clone())?;
            Ok(())
        });
        match outcome {
            Ok(()) => Ok(true),
            Err(TransactionError::Abort(())) => Ok(false),
            Err(TransactionError::Storage(e)) => Err(StoreError::Sled(e)),
        }
    }

    /// Replaces a space's stored record (name, description, parent); the slug stays.
    pub fn update_space(&self, space: &Space) -> Result<()> {
        self.spaces.insert(space.id.to_bytes(), encode(space)?)?;
        Ok(())
    }

    /// A space by id.
    pub fn space(&self, id: SpaceId) -> Result<Option<Space>> {
        self.spaces
            .get(id.to_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// A space by slug.
    pub fn space_by_slug(&self, slug: &str) -> Result<Option<Space>> {
        match self.space_slugs.get(slug.as_bytes())? {
            Some(id) => self.space(SpaceId::from_bytes(id16(&id)?)),
            None => Ok(None),
        }
    }

    /// All spaces in creation order.
    pub fn all_spaces(&self) -> Result<Vec<Space>> {
        self.spaces.iter().values().map(|v| decode(&v?)).collect()
    }
}
