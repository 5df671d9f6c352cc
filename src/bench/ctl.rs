//! The benchmark's hands on the simulator: every strategy acts only through here, and only
//! through `Sim::handle_input` — lines typed on a host, requests to the Kubernetes API (the
//! Eviction API, cordons), faults (a machine joining is `node-add`), and virtual time passing.
//! Reads go through the cluster's read API. The fault schedule is injected here too, between
//! inputs: a command runs to its end in virtual time, so a fault due meanwhile lands right
//! after it; waits are split at fault times, so faults during waits land on time.
//!
//! Waits are labelled (`wait pdb 5s`): the label is in the trace as the step's text, and the
//! metrics split the makespan into waiting (budgets, soaks, provisioning) and working from it.

use super::faults::Timed;
use kubedrill_sim::Fault;
use kubedrill_sim::Sim;
use kubedrill_sim::host::input::{ApiReply, ApiRequest, Input, Output};
use kubedrill_sim::model::status::ApiError;
use kubedrill_sim::shell::CommandOutput;
use kubedrill_sim::time::{SimDuration, SimTime};

/// Why time passes, as the trace shows it (`wait <why> <duration>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// A budget refused an eviction: waiting to try again.
    Pdb,
    /// Pods terminating, starting, nodes rebooting: the work itself.
    Work,
    /// A soak after a batch.
    Soak,
    /// A machine being provisioned (billed from here).
    Provision,
    /// Nobody has noticed the incident yet.
    Detect,
    /// A snapshot on its way to or from backup storage.
    Transfer,
    /// Time passing between scheduled actions (snapshots before an incident).
    Idle,
}

impl Why {
    pub fn word(self) -> &'static str {
        match self {
            Self::Pdb => "pdb",
            Self::Work => "work",
            Self::Soak => "soak",
            Self::Provision => "provision",
            Self::Detect => "detect",
            Self::Transfer => "transfer",
            Self::Idle => "idle",
        }
    }

    /// Waiting rather than working, for the makespan split.
    pub fn is_waiting(word: &str) -> bool {
        matches!(word, "pdb" | "soak" | "provision" | "detect" | "transfer")
    }
}

/// The run is over its virtual-time budget: the strategy stops there, unfinished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfTime;

pub struct Ctl {
    pub sim: Sim,
    /// The first control plane: where kubectl and etcdctl run.
    pub admin: String,
    faults: Vec<Timed>,
    next_fault: usize,
    pub start: SimTime,
    deadline: SimTime,
    /// The first control plane's etcdctl environment is set.
    etcdctl_ready: bool,
}

impl Ctl {
    pub fn new(sim: Sim, admin: &str, faults: Vec<Timed>, budget: SimDuration) -> Self {
        let start = sim.now();
        Self {
            sim,
            admin: admin.to_string(),
            faults,
            next_fault: 0,
            start,
            deadline: start + budget,
            etcdctl_ready: false,
        }
    }

    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    pub fn check_time(&self) -> Result<(), OutOfTime> {
        if self.sim.now() >= self.deadline {
            Err(OutOfTime)
        } else {
            Ok(())
        }
    }

    /// A line typed on `host`; faults that came due while it ran are applied after it.
    pub fn run(&mut self, host: &str, line: &str) -> CommandOutput {
        let out = match self.sim.handle_input(Input::Command { host, line }) {
            Ok(Output::Command(out)) => out,
            _ => CommandOutput {
                status: 1,
                ..CommandOutput::default()
            },
        };
        self.apply_due_faults();
        out
    }

    /// kubectl and etcdctl run on `host` from now on (the first control plane is going).
    pub fn set_admin(&mut self, host: &str) {
        if self.admin != host {
            self.admin = host.to_string();
            self.etcdctl_ready = false;
        }
    }

    /// [`Ctl::run`] on the first control plane.
    pub fn kubectl(&mut self, line: &str) -> CommandOutput {
        let admin = self.admin.clone();
        self.run(&admin, line)
    }

