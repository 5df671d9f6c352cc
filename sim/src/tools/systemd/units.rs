//! The other services of an Ubuntu kubeadm node, for `systemctl list-units` and
//! `list-unit-files`: what they are and their usual state. Only the kubelet is modelled; the
//! container runtime answers `status` and accepts `restart` (its containers survive, as they
//! do under containerd's shims); the rest are listed and refused by name.

/// A unit that exists on the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unit {
    pub name: &'static str,
    pub description: &'static str,
    /// `list-unit-files` STATE (`enabled`, `static`, …).
    pub file_state: &'static str,
    /// Whether it runs (a oneshot that ran shows `active exited`).
    pub sub: &'static str,
    /// Only on nodes with this container runtime (`containerd`, `docker`).
    pub runtime: Option<&'static str>,
}

const fn unit(name: &'static str, description: &'static str, file_state: &'static str, sub: &'static str) -> Unit {
    Unit {
        name,
        description,
        file_state,
        sub,
        runtime: None,
    }
}

/// Ubuntu's services on a kubeadm node, sorted by name (the kubelet is added by the caller).
pub(crate) const UNITS: &[Unit] = &[
    unit("apparmor", "Load AppArmor profiles", "enabled", "exited"),
    unit("apport", "LSB: automatic crash report generation", "enabled", "exited"),
    unit("blk-availability", "Availability of block devices", "enabled", "exited"),
    Unit {
        runtime: Some("containerd"),
        ..unit("containerd", "containerd container runtime", "enabled", "running")
    },
    unit(
        "cron",
        "Regular background program processing daemon",
        "enabled",
        "running",
    ),
    unit("dbus", "D-Bus System Message Bus", "static", "running"),
    Unit {
        runtime: Some("docker"),
        ..unit("docker", "Docker Application Container Engine", "enabled", "running")
    },
    unit("getty@tty1", "Getty on tty1", "enabled", "running"),
    unit("keyboard-setup", "Set the console keyboard layout", "enabled", "exited"),
    unit(
        "kmod-static-nodes",
        "Create List of Static Device Nodes",
        "static",
        "exited",
    ),
    unit(
        "multipathd",
        "Device-Mapper Multipath Device Controller",
        "enabled",
        "running",
    ),
    unit(
        "networkd-dispatcher",
        "Dispatcher daemon for systemd-networkd",
        "enabled",
        "running",
    ),
    unit("polkit", "Authorization Manager", "static", "running"),
    unit("rsyslog", "System Logging Service", "enabled", "running"),
    unit("setvtrgb", "Set console scheme", "enabled", "exited"),
    unit("snapd", "Snap Daemon", "enabled", "running"),
    unit("ssh", "OpenBSD Secure Shell server", "enabled", "running"),
    unit("systemd-journald", "Journal Service", "static", "running"),
    unit("systemd-logind", "User Login Management", "static", "running"),
    unit("systemd-networkd", "Network Configuration", "enabled", "running"),
    unit("systemd-resolved", "Network Name Resolution", "enabled", "running"),
    unit(
        "systemd-timesyncd",
        "Network Time Synchronization",
        "enabled",
        "running",
    ),
    unit(
        "systemd-udevd",
        "Rule-based Manager for Device Events and Files",
        "static",
        "running",
    ),
    unit("ufw", "Uncomplicated firewall", "enabled", "exited"),
    unit(
        "unattended-upgrades",
        "Unattended Upgrades Shutdown",
        "enabled",
        "running",
    ),
];

/// Aliases systemd resolves to a unit (`sshd` is `ssh` on Ubuntu).
pub(crate) fn find(name: &str) -> Option<&'static Unit> {
    let name = match name {
        "sshd" => "ssh",
        other => other,
    };
    UNITS.iter().find(|u| u.name == name)
}

/// Whether a unit is on this node (the runtime's unit only where that runtime is).
pub(crate) fn present(u: &Unit, runtime: &str) -> bool {
    u.runtime.is_none_or(|r| runtime.starts_with(r))
}
