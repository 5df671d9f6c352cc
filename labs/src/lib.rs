//! kubedrill-labs: CKA "Cluster Maintenance" study labs on the kubedrill simulator.
//!
//! Start here:
//! - [`catalogue`]: the built-in labs (`labs/*.yaml`, embedded), validated; [`parse_lab`] reads
//!   one lab file, with `file:line:col` errors.
//! - [`Lab`]: a setup scenario, the task, [`Objective`]s (a closed set of [`Check`]s on the
//!   end state), hints and a solution.
//! - [`Session`]: one attempt, sans-IO: [`Session::input`] takes a typed line and returns a
//!   [`Reply`]; [`Session::grade`] checks the objectives.
//! - [`exam_set`] and [`ExamReport`]: mock exams against the CKA pass mark.
//! - [`grade_observed`]: the same objectives graded on a real cluster through
//!   [`ObservedCluster`] (the kind backend).
//!
//! Nothing here reads a clock, the environment or a file: the terminal in the `kubedrill`
//! crate owns all of that.

mod check;
mod complete;
mod error;
mod exam;
mod grade;
mod guard;
mod lab;
mod locate;
mod map;
mod observed;
mod refs;
mod session;
mod timeline;
mod why;

pub use check::{Check, Objective};
pub use error::LabError;
pub use exam::{ExamReport, ExamTask, PASS_MARK, exam_set};
pub use grade::{Grade, ObjectiveResult};
pub use lab::{Difficulty, Lab, Setup, SolutionStep, TOPICS, parse_lab};
pub use observed::{
    ObservedCluster, ObservedEtcd, ObservedGrade, ObservedNode, ObservedPod, ObservedWorkload, grade_observed,
};
pub use refs::{InvariantId, Package, PodRef, Version, WorkloadRef};
pub use session::{BUILTINS, Reply, STUDY_COMMANDS, Session};
pub use timeline::{Edit, Step, TimelineInfo};
pub use why::explain;

/// A built-in lab file, as (file name, text).
macro_rules! lab_file {
    ($id:literal) => {
        (
            concat!("labs/", $id, ".yaml"),
            include_str!(concat!("../labs/", $id, ".yaml")),
        )
    };
}

/// The built-in lab files, in the order `kubedrill lab list` shows them: maintenance, then
/// upgrades, then etcd.
const LAB_FILES: &[(&str, &str)] = &[
    lab_file!("os-rolling-patch"),
    lab_file!("drain-bare-pod-force"),
    lab_file!("drain-keep-bare-pod"),
    lab_file!("drain-pdb-blocked"),
    lab_file!("stopped-kubelet"),
    lab_file!("apiserver-wrong-etcd-servers"),
    lab_file!("kubelet-bad-flag"),
    lab_file!("patch-upgrade"),
    lab_file!("upgrade-control-plane"),
    lab_file!("upgrade-worker"),
    lab_file!("upgrade-cluster"),
    lab_file!("blue-green-workers"),
    lab_file!("flannel-upgrade"),
    lab_file!("version-skew-trap"),
    lab_file!("etcd-snapshot"),
    lab_file!("etcd-copy-db"),
    lab_file!("etcd-restore"),
    lab_file!("etcd-restore-new-urls"),
    lab_file!("etcd-restore-mount"),
    lab_file!("etcd-quorum-lost"),
    lab_file!("etcd-replace-member"),
    lab_file!("etcd-upgrade-2-1-to-2-3"),
];

/// Every built-in lab, parsed and validated, in file order.
pub fn catalogue() -> Result<Vec<Lab>, LabError> {
    let mut labs: Vec<Lab> = Vec::with_capacity(LAB_FILES.len());
    for (name, text) in LAB_FILES {
        let lab = parse_lab(name, text)?;
        if *name != format!("labs/{}.yaml", lab.id) {
            return Err(LabError::File {
                file: name.to_string(),
                line: None,
                column: None,
                message: format!("the lab's id is {:?}: its file must be labs/{}.yaml", lab.id, lab.id),
            });
        }
        if labs.iter().any(|l| l.id == lab.id) {
            return Err(LabError::File {
                file: name.to_string(),
                line: None,
                column: None,
                message: format!("id {:?} is used by another lab", lab.id),
            });
        }
        labs.push(lab);
    }
    Ok(labs)
}

/// The raw text of the built-in lab files, as (file name, text): for tools that show or
/// check them.
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    LAB_FILES
}
