//! Which binary runs and which release it is: every format and message switch asks this.

use crate::etcd::version::EtcdVersion;
use crate::gotext::TableWriter;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Bin {
    Etcdctl,
    Etcdutl,
}

impl Bin {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Bin::Etcdctl => "etcdctl",
            Bin::Etcdutl => "etcdutl",
        }
    }
}

/// The tool binary: which one and its release.
#[derive(Clone, Debug)]
pub(crate) struct Tool {
    pub(crate) bin: Bin,
    pub(crate) v: EtcdVersion,
}

/// How gRPC words a connection that never became ready, by the grpc-go etcd vendored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Grpc {
    /// grpc-go 1.23 (etcd 3.4.0–3.4.7): no balancer detail.
    V123,
    /// grpc-go 1.26 (3.4.8–3.4.27): `all SubConns are in TransientFailure, latest connection error: …`.
    V126,
    /// grpc-go 1.38/1.41 (3.5.0–3.5.9): `last connection error: …`, `Error while dialing dial tcp`.
    V141,
    /// grpc-go 1.58+ (3.4.28+, 3.5.10+, 3.6): `Error while dialing: dial tcp`.
    V158,
}

impl Tool {
    pub(crate) fn minor(&self) -> (u32, u32) {
        self.v.minor_key()
    }

    /// At least `major.minor`.
    pub(crate) fn ge(&self, major: u32, minor: u32) -> bool {
        self.minor() >= (major, minor)
    }

    /// At least `major.minor.patch` (pre-releases of a patch count as that patch).
    pub(crate) fn ge_patch(&self, major: u32, minor: u32, patch: u32) -> bool {
        (self.v.major, self.v.minor, self.v.patch) >= (major, minor, patch)
    }

    pub(crate) fn version_text(&self) -> String {
        self.v.binary_version().without_v().to_string()
    }

    pub(crate) fn api_version(&self) -> String {
        format!("{}.{}", self.v.major, self.v.minor)
    }

    pub(crate) fn tablewriter(&self) -> TableWriter {
        if self.ge(3, 5) {
            TableWriter::V005
        } else {
            TableWriter::V2017
        }
    }

    pub(crate) fn grpc(&self) -> Grpc {
        if self.ge(3, 6) || self.ge_patch(3, 5, 10) || (self.minor() == (3, 4) && self.ge_patch(3, 4, 28)) {
            Grpc::V158
        } else if self.ge(3, 5) {
            Grpc::V141
        } else if self.ge_patch(3, 4, 8) {
            Grpc::V126
        } else {
            Grpc::V123
        }
    }

    /// Go 1.15+ quotes the input in `time: invalid duration "x"` and `url.Parse` errors. etcd
    /// 3.4 was built with Go 1.12 up to 3.4.13 (by its release notes' toolchain pins).
    pub(crate) fn go_quotes(&self) -> bool {
        self.ge(3, 5) || self.ge_patch(3, 4, 14)
    }
}
