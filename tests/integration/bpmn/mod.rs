//! The BPMN importer: own fixtures, the shared corpus (when `../shared` is there), hostile
//! input and fingerprints.

mod corpus;
mod fingerprint;
mod own_fixtures;
mod robustness;

use std::path::PathBuf;

/// Bytes of a file in `tests/fixtures/`.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bpmn")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The shared fixture corpus: `$BPMN_CORPUS`, else `shared/fixtures/bpmn` next
/// to the repository (CI clones main with `shared/` beside it) or next to the
/// scratch directory. `None` skips the corpus tests.
pub(crate) fn corpus_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("BPMN_CORPUS").map(PathBuf::from),
        Some(manifest.join("../shared/fixtures/bpmn")),
        Some(manifest.join("../../shared/fixtures/bpmn")),
    ];
    candidates.into_iter().flatten().find(|dir| dir.is_dir())
}

/// Small deterministic PRNG (xorshift64*), so mutation tests are reproducible
/// without a `rand` dependency.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