    /// `etcdctl ARGS` on the first control plane with kubeadm's certificates.
    pub fn etcdctl(&mut self, args: &str) -> CommandOutput {
        if !self.etcdctl_ready {
            self.kubectl("export ETCDCTL_API=3 ETCDCTL_CACERT=/etc/kubernetes/pki/etcd/ca.crt ETCDCTL_CERT=/etc/kubernetes/pki/etcd/server.crt ETCDCTL_KEY=/etc/kubernetes/pki/etcd/server.key ETCDCTL_ENDPOINTS=https://127.0.0.1:2379");
            self.etcdctl_ready = true;
        }
        self.kubectl(&format!("etcdctl {args}"))
    }

    /// The hex ID `etcdctl member list` gives the member named `name`, if it lists one.
    pub fn etcd_member_id(&mut self, name: &str) -> Option<String> {
        let list = self.etcdctl("member list");
        list.text()
            .lines()
            .find(|l| l.split(", ").nth(2) == Some(name))
            .and_then(|l| l.split(", ").next())
            .map(str::to_string)
    }

    pub fn api(&mut self, req: ApiRequest) -> Result<ApiReply, ApiError> {
        let out = self.sim.handle_input(Input::Api(req));
        self.apply_due_faults();
        match out {
            Ok(Output::Api(r)) => r,
            _ => Err(ApiError::new(500, "no answer".to_string())),
        }
    }

    /// A fault from outside (`node-add …`, an incident). False when it cannot apply (the node
    /// is gone), which changes nothing.
    pub fn fault(&mut self, text: &str) -> bool {
        let Ok(fault) = Fault::parse(text) else {
            return false;
        };
        self.sim.handle_input(Input::Fault { fault, text }).is_ok()
    }

    /// Lets `d` of virtual time pass, labelled; scheduled faults land on time.
    pub fn wait(&mut self, d: SimDuration, why: Why) {
        self.wait_noted(d, why, "");
    }

    /// [`Ctl::wait`] with a note on its first step (`requested 3 machines`: billing starts).
    pub fn wait_noted(&mut self, d: SimDuration, why: Why, note: &str) {
        let until = self.sim.now() + d;
        let mut note = (!note.is_empty()).then(|| format!(" ({note})"));
        while self.sim.now() < until {
            let next_fault = self.next_fault_time().filter(|t| *t < until);
            let to = next_fault.unwrap_or(until);
            if to > self.sim.now() {
                let by = SimDuration::from_ms(to.ms() - self.sim.now().ms());
                let text = format!(
                    "wait {} {}{}",
                    why.word(),
                    by.go_string(),
                    note.take().unwrap_or_default()
                );
                let _ = self.sim.handle_input(Input::Wait { by, text: &text });
            }
            self.apply_due_faults();
        }
    }

    /// Waits until `done` holds, looking every `poll`, at most `timeout`; true if it held.
    pub fn wait_until(
        &mut self,
        why: Why,
        poll: SimDuration,
        timeout: SimDuration,
        done: impl Fn(&Sim) -> bool,
    ) -> bool {
        let until = self.sim.now() + timeout;
        loop {
            if done(&self.sim) {
                return true;
            }
            if self.sim.now() >= until || self.check_time().is_err() {
                return false;
            }
            let left = until.ms() - self.sim.now().ms();
            self.wait(SimDuration::from_ms(poll.ms().min(left)), why);
        }
    }

    fn next_fault_time(&self) -> Option<SimTime> {
        self.faults.get(self.next_fault).map(|f| self.start + f.at)
    }

    fn apply_due_faults(&mut self) {
        while let Some(t) = self.next_fault_time()
            && t <= self.sim.now()
        {
            let text = self.faults[self.next_fault].text.clone();
            self.next_fault += 1;
            self.fault(&text);
        }
    }

    /// Scheduled faults not yet applied are dropped (the strategy is over).
    pub fn end_faults(&mut self) {
        self.next_fault = self.faults.len();
    }
}
