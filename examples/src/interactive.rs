//! The interactive app (placeholder module filled in below).
