use crate::model::packages::repo::{self, KubeSource};
use crate::model::packages::*;
use crate::release::version::KubeVersion;
use crate::shell::CommandOutput;
use crate::tools::apt::{self, APT_ERROR};

fn argv(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

fn run(state: &mut PackageState, line: &str) -> CommandOutput {
    apt::run(state, &argv(line)).expect("an apt command")
}

fn v(s: &str) -> DebVersion {
    DebVersion::parse(s).expect("valid version")
}

fn kv(s: &str) -> KubeVersion {
    KubeVersion::parse(s).expect("valid version")
}

/// A 1.30.6 node on pkgs.k8s.io, kube packages held, lists fetched.
fn node_130() -> PackageState {
    PackageState::provisioned(&kv("v1.30.6"))
}

// ----- versions ------------------------------------------------------------------------

#[test]
fn parses_both_eras_and_maps_to_kube_versions() {
    let legacy = v("1.8.0-00");
    assert_eq!((legacy.upstream.as_str(), legacy.revision.as_str()), ("1.8.0", "00"));
    assert_eq!(legacy.era(), Some(PackageEra::Legacy));
    assert_eq!(legacy.kube_version(), Some(kv("v1.8.0")));
    let community = v("1.31.2-1.1");
    assert_eq!(community.revision, "1.1");
    assert_eq!(community.era(), Some(PackageEra::Community));
    assert_eq!(community.kube_version(), Some(kv("v1.31.2")));
    assert_eq!(community.to_string(), "1.31.2-1.1");
    assert_eq!(v("1:2.0-3").to_string(), "1:2.0-3");
    assert_eq!(
        DebVersion::for_kube(&kv("v1.23.5"), PackageEra::Legacy).to_string(),
        "1.23.5-00"
    );
    assert_eq!(
        DebVersion::for_kube(&kv("v1.31.2"), PackageEra::Community).to_string(),
        "1.31.2-1.1"
    );
    assert_eq!(v("1.12.1-02").kube_version(), Some(kv("v1.12.1")));
}

#[test]
fn refuses_malformed_versions() {
    for bad in ["", "-1", "1.2-", "abc", "x1.2-3", "1.2 3", "1.2-3$", "a:1.2", ":1.2"] {
        assert!(DebVersion::parse(bad).is_err(), "{bad:?} should be refused");
    }
}

#[test]
fn orders_like_dpkg() {
    let ordered = [
        "1.7.16-00",
        "1.8.0-00",
        "1.9.0-00",
        "1.10.0-00",
        "1.12.1-02",
        "1.23.5-00",
        "1.29.4-1.1",
        "1.29.4-2.1",
        "1.29.10-1.1",
        "1.31.2~rc.1-1.1",
        "1.31.2-1.1",
        "1.31.2-1.2",
        "1.31.2-1.10",
        "1:0.1-1",
    ];
    for pair in ordered.windows(2) {
        assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
    }
    assert_eq!(v("1.0-00"), v("1.00-0"));
    assert!(v("1.0a-1") > v("1.0-1"));
    assert!(v("1.0+b1-1") > v("1.0a-1"));
}

#[test]
fn formats_sizes_like_apt() {
    assert_eq!(size_to_str(0), "0 B");
    assert_eq!(size_to_str(9_318), "9,318 B");
    assert_eq!(size_to_str(10_500), "10.5 kB");
    assert_eq!(size_to_str(5_055_000), "5,055 kB");
    assert_eq!(size_to_str(10_400_000), "10.4 MB");
    assert_eq!(size_to_str(31_700_000), "31.7 MB");
    assert_eq!(size_to_str(99_999), "100 kB");
    assert_eq!(size_to_str(1_234_567_890), "1,235 MB");
    assert_eq!(size_to_str(999), "999 B");
    assert_eq!(size_to_str(u64::MAX), "18.4 EB");
}

// ----- repositories --------------------------------------------------------------------

#[test]
fn catalogue_per_era() {
    let community = KubeSource::Community { minor: 31 };
    let offered = community.offered(KubePackage::Kubeadm);
    assert_eq!(offered.first().map(ToString::to_string).as_deref(), Some("1.31.13-1.1"));
    assert_eq!(offered.last().map(ToString::to_string).as_deref(), Some("1.31.0-1.1"));
    assert!(offered.iter().all(|d| d.upstream.starts_with("1.31.")));
    assert!(
        KubeSource::Community { minor: 29 }
            .offered(KubePackage::Kubelet)
            .contains(&v("1.29.4-2.1"))
    );
    assert!(
        KubeSource::Community { minor: 23 }
            .offered(KubePackage::Kubeadm)
            .is_empty()
    );
    assert!(!KubeSource::Community { minor: 37 }.published());

    let legacy = KubeSource::Legacy {
        uri: "https://apt.kubernetes.io".to_owned(),
    };
    let all = legacy.offered(KubePackage::Kubeadm);
    assert!(all.contains(&v("1.7.1-00")) && all.contains(&v("1.8.0-00")) && all.contains(&v("1.23.5-00")));
    assert!(all.contains(&v("1.12.1-02")) && !all.iter().any(|d| d.upstream == "1.12.0"));
    assert_eq!(all.first().map(ToString::to_string).as_deref(), Some("1.28.2-00"));
    assert!(!all.iter().any(|d| d.upstream.starts_with("1.29.")));
}

#[test]
fn sources_file_parsing_and_minor_switch() {
    let text = format!("{}\n", KubeSource::community_line(30));
    assert_eq!(
        text,
        "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.30/deb/ /\n"
    );
    assert_eq!(
        repo::parse_sources(&text, KUBERNETES_LIST),
        Ok(vec![KubeSource::Community { minor: 30 }])
    );
    assert_eq!(repo::with_minor(&text, 31), text.replace("v1.30", "v1.31"));
    assert_eq!(
        repo::parse_sources(
            "# comment\n\ndeb https://apt.kubernetes.io/ kubernetes-xenial main\n",
            "f"
        ),
        Ok(vec![KubeSource::Legacy {
            uri: "https://apt.kubernetes.io".to_owned()
        }])
    );
    assert_eq!(
        repo::parse_sources("deb https://pkgs.k8s.io/core:/stable:/v1.30/deb/\n", "/f"),
        Err(vec!["Malformed entry 1 in list file /f (dist)".to_owned()])
    );
    assert_eq!(
        repo::parse_sources("deb http://archive.ubuntu.com/ubuntu jammy\n", "/f"),
        Err(vec!["Malformed entry 1 in list file /f (Component)".to_owned()])
    );
    assert_eq!(
        repo::parse_sources("dbe https://x/ /\n", "/f"),
        Err(vec!["Type 'dbe' is not known on line 1 in source list /f".to_owned()])
    );

    let mut s = PackageState::new(repo::LEGACY_LINE);
    s.set_repo_minor(29);
    assert_eq!(s.repo_file_text(), format!("{}\n", KubeSource::community_line(29)));
}

// ----- apt-get update / install ---------------------------------------------------------

#[test]
fn update_fetches_new_repository_then_hits() {
    let mut s = node_130();
    s.set_repo_minor(31);
    assert!(!s.lists_fresh());
    let out = run(&mut s, "apt-get update");
    assert_eq!(out.status, 0);
    let text = out.stdout_text();
    assert!(text.contains(
        "Get:5 https://prod-cdn.packages.k8s.io/repositories/isv:/kubernetes:/core:/stable:/v1.31/deb  InRelease [1,186 B]\n"
    ));
    assert!(text.contains(
        "Get:6 https://prod-cdn.packages.k8s.io/repositories/isv:/kubernetes:/core:/stable:/v1.31/deb  Packages ["
    ));
    assert!(text.contains("\nFetched "));
    assert!(text.ends_with("Reading package lists... Done\n"));
    assert!(s.lists_fresh());

    let again = run(&mut s, "apt-get update").stdout_text();
    assert!(again.contains(
        "Hit:5 https://prod-cdn.packages.k8s.io/repositories/isv:/kubernetes:/core:/stable:/v1.31/deb  InRelease\n"
    ));
    assert!(!again.contains("Fetched"));
    assert_eq!(run(&mut s, "apt-get update now").status, APT_ERROR);
}

#[test]
fn update_of_unpublished_minor_fails_and_changes_nothing() {
    let mut s = PackageState::provisioned(&kv("v1.36.0"));
    s.set_repo_minor(37);
    let before = s.clone();
    let out = run(&mut s, "apt-get update");
    assert_eq!(out.status, APT_ERROR);
    assert!(out.stderr_text().contains(
        "E: The repository 'https://pkgs.k8s.io/core:/stable:/v1.37/deb  Release' does not have a Release file.\n"
    ));
    assert_eq!(s, before);
}

#[test]
fn install_available_version_updates_state() {
    let mut s = node_130();
    s.set_repo_minor(31);
    assert_eq!(run(&mut s, "apt-mark unhold kubeadm").status, 0);
    assert_eq!(run(&mut s, "apt-get update").status, 0);
    let out = run(&mut s, "apt-get install -y kubeadm=1.31.2-1.1");
    assert_eq!(out.status, 0, "{}", out.text());
    let expected = "\
Reading package lists... Done
Building dependency tree... Done
Reading state information... Done
The following packages will be upgraded:
  kubeadm
1 upgraded, 0 newly installed, 0 to remove and 4 not upgraded.
";
    assert!(out.stdout_text().starts_with(expected), "{}", out.stdout_text());
    let text = out.stdout_text();
    assert!(text.contains(
        "Get:1 https://prod-cdn.packages.k8s.io/repositories/isv:/kubernetes:/core:/stable:/v1.31/deb  kubeadm 1.31.2-1.1 ["
    ));
    assert!(text.contains("Preparing to unpack .../kubeadm_1.31.2-1.1_amd64.deb ...\n"));
    assert!(text.contains("Unpacking kubeadm (1.31.2-1.1) over (1.30.6-1.1) ...\n"));
    assert!(text.ends_with("Setting up kubeadm (1.31.2-1.1) ...\n"));
    assert_eq!(out.stderr_text(), "");
    assert_eq!(s.installed(KubePackage::Kubeadm), Some(&v("1.31.2-1.1")));
    assert_eq!(s.installed_kube_version(KubePackage::Kubeadm), Some(kv("v1.31.2")));
    assert_eq!(s.installed_kube_version(KubePackage::Kubelet), Some(kv("v1.30.6")));
}

#[test]
fn version_outside_configured_minor_is_refused_and_changes_nothing() {
    let mut s = node_130();
    run(&mut s, "apt-mark unhold kubeadm");
    let before = s.clone();
    let out = run(&mut s, "apt-get install -y kubeadm=1.32.0-1.1");
    assert_eq!(out.status, APT_ERROR);
    assert_eq!(
        out.stderr_text(),
        "E: Version '1.32.0-1.1' for 'kubeadm' was not found\n"
    );
    assert_eq!(
        out.stdout_text(),
        "Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\n"
    );
    assert_eq!(s, before);
}

#[test]
fn install_before_update_after_repo_switch_is_refused() {
    let mut s = node_130();
    run(&mut s, "apt-mark unhold kubeadm");
    s.set_repo_minor(31);
    let before = s.clone();
    let out = run(&mut s, "apt-get install -y kubeadm=1.31.2-1.1");
    assert_eq!(out.status, APT_ERROR);
    assert_eq!(
        out.stderr_text(),
        "E: Version '1.31.2-1.1' for 'kubeadm' was not found\n"
    );
    assert_eq!(s, before);
    // The old minor's versions are gone too: apt only reads lists of configured sources.
    let old = run(&mut s, "apt-get install -y kubeadm=1.30.7-1.1");
    assert_eq!(
        old.stderr_text(),
        "E: Version '1.30.7-1.1' for 'kubeadm' was not found\n"
    );
    assert_eq!(run(&mut s, "apt-cache madison kubeadm").stdout_text(), "");
    run(&mut s, "apt-get update");
    assert_eq!(run(&mut s, "apt-get install -y kubeadm=1.31.2-1.1").status, 0);
}

#[test]
fn held_packages_refuse_without_allow_flag_and_succeed_with_it() {
    let mut s = PackageState::provisioned(&kv("v1.14.2"));
    let before = s.clone();
    let out = run(&mut s, "apt-get install -y kubelet=1.14.3-00 kubectl=1.14.3-00");
    // Transcript apt-003 (apt 1.2 on xenial), apart from the "not upgraded" count.
    let expected = "\
Reading package lists... Done
Building dependency tree
Reading state information... Done
The following held packages will be changed:
  kubectl kubelet
The following packages will be upgraded:
  kubectl kubelet
2 upgraded, 0 newly installed, 0 to remove and 2 not upgraded.
";
    assert_eq!(out.stdout_text(), expected);
    assert_eq!(
        out.stderr_text(),
        "E: Held packages were changed and -y was used without --allow-change-held-packages.\n"
    );
    assert_eq!(out.status, APT_ERROR);
    assert_eq!(s, before);

    let ok = run(
        &mut s,
        "apt-get install -y --allow-change-held-packages kubelet=1.14.3-00 kubectl=1.14.3-00",
    );
    assert_eq!(ok.status, 0, "{}", ok.text());
    assert!(
        ok.stdout_text()
            .contains("Get:1 https://apt.kubernetes.io kubernetes-xenial/main amd64 kubectl amd64 1.14.3-00 [")
    );
    assert_eq!(s.installed(KubePackage::Kubelet), Some(&v("1.14.3-00")));
    assert!(s.is_held(KubePackage::Kubelet), "the hold survives the forced change");
}

#[test]
fn held_change_without_yes_prompts_and_aborts() {
    let mut s = node_130();
    let before = s.clone();
    let out = run(&mut s, "apt-get install kubeadm=1.30.7-1.1");
    assert_eq!(out.status, 1);
    assert!(out.stdout_text().ends_with("Do you want to continue? [Y/n] Abort.\n"));
    assert_eq!(s, before);
}

#[test]
fn downgrade_needs_allow_downgrades() {
    let mut s = node_130();
    run(&mut s, "apt-mark unhold kubectl");
    let out = run(&mut s, "apt-get install -y kubectl=1.30.1-1.1");
    assert_eq!(out.status, APT_ERROR);
    assert!(
        out.stdout_text()
            .contains("The following packages will be DOWNGRADED:\n  kubectl\n")
    );
    assert!(
        out.stdout_text()
            .contains("0 upgraded, 0 newly installed, 1 downgraded, 0 to remove")
    );
    assert_eq!(
        out.stderr_text(),
        "E: Packages were downgraded and -y was used without --allow-downgrades.\n"
    );
    let ok = run(&mut s, "apt-get install -y --allow-downgrades kubectl=1.30.1-1.1");
    assert_eq!(ok.status, 0);
    assert_eq!(s.installed(KubePackage::Kubectl), Some(&v("1.30.1-1.1")));
}

#[test]
fn unknown_package_and_malformed_specs() {
    let mut s = node_130();
    let before = s.clone();
    let out = run(&mut s, "apt-get install -y kubeadmm screen");
    assert_eq!(out.status, APT_ERROR);
    assert_eq!(
        out.stderr_text(),
        "E: Unable to locate package kubeadmm\nE: Unable to locate package screen\n"
    );
    // apt splits at the last '=': the package name becomes `kubeadm=1.30.7`.
    let out = run(&mut s, "apt-get install -y kubeadm=1.30.7=1.1");
    assert_eq!(out.stderr_text(), "E: Unable to locate package kubeadm=1.30.7\n");
    let out = run(&mut s, "apt-get install -y kubeadm=");
    assert_eq!(out.stderr_text(), "E: Version '' for 'kubeadm' was not found\n");
    // Transcript apt-001: a bare upstream version, one line per package.
    let out = run(
        &mut s,
        "apt-get install -y kubelet=1.30.7 kubeadm=1.30.7 kubectl=1.30.7",
    );
    assert_eq!(
        out.stderr_text(),
        "E: Version '1.30.7' for 'kubelet' was not found\n\
         E: Version '1.30.7' for 'kubeadm' was not found\n\
         E: Version '1.30.7' for 'kubectl' was not found\n"
    );
    // The docs' placeholder typed literally.
    let out = run(&mut s, "apt-get install -y kubeadm=1.31.x-*");
    assert_eq!(out.stderr_text(), "E: Version '1.31.x-*' for 'kubeadm' was not found\n");
    assert_eq!(s, before);
}

#[test]
fn glob_version_selects_newest_match() {
    let mut s = node_130();
    let out = run(
        &mut s,
        "apt-get install -y --allow-change-held-packages kubeadm=1.30.1*",
    );
    assert_eq!(out.status, 0, "{}", out.text());
    assert!(out.stdout_text().contains(
        "Selected version '1.30.14-1.1' (isv:kubernetes:core:stable:v1.30:pkgs.k8s.io [amd64]) for 'kubeadm'\n"
    ));
    assert_eq!(s.installed(KubePackage::Kubeadm), Some(&v("1.30.14-1.1")));
}

#[test]
fn same_version_is_already_newest() {
    let mut s = node_130();
    let before = s.clone();
    let out = run(&mut s, "apt-get install -y kubeadm=1.30.6-1.1");
    assert_eq!(out.status, 0);
    assert!(
        out.stdout_text()
            .contains("kubeadm is already the newest version (1.30.6-1.1).\n")
    );
    assert!(
        out.stdout_text()
            .ends_with("0 upgraded, 0 newly installed, 0 to remove and 4 not upgraded.\n")
    );
    assert_eq!(s, before);
}

#[test]
fn fresh_install_on_empty_node() {
    let mut s = PackageState::new(&KubeSource::community_line(31));
    assert_eq!(
        run(&mut s, "apt-get install -y kubelet").stderr_text(),
        "E: Unable to locate package kubelet\n"
    );
    run(&mut s, "apt-get update");
    let out = run(&mut s, "apt-get install -y kubelet kubeadm kubectl");
    assert_eq!(out.status, 0);
    let text = out.stdout_text();
    assert!(text.contains("The following NEW packages will be installed:\n  kubeadm kubectl kubelet\n"));
    assert!(text.contains("0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded.\n"));
    assert!(text.contains("Selecting previously unselected package kubelet.\n"));
    assert!(text.contains("Unpacking kubelet (1.31.13-1.1) ...\n"));
    assert!(text.contains("Created symlink /etc/systemd/system/multi-user.target.wants/kubelet.service"));
    assert_eq!(s.installed_kube_version(KubePackage::Kubelet), Some(kv("v1.31.13")));
    assert_eq!(run(&mut s, "apt-mark hold kubelet kubeadm kubectl").status, 0);
}

#[test]
fn malformed_sources_file_breaks_every_command() {
    let mut s = node_130();
    s.set_repo_file_text("deb https://pkgs.k8s.io/core:/stable:/v1.31/deb/\n");
    let before = s.clone();
    for line in [
        "apt-get update",
        "apt-get install -y kubeadm",
        "apt-mark hold kubeadm",
        "apt-cache madison kubeadm",
    ] {
        let out = run(&mut s, line);
        assert_eq!(out.status, APT_ERROR, "{line}");
        assert!(out.stderr_text().ends_with(
            "E: Malformed entry 1 in list file /etc/apt/sources.list.d/kubernetes.list (dist)\n\
             E: The list of sources could not be read.\n"
        ));
    }
    assert_eq!(s, before);
}

#[test]
fn option_errors() {
    let mut s = node_130();
    assert_eq!(
        run(&mut s, "apt-get install -x kubeadm").stderr_text(),
        "E: Command line option 'x' [from -x] is not known.\n"
    );
    assert_eq!(
        run(&mut s, "apt-get install --frobnicate kubeadm").stderr_text(),
        "E: Command line option --frobnicate is not understood in combination with the other options\n"
    );
    assert_eq!(
        run(&mut s, "apt-get instal kubeadm").stderr_text(),
        "E: Invalid operation instal\n"
    );
    assert_eq!(run(&mut s, "apt-get").status, 1);
    assert!(apt::run(&mut s, &argv("kubectl get nodes")).is_none());
}

#[test]
fn upgrade_keeps_held_packages_back() {
    let mut s = node_130();
    run(&mut s, "apt-mark unhold kubectl");
    let out = run(&mut s, "apt-get upgrade -y");
    assert_eq!(out.status, 0, "{}", out.text());
    let text = out.stdout_text();
    assert!(text.contains("The following packages have been kept back:\n  kubeadm kubelet\n"));
    assert!(text.contains("The following packages will be upgraded:\n  cri-tools kubectl\n"));
    assert_eq!(s.installed(KubePackage::Kubectl), Some(&v("1.30.14-1.1")));
    assert_eq!(s.installed(KubePackage::Kubeadm), Some(&v("1.30.6-1.1")));
}

// ----- apt-mark --------------------------------------------------------------------------

#[test]
fn hold_and_unhold_messages() {
    let mut s = node_130();
    let out = run(&mut s, "apt-mark unhold kubelet kubectl");
    assert_eq!(
        out.stdout_text(),
        "Canceled hold on kubelet.\nCanceled hold on kubectl.\n"
    );
    assert_eq!(
        run(&mut s, "apt-mark unhold kubelet").stdout_text(),
        "kubelet was already not on hold.\n"
    );
    let out = run(&mut s, "apt-mark hold kubelet kubeadm kubectl");
    assert_eq!(
        out.stdout_text(),
        "kubelet set on hold.\nkubeadm was already set on hold.\nkubectl set on hold.\n"
    );
    assert_eq!(
        run(&mut s, "apt-mark showhold").stdout_text(),
        "kubeadm\nkubectl\nkubelet\n"
    );

    let before = s.clone();
    let bad = run(&mut s, "apt-mark unhold kubeadm kubeadmm");
    assert_eq!(bad.status, APT_ERROR);
    assert_eq!(bad.stderr_text(), "E: Unable to locate package kubeadmm\n");
    assert_eq!(s, before);
    assert_eq!(run(&mut s, "apt-mark hold").stderr_text(), "E: No packages found\n");
}

// ----- apt-cache / apt list ----------------------------------------------------------------

#[test]
fn madison_layout() {
    let mut s = node_130();
    let out = run(&mut s, "apt-cache madison kubeadm");
    assert_eq!(out.status, 0);
    let stdout = out.stdout_text();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 15);
    assert_eq!(
        lines[0],
        "   kubeadm | 1.30.14-1.1 | https://pkgs.k8s.io/core:/stable:/v1.30/deb  Packages"
    );
    assert_eq!(
        lines[14],
        "   kubeadm | 1.30.0-1.1 | https://pkgs.k8s.io/core:/stable:/v1.30/deb  Packages"
    );
    let cni = run(&mut s, "apt-cache madison kubernetes-cni").stdout_text();
    assert_eq!(
        cni,
        "kubernetes-cni |  1.4.0-1.1 | https://pkgs.k8s.io/core:/stable:/v1.30/deb  Packages\n"
    );

    let mut old = PackageState::provisioned(&kv("v1.23.5"));
    let text = run(&mut old, "apt-cache madison kubeadm").stdout_text();
    assert!(
        text.contains("   kubeadm |  1.23.5-00 | https://apt.kubernetes.io kubernetes-xenial/main amd64 Packages\n")
    );
    assert!(text.contains("   kubeadm |   1.8.0-00 | "));

    let missing = run(&mut s, "apt-cache madison kubeadmm");
    assert_eq!((missing.status, missing.stdout_text()), (0, String::new()));
    assert_eq!(missing.stderr_text(), "N: Unable to locate package kubeadmm\n");
}

