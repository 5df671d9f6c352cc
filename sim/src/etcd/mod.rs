//! The etcd model. So far: how etcd derives member and cluster IDs, which `member list`,
//! `snapshot restore` and `endpoint status` print.

pub mod ids;
pub mod log;
pub mod model;
pub mod rollback;
pub mod upgrade;
pub mod version;
