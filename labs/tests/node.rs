//! The node as the lab terminal shows it: shells inside shells (`sudo -i`) change the prompt
//! and are left first by `exit`; only `exit` at the first host's own shell ends the lab.

mod common;

use common::{lab, type_line};
use kubedrill_labs::{Reply, Session};

#[test]
fn sudo_i_opens_a_root_shell_that_exit_leaves_first() {
    // Goal: the exam habit ssh, sudo -i, exit, exit comes back to the first host without ending
    // the lab. Method: type the lines, read the prompt after each, then exit at the top.
    let l = lab("stopped-kubelet");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    assert_eq!(s.prompt(), "controlplane $ ");
    type_line(&mut s, "ssh node01");
    assert_eq!(s.prompt(), "node01 $ ");
    type_line(&mut s, "sudo -i");
    assert_eq!(s.prompt(), "root@node01:~# ");
    type_line(&mut s, "cd /etc/kubernetes");
    assert_eq!(s.prompt(), "root@node01:/etc/kubernetes# ");
    let leave_root = type_line(&mut s, "exit");
    assert!(leave_root.ends_with("logout\n"), "{leave_root}");
    assert_eq!(s.prompt(), "node01 $ ");
    let leave_ssh = type_line(&mut s, "exit");
    assert!(leave_ssh.contains("Connection to node01 closed."), "{leave_ssh}");
    assert_eq!(s.prompt(), "controlplane $ ");
    // A root shell on the first host: its exit is the shell's, not the lab's.
    type_line(&mut s, "sudo su -");
    assert_eq!(s.prompt(), "root@controlplane:~# ");
    assert!(matches!(s.input("exit"), Reply::Output { .. }));
    assert_eq!(s.prompt(), "controlplane $ ");
    assert_eq!(s.input("exit"), Reply::Exit);
}

#[test]
fn a_worker_has_no_kubeconfig_until_one_is_copied() {
    // Goal: kubectl on a kubeadm worker talks to localhost:8080 (no kubeconfig there), as the
    // real one does; copying admin.conf over makes it work. Method: type the lines on node01.
    let l = lab("stopped-kubelet");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    type_line(&mut s, "ssh node01");
    let refused = type_line(&mut s, "kubectl get nodes");
    assert!(
        refused.contains(r#"memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \"http://localhost:8080/api?timeout=32s\": dial tcp 127.0.0.1:8080: connect: connection refused""#),
        "{refused}"
    );
    assert!(
        refused.ends_with(
            "The connection to the server localhost:8080 was refused - did you specify the right host or port?\n"
        ),
        "{refused}"
    );
    type_line(&mut s, "exit");
    let no_dir = type_line(&mut s, "scp /etc/kubernetes/admin.conf node01:/root/.kube/config");
    assert!(
        no_dir.contains("scp: dest open \"/root/.kube/config\": No such file or directory"),
        "{no_dir}"
    );
    type_line(&mut s, "ssh node01 mkdir -p /root/.kube");
    type_line(&mut s, "scp /etc/kubernetes/admin.conf node01:/root/.kube/config");
    type_line(&mut s, "ssh node01");
    let works = type_line(&mut s, "kubectl get nodes");
    assert!(works.contains("node01"), "{works}");
    assert!(!works.contains("localhost:8080"), "{works}");
}
