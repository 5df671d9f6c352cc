//! The Kubernetes API seam (filled in below).