#[test]
fn policy_shows_installed_and_candidate() {
    let mut s = PackageState::provisioned(&kv("v1.12.1"));
    let out = run(&mut s, "apt-cache policy kubeadm").stdout_text();
    assert!(out.starts_with("kubeadm:\n  Installed: 1.12.1-02\n  Candidate: 1.28.2-00\n  Version table:\n"));
    // Transcript apt-006.
    assert!(out.contains(
        " *** 1.12.1-02 500\n        500 https://apt.kubernetes.io kubernetes-xenial/main amd64 Packages\n        100 /var/lib/dpkg/status\n"
    ));
}

#[test]
fn apt_list_installed_splits_streams() {
    let mut s = node_130();
    let out = run(&mut s, "apt list --installed");
    assert_eq!(out.status, 0);
    assert_eq!(
        out.stderr_text(),
        "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n"
    );
    let expected = "\
Listing...
cri-tools/unknown,now 1.30.0-1.1 amd64 [installed,upgradable to: 1.30.1-1.1]
kubeadm/unknown,now 1.30.6-1.1 amd64 [installed,upgradable to: 1.30.14-1.1]
kubectl/unknown,now 1.30.6-1.1 amd64 [installed,upgradable to: 1.30.14-1.1]
kubelet/unknown,now 1.30.6-1.1 amd64 [installed,upgradable to: 1.30.14-1.1]
kubernetes-cni/unknown,now 1.4.0-1.1 amd64 [installed]
";
    assert_eq!(out.stdout_text(), expected);

    // After a repo switch and update, the old versions are no longer in any repository.
    s.set_repo_minor(31);
    run(&mut s, "apt-get update");
    let text = run(&mut s, "apt list --installed kube*").stdout_text();
    assert!(text.contains("kubeadm/now 1.30.6-1.1 amd64 [installed,local]\n"));
    assert!(!text.contains("cri-tools"));
    let up = run(&mut s, "apt list --upgradable").stdout_text();
    assert!(up.contains("kubeadm/unknown 1.31.13-1.1 amd64 [upgradable from: 1.30.6-1.1]\n"));
}

