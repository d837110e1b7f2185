//! stafette-index: search library (placeholder until the index is built).
