//! SDS archives.