#[test]
fn apt_update_summarises() {
    let mut s = node_130();
    let out = run(&mut s, "apt update");
    assert!(out.stdout_text().ends_with(
        "Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\n\
         4 packages can be upgraded. Run 'apt list --upgradable' to see them.\n"
    ));
}

#[test]
fn no_panic_on_odd_input() {
    let mut s = node_130();
    for line in [
        "apt-get install -y =",
        "apt-get install -y =1.2",
        "apt-get install -y kubeadm=*",
        "apt-get install -y kubeadm=[",
        "apt-get -- install",
        "apt-get -",
        "apt-mark",
        "apt-mark frob",
        "apt-cache",
        "apt-cache policy",
        "apt list -a --upgradable ***",
        "apt",
        "apt-get install -y -o",
    ] {
        let _ = run(&mut s, line);
    }
    for text in [
        "deb [signed-by=x https://pkgs.k8s.io/ /",
        "deb",
        "deb https://pkgs.k8s.io/core:/stable:/v1.x/deb/ /",
        "\u{1F600}",
    ] {
        s.set_repo_file_text(text);
        let _ = run(&mut s, "apt-get update");
        let _ = run(&mut s, "apt list");
    }
    s.set_repo_file_text("deb https://pkgs.k8s.io/core:/stable:/v1.99999999999/deb/ /\n");
    assert_eq!(run(&mut s, "apt-get update").status, APT_ERROR);
}
