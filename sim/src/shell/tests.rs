//! End-to-end tests of [`Shell::run_line`] against a fake host. Expected
//! texts were checked against bash 5.2 and GNU coreutils/grep.

use super::*;
use std::collections::BTreeMap;

const PODS: &str = "\
NAMESPACE     NAME                READY   STATUS    NODE
kube-system   etcd-controlplane   1/1     Running   controlplane
default       web-1               1/1     Running   node01
default       web-2               0/1     Pending   node01
default       db-0                1/1     Running   node02
";

/// A host with a few made-up commands:
/// `args A B` prints `[A][B]`; `getenv NAME` prints the variable or
/// `<unset>`; `fail` prints to stderr and exits 3; `both` writes to both
/// streams; `cat-stdin` echoes its input; `kubectl ...` prints a pod table.
#[derive(Default)]
struct Host {
    calls: Vec<Vec<String>>,
    files: BTreeMap<String, String>,
    dirs: Vec<String>,
}

impl CommandHost for Host {
    fn run(&mut self, argv: &[String], env: &ShellEnv, stdin: &str) -> Option<CommandOutput> {
        self.calls.push(argv.to_vec());
        let out = match argv[0].as_str() {
            "args" => CommandOutput::ok().line_out(&argv[1..].iter().map(|a| format!("[{a}]")).collect::<String>()),
            "getenv" => {
                let name = argv.get(1).map_or("", String::as_str);
                CommandOutput::ok().line_out(env.get(name).unwrap_or("<unset>"))
            }
            "cwd" => CommandOutput::ok().line_out(env.cwd()),
            "fail" => CommandOutput::fail(3).line_err("fail: something went wrong"),
            "both" => CommandOutput::ok().stdout("out1\n").stderr("err1\n").stdout("out2\n"),
            "cat-stdin" => CommandOutput::ok().stdout(stdin),
            "kubectl" | "etcdctl" => CommandOutput::ok().stdout(PODS),
            _ => return None,
        };
        Some(out)
    }

    fn read_file(&self, path: &str) -> Option<String> {
        self.files.get(path).cloned()
    }

    fn is_dir(&self, path: &str) -> Option<bool> {
        Some(path == "/" || self.dirs.iter().any(|d| d == path))
    }
}

fn shell() -> (Shell, Host) {
    (Shell::new(), Host::default())
}

/// Runs one line on a fresh shell.
fn run(line: &str) -> CommandOutput {
    let (mut sh, mut host) = shell();
    sh.run_line(&mut host, line)
}

fn out(line: &str) -> String {
    run(line).stdout_text()
}

#[test]
fn host_commands_get_argv_as_typed() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "args a  b\tc");
    assert_eq!(result.stdout_text(), "[a][b][c]\n");
    assert_eq!(result.status, 0);
    assert_eq!(host.calls, vec![vec!["args", "a", "b", "c"]]);
}

#[test]
fn single_quotes_are_literal() {
    assert_eq!(out(r#"args 'a b' '$HOME' '\n' 'it''s'"#), "[a b][$HOME][\\n][its]\n");
}

#[test]
fn double_quotes_expand_and_escape() {
    let (mut sh, mut host) = shell();
    sh.set_var("X", "v");
    let result = sh.run_line(&mut host, r#"args "a $X ${X}y" "q\"\$\\\`" "\a""#);
    assert_eq!(result.stdout_text(), "[a v vy][q\"$\\`][\\a]\n");
}

#[test]
fn backslashes_outside_quotes() {
    assert_eq!(out(r"args a\ b \$X \\ \'"), "[a b][$X][\\][']\n");
}

#[test]
fn adjacent_parts_concatenate_into_one_word() {
    assert_eq!(out(r#"args --foo="a b" x'y'"z" """#), "[--foo=a b][xyz][]\n");
}

#[test]
fn comments_start_only_at_word_start() {
    assert_eq!(out("args a#b # c d"), "[a#b]\n");
}

#[test]
fn empty_unquoted_expansions_vanish_and_quoted_ones_stay() {
    assert_eq!(out(r#"args $NOPE "$NOPE" a$NOPE ${NOPE}"#), "[][a]\n");
}

#[test]
fn unquoted_expansions_are_split_into_fields() {
    let (mut sh, mut host) = shell();
    sh.set_var("X", "a  b");
    assert_eq!(
        sh.run_line(&mut host, r#"args $X "$X" c$X"d""#).stdout_text(),
        "[a][b][a  b][ca][bd]\n"
    );
}

#[test]
fn special_parameters() {
    let (mut sh, mut host) = shell();
    sh.run_line(&mut host, "fail");
    assert_eq!(
        sh.run_line(&mut host, r#"args $? "${?}" $0 $# $1"#).stdout_text(),
        "[3][3][bash][0]\n"
    );
}

#[test]
fn tilde_uses_home_or_root() {
    let (mut sh, mut host) = shell();
    assert_eq!(
        sh.run_line(&mut host, r#"args ~ ~/x "~" a~ K=~/a:~/b"#).stdout_text(),
        "[/root][/root/x][~][a~][K=/root/a:/root/b]\n"
    );
    sh.set_var("HOME", "/home/u");
    assert_eq!(
        sh.run_line(&mut host, "args ~/.kube/config --kubeconfig=~/x")
            .stdout_text(),
        "[/home/u/.kube/config][--kubeconfig=~/x]\n"
    );
}

#[test]
fn parameter_defaults_and_assignment() {
    let (mut sh, mut host) = shell();
    assert_eq!(
        sh.run_line(&mut host, r#"args ${A:-x y} "${A:-x y}" ${A-d} ${#HOME}"#)
            .stdout_text(),
        "[x][y][x y][d][0]\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "args ${A:=set} $A").stdout_text(),
        "[set][set]\n"
    );
    assert_eq!(sh.var("A"), Some("set"));
}

#[test]
fn bad_substitution_abandons_the_rest_of_the_line() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "args one; args ${}; args two");
    assert_eq!(result.stdout_text(), "[one]\n");
    assert_eq!(result.stderr_text(), "bash: ${}: bad substitution\n");
    assert_eq!(result.status, 1);
    assert_eq!(sh.last_status(), 1);
    let unset = sh.run_line(&mut host, "args ${X:?}; args after");
    assert_eq!(unset.stderr_text(), "bash: X: parameter null or not set\n");
    assert_eq!(unset.stdout_text(), "");
}

#[test]
fn env_prefix_applies_to_that_command_only() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "ETCDCTL_API=3 getenv ETCDCTL_API; getenv ETCDCTL_API");
    assert_eq!(result.stdout_text(), "3\n<unset>\n");
    assert_eq!(sh.var("ETCDCTL_API"), None);
}

#[test]
fn prefix_assignments_are_expanded_after_the_words() {
    let (mut sh, mut host) = shell();
    sh.set_var("X", "old");
    assert_eq!(sh.run_line(&mut host, "X=new args $X").stdout_text(), "[old]\n");
    assert_eq!(sh.run_line(&mut host, "A=1 B=$A getenv B").stdout_text(), "1\n");
}

#[test]
fn plain_assignment_sets_an_unexported_variable() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "X=1; getenv X; args $X");
    assert_eq!(result.stdout_text(), "<unset>\n[1]\n");
    assert_eq!(result.status, 0);
    assert!(!sh.is_exported("X"));
}

#[test]
fn export_marks_variables_for_commands() {
    let (mut sh, mut host) = shell();
    assert_eq!(sh.run_line(&mut host, "export A=1; getenv A").stdout_text(), "1\n");
    assert_eq!(sh.run_line(&mut host, "B=2; export B; getenv B").stdout_text(), "2\n");
    assert_eq!(sh.run_line(&mut host, "export C; C=3; getenv C").stdout_text(), "3\n");
    assert_eq!(
        sh.run_line(&mut host, "export -n A; getenv A").stdout_text(),
        "<unset>\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "export X='a\"b'; export -p").stdout_text(),
        "declare -x B=\"2\"\ndeclare -x C=\"3\"\ndeclare -x X=\"a\\\"b\"\n"
    );
    let y = "Y=\"p q\"";
    assert_eq!(
        sh.run_line(&mut host, &format!("{y}; export Z=$Y; getenv Z"))
            .stdout_text(),
        "p q\n"
    );
}

#[test]
fn export_rejects_invalid_names() {
    let result = run("export 1A=2");
    assert_eq!(result.stderr_text(), "bash: export: `1A=2': not a valid identifier\n");
    assert_eq!(result.status, 1);
    let option = run("export -z");
    assert_eq!(option.status, 2);
    assert_eq!(
        option.stderr_text().lines().next(),
        Some("bash: export: -z: invalid option")
    );
}

#[test]
fn unset_forgets_variables() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "export A=1; unset A; getenv A; args ${A-gone}");
    assert_eq!(result.stdout_text(), "<unset>\n[gone]\n");
    assert_eq!(
        run("unset -v 1x").stderr_text(),
        "bash: unset: `1x': not a valid identifier\n"
    );
}

#[test]
fn last_status_follows_failures() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "fail; echo $?");
    assert_eq!(result.stdout_text(), "3\n");
    assert_eq!(result.stderr_text(), "fail: something went wrong\n");
    assert_eq!(result.status, 0);
    let failed = sh.run_line(&mut host, "true; fail");
    assert_eq!(failed.status, 3);
    assert_eq!(sh.last_status(), 3);
}

#[test]
fn and_or_lists_short_circuit() {
    let result = run("false && echo a || echo b");
    assert_eq!(result.stdout_text(), "b\n");
    assert_eq!(result.status, 0);
    assert_eq!(out("true || echo a"), "");
    assert_eq!(out("true && echo a && echo b"), "a\nb\n");
    assert_eq!(run("true && false").status, 1);
    assert_eq!(out("fail || echo $?"), "3\n");
    let list = run("false && echo a; echo c");
    assert_eq!(list.stdout_text(), "c\n");
}

#[test]
fn trailing_semicolon_is_fine() {
    let result = run("echo a;");
    assert_eq!(result.stdout_text(), "a\n");
    assert_eq!(result.status, 0);
}

#[test]
fn chunks_keep_printing_order() {
    let result = run("echo a; fail; echo b");
    let streams: Vec<(Stream, &str)> = result.chunks.iter().map(|c| (c.stream, c.text.as_str())).collect();
    assert_eq!(
        streams,
        vec![
            (Stream::Stdout, "a\n"),
            (Stream::Stderr, "fail: something went wrong\n"),
            (Stream::Stdout, "b\n")
        ]
    );
}

#[test]
fn pipeline_status_is_the_last_commands() {
    assert_eq!(run("fail | true").status, 0);
    assert_eq!(run("true | fail").status, 3);
    assert_eq!(run("! true").status, 1);
    assert_eq!(run("! fail").status, 0);
    assert_eq!(out("! true; echo $?"), "1\n");
}

#[test]
fn pipes_carry_stdout_and_let_stderr_through() {
    let result = run("both | cat-stdin");
    let streams: Vec<(Stream, &str)> = result.chunks.iter().map(|c| (c.stream, c.text.as_str())).collect();
    assert_eq!(
        streams,
        vec![(Stream::Stderr, "err1\n"), (Stream::Stdout, "out1\nout2\n")]
    );
}

#[test]
fn pipeline_commands_do_not_change_the_shell() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "X=1 | true; args ${X-unset}; cd /tmp | true; pwd");
    assert_eq!(result.stdout_text(), "[unset]\n/root\n");
}

#[test]
fn kubectl_output_through_grep_and_wc() {
    assert_eq!(out("k get pods -A -o wide | grep node01 | wc -l"), "2\n");
    assert_eq!(out("k get pods -A | grep -c Running"), "3\n");
    assert_eq!(
        out("k get pods -A | grep -v Running | tail -n +2"),
        "default       web-2               0/1     Pending   node01\n"
    );
    assert_eq!(out("kubectl get pods | head -1 | wc"), "      1       5      57\n");
}

#[test]
fn grep_flags() {
    assert_eq!(out("k get pods | grep -i PENDING | awk '{print $2}'"), "web-2\n");
    assert_eq!(out("k get pods | grep -iv running | awk '{print $2}'"), "NAME\nweb-2\n");
    assert_eq!(out("k get pods | grep -w web | wc -l"), "2\n");
    assert_eq!(out("k get pods | grep -E 'web-[12]|db' | wc -l"), "3\n");
    assert_eq!(out("k get pods | grep -F 1/1 -c"), "3\n");
    assert_eq!(out("k get pods | grep -n db | cut -d: -f1"), "5\n");
    assert_eq!(
        out("k get pods | grep -e etcd -e db | awk '{print $2}'"),
        "etcd-controlplane\ndb-0\n"
    );
    assert_eq!(out("k get pods | grep -o 'web-[0-9]'"), "web-1\nweb-2\n");
    assert_eq!(out("echo 'a.b axb' | grep -o 'a\\.b'"), "a.b\n");
    let quiet = run("k get pods | grep -q Running");
    assert_eq!((quiet.stdout_text().as_str(), quiet.status), ("", 0));
}

#[test]
fn grep_status_and_errors() {
    let none = run("k get pods | grep Terminating");
    assert_eq!((none.stdout_text().as_str(), none.status), ("", 1));
    let usage = run("echo a | grep");
    assert_eq!(usage.status, 2);
    assert_eq!(
        usage.stderr_text(),
        "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
    );
    let bad = run("echo a | grep -k a");
    assert_eq!(bad.stderr_text().lines().next(), Some("grep: invalid option -- 'k'"));
    assert_eq!(
        run("echo a | grep '[a'").stderr_text(),
        "grep: Unmatched [, [^, [:, [., or [=\n"
    );
    let missing = run("grep a nofile");
    assert_eq!(
        (missing.stderr_text().as_str(), missing.status),
        ("grep: nofile: No such file or directory\n", 2)
    );
    assert_eq!(
        run("echo a | grep -A x a").stderr_text(),
        "grep: x: invalid context length argument\n"
    );
}

#[test]
fn grep_context_lines() {
    let (mut sh, mut host) = shell();
    host.files
        .insert("/root/log".to_owned(), "x\na\nb\nc\nd\ne\na\nf\n".to_owned());
    assert_eq!(
        sh.run_line(&mut host, "grep -A1 -n a log").stdout_text(),
        "2:a\n3-b\n--\n7:a\n8-f\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "grep -B2 -C1 a log").stdout_text(),
        "x\na\nb\n--\nd\ne\na\nf\n"
    );
}

#[test]
fn text_tools_read_host_files_relative_to_the_working_directory() {
    let (mut sh, mut host) = shell();
    host.files.insert(
        "/etc/hosts".to_owned(),
        "127.0.0.1 localhost\n10.0.0.2 node01\n".to_owned(),
    );
    host.dirs.push("/etc".to_owned());
    let result = sh.run_line(
        &mut host,
        "cd /etc && grep node01 hosts && wc -l /etc/hosts && cat ./hosts | head -n1",
    );
    assert_eq!(
        result.stdout_text(),
        "10.0.0.2 node01\n2 /etc/hosts\n127.0.0.1 localhost\n"
    );
    let missing = sh.run_line(&mut host, "cat nope");
    assert_eq!(
        (missing.stderr_text().as_str(), missing.status),
        ("cat: nope: No such file or directory\n", 1)
    );
}

#[test]
fn sort_uniq_cut_chain() {
    assert_eq!(
        out("k get pods -A | tail -n +2 | awk '{print $5}' | sort | uniq -c | sort -rn"),
        "      2 node01\n      1 node02\n      1 controlplane\n"
    );
    assert_eq!(out("echo 'a b c' | cut -d ' ' -f 2,3"), "b c\n");
}

#[test]
fn unknown_commands_exit_127() {
    let result = run("nosuch --flag");
    assert_eq!(result.stderr_text(), "bash: nosuch: command not found\n");
    assert_eq!(result.status, 127);
    assert_eq!(
        run("./run.sh").stderr_text(),
        "bash: ./run.sh: No such file or directory\n"
    );
    assert_eq!(out("nosuch; echo $?"), "127\n");
}

#[test]
fn syntax_errors_print_bashs_message_and_run_nothing() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "args a && && args b");
    assert_eq!(result.stderr_text(), "bash: syntax error near unexpected token `&&'\n");
    assert_eq!(result.status, 2);
    assert!(host.calls.is_empty());
    assert_eq!(sh.run_line(&mut host, "echo $?").stdout_text(), "2\n");
    assert_eq!(
        run("| grep x").stderr_text(),
        "bash: syntax error near unexpected token `|'\n"
    );
    assert_eq!(
        run("args a &&").stderr_text(),
        "bash: syntax error: unexpected end of file\n"
    );
}

#[test]
fn unterminated_quotes() {
    let single = run("echo 'abc");
    assert_eq!(
        single.stderr_text(),
        "bash: unexpected EOF while looking for matching `''\nbash: syntax error: unexpected end of file\n"
    );
    assert_eq!(single.status, 2);
    let double = run("echo \"abc");
    assert_eq!(
        double.stderr_text(),
        "bash: unexpected EOF while looking for matching `\"'\nbash: syntax error: unexpected end of file\n"
    );
}

#[test]
fn unsupported_features_refuse_the_whole_line() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "args first; echo hi 3> out.txt");
    assert_eq!(
        result.stderr_text(),
        "kubedrill: redirection is not supported in the simulated shell\n"
    );
    assert_eq!(result.status, 2);
    assert!(host.calls.is_empty());
    assert_eq!(
        run("source <(kubectl completion bash)").stderr_text(),
        "kubedrill: process substitution is not supported in the simulated shell\n"
    );
    assert_eq!(
        run("sleep 100 &").stderr_text(),
        "kubedrill: running a command in the background (&) is not supported in the simulated shell\n"
    );
}

#[test]
fn supported_redirections() {
    assert_eq!(run("both 2>&1 | grep err").stdout_text(), "err1\n");
    assert_eq!(run("both |& wc -l").stdout_text(), "3\n");
    let quiet_err = run("both 2>/dev/null");
    assert_eq!(
        (quiet_err.stdout_text().as_str(), quiet_err.stderr_text().as_str()),
        ("out1\nout2\n", "")
    );
    let quiet_out = run("both >/dev/null");
    assert_eq!(
        (quiet_out.stdout_text().as_str(), quiet_out.stderr_text().as_str()),
        ("", "err1\n")
    );
    assert_eq!(run("both &>/dev/null").chunks, vec![]);
    assert_eq!(run("both >/dev/null 2>&1").chunks, vec![]);
    assert_eq!(run("both 2>&1 >/dev/null").stdout_text(), "err1\n");
    assert_eq!(run("echo oops >&2").stderr_text(), "oops\n");
    let gone = run("nosuch 2>/dev/null");
    assert_eq!((gone.chunks.len(), gone.status), (0, 127));
    assert_eq!(run("grep b <<< 'a b'").stdout_text(), "a b\n");
    assert_eq!(run("cat-stdin < /dev/null").stdout_text(), "");
}

#[test]
fn alias_k_is_kubectl_in_command_position_only() {
    let (mut sh, mut host) = shell();
    sh.run_line(&mut host, "k get pods");
    assert_eq!(host.calls[0], vec!["kubectl", "get", "pods"]);
    assert_eq!(sh.run_line(&mut host, "args k").stdout_text(), "[k]\n");
    assert_eq!(sh.run_line(&mut host, "\\k get").status, 127);
    assert_eq!(
        sh.run_line(&mut host, "true && k get pods | k get pods | wc -l")
            .stdout_text(),
        "5\n"
    );
}

#[test]
fn alias_builtins() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "alias kgp='kubectl get pods' q=\"it's\"");
    assert_eq!(result.status, 0);
    assert_eq!(sh.alias("kgp"), Some("kubectl get pods"));
    sh.run_line(&mut host, "kgp -A");
    assert_eq!(
        host.calls.last(),
        Some(&vec![
            "kubectl".to_owned(),
            "get".to_owned(),
            "pods".to_owned(),
            "-A".to_owned()
        ])
    );
    assert_eq!(
        sh.run_line(&mut host, "alias").stdout_text(),
        "alias k='kubectl'\nalias kgp='kubectl get pods'\nalias q='it'\\''s'\n"
    );
    // The whole line is parsed (and aliases expanded) before it runs.
    assert_eq!(sh.run_line(&mut host, "unalias k; k get").status, 0);
    assert_eq!(sh.run_line(&mut host, "k get").status, 127);
    assert_eq!(
        sh.run_line(&mut host, "unalias k").stderr_text(),
        "bash: unalias: k: not found\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "alias nope").stderr_text(),
        "bash: alias: nope: not found\n"
    );
}

#[test]
fn sudo_runs_the_command_as_root() {
    let (mut sh, mut host) = shell();
    sh.run_line(&mut host, "sudo kubectl drain node01 --ignore-daemonsets");
    sh.run_line(&mut host, "sudo -E -u root kubectl get nodes");
    sh.run_line(&mut host, "sudo -iu root -- kubectl version");
    let calls: Vec<String> = host.calls.iter().map(|c| c.join(" ")).collect();
    assert_eq!(
        calls,
        vec![
            "kubectl drain node01 --ignore-daemonsets",
            "kubectl get nodes",
            "kubectl version"
        ]
    );
    assert_eq!(
        sh.run_line(&mut host, "sudo ETCDCTL_API=3 getenv ETCDCTL_API")
            .stdout_text(),
        "3\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "sudo echo hi | sudo grep h").stdout_text(),
        "hi\n"
    );
}

#[test]
fn sudo_without_a_command() {
    // A root shell is the host's to open: `sudo -i` asks it for a login shell (`su -`),
    // `sudo -s` for `bash`, and `sudo su -` / `sudo bash` run those programs.
    for (line, argv) in [
        ("sudo -i", vec!["su", "-"]),
        ("sudo -s", vec!["bash"]),
        ("sudo su -", vec!["su", "-"]),
        ("sudo bash", vec!["bash"]),
    ] {
        let (mut sh, mut host) = shell();
        sh.run_line(&mut host, line);
        assert_eq!(
            host.calls.last(),
            Some(&argv.iter().map(|a| a.to_string()).collect()),
            "{line}"
        );
    }
    let bare = run("sudo");
    assert_eq!(bare.status, 1);
    assert!(bare.stderr_text().starts_with("usage: sudo -h | -K | -k | -V\n"));
}

#[test]
fn sudo_cannot_run_aliases_or_shell_builtins() {
    let alias = run("sudo k get pods");
    assert_eq!(
        (alias.stderr_text().as_str(), alias.status),
        ("sudo: k: command not found\n", 1)
    );
    assert_eq!(run("sudo cd /").stderr_text(), "sudo: cd: command not found\n");
    assert_eq!(
        run("sudo -x ls").stderr_text().lines().next(),
        Some("sudo: invalid option -- 'x'")
    );
}

#[test]
fn empty_and_comment_lines_keep_the_last_status() {
    let (mut sh, mut host) = shell();
    sh.run_line(&mut host, "fail");
    for line in ["", "   ", "# a comment", "  # another"] {
        let result = sh.run_line(&mut host, line);
        assert_eq!((result.chunks.len(), result.status), (0, 0), "{line:?}");
    }
    assert_eq!(sh.last_status(), 3);
    assert_eq!(sh.run_line(&mut host, "echo $?").stdout_text(), "3\n");
}

#[test]
fn echo_options() {
    assert_eq!(out("echo -n a; echo b"), "ab\n");
    assert_eq!(out(r#"echo -e 'a\tb\x41\c' x"#), "a\tbA");
    assert_eq!(out(r#"echo 'a\tb'"#), "a\\tb\n");
    assert_eq!(out("echo -x -n a"), "-x -n a\n");
    assert_eq!(out("echo"), "\n");
}

#[test]
fn cd_and_pwd() {
    let (mut sh, mut host) = shell();
    host.dirs.push("/etc/kubernetes".to_owned());
    host.dirs.push("/etc".to_owned());
    host.dirs.push("/root".to_owned());
    let result = sh.run_line(&mut host, "cd /etc/kubernetes; pwd; cwd; cd ..; pwd; cd -; cd; pwd");
    assert_eq!(
        result.stdout_text(),
        "/etc/kubernetes\n/etc/kubernetes\n/etc\n/etc/kubernetes\n/root\n"
    );
    let missing = sh.run_line(&mut host, "cd /nope");
    assert_eq!(
        (missing.stderr_text().as_str(), missing.status),
        ("bash: cd: /nope: No such file or directory\n", 1)
    );
    assert_eq!(run("cd -").stderr_text(), "bash: cd: OLDPWD not set\n");
    assert_eq!(run("cd a b").stderr_text(), "bash: cd: too many arguments\n");
}

#[test]
fn builtins_that_only_need_to_succeed() {
    assert_eq!(run(": anything").status, 0);
    assert_eq!(run("complete -F __start_kubectl k").status, 0);
    assert_eq!(run("true").status, 0);
    assert_eq!(run("false").status, 1);
}

#[test]
fn exit_is_left_to_the_host() {
    let (mut sh, mut host) = shell();
    let result = sh.run_line(&mut host, "exit");
    assert_eq!(result.status, 127);
    assert_eq!(host.calls, vec![vec!["exit"]]);
}

#[test]
fn awk_refuses_what_it_cannot_do() {
    let result = run("k get pods | awk '{sum += 1} END {print sum}'");
    assert_eq!(result.status, 2);
    assert!(result.stderr_text().starts_with("kubedrill: awk:"));
}

#[test]
fn shell_env_carries_the_working_directory() {
    let (mut sh, mut host) = shell();
    sh.export_var("PWD", "/srv");
    assert_eq!(sh.env().cwd(), "/srv");
    assert_eq!(sh.env().get("PWD"), Some("/srv"));
    assert_eq!(sh.run_line(&mut host, "cwd").stdout_text(), "/srv\n");
}

#[test]
fn parse_line_is_exposed() {
    let script = parse_line("k get pods | grep x && echo ok").expect("parses");
    assert_eq!(script.lists[0].first.commands.len(), 2);
    assert_eq!(script.lists[0].rest.len(), 1);
    // Aliases are a property of a shell, not of the parser.
    assert_eq!(script.lists[0].first.commands[0].words[0].plain(), Some("k"));
    let sh = Shell::new();
    let aliased = sh.parse("k get").expect("parses");
    assert_eq!(aliased.lists[0].first.commands[0].words[0].plain(), Some("kubectl"));
}

#[test]
fn odd_input_never_panics() {
    let nasty = [
        "\\",
        "'",
        "\"",
        "$",
        "${",
        "${}",
        "$(",
        "`",
        "&&",
        "||",
        "|",
        ";",
        ";;",
        "&",
        ">",
        "<",
        "2>",
        "<<<",
        "((",
        "))",
        "!",
        "! !",
        "{",
        "}",
        "[[",
        "]]",
        "#",
        "~",
        "~~",
        "$'\\x",
        "$'\\u",
        "${#",
        "${a:-",
        "\u{0}",
        "\u{1F600}",
        "é",
        "\n",
        "a\nb",
        "grep",
        "grep -e",
        "head -n -999999999999999999999",
        "cut -f 9999999999999999999999",
        "sort -k 99",
        "awk",
        "awk '{print $(NF-5)}'",
        "awk '{print $-1}'",
        "sudo -u",
        "sudo --user",
        "echo -e '\\0777'",
        "grep -E 'a{99999}'",
        "grep '\\'",
        "wc -",
        "tail -c 5",
        "echo ${#?}",
        "echo ${?:=x}",
        "cd ''",
        "x=${x:=$x}",
        "$(a",
        "$()",
        ")",
        "$(exit)",
        "`exit 3`",
        "`a &&`",
        "\\`",
        "$(${",
        "\"$(",
    ];
    let (mut sh, mut host) = shell();
    for a in nasty {
        for b in nasty {
            let line = format!("{a} {b}");
            let result = sh.run_line(&mut host, &line);
            let _ = result.text();
            let glued = format!("{a}{b}");
            let _ = sh.run_line(&mut host, &glued);
        }
    }
}

#[test]
fn regex_quantifier_on_empty_input_and_long_repeat() {
    assert_eq!(run("echo aaa | grep -E 'a{2,}' ").status, 0);
    assert_eq!(
        run("echo a | grep -E 'a{99999}'").stderr_text(),
        "grep: Regular expression too big\n"
    );
}

#[test]
fn an_alias_to_nothing_is_an_empty_command() {
    let (mut sh, mut host) = shell();
    sh.set_alias("nothing", "");
    let result = sh.run_line(&mut host, "nothing; echo ok");
    assert_eq!((result.stdout_text().as_str(), result.status), ("ok\n", 0));
    assert_eq!(sh.run_line(&mut host, "nothing").status, 0);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let line = format!("echo {}x{}", "${A:-".repeat(10_000), "}".repeat(10_000));
    let result = run(&line);
    assert_eq!(result.status, 2);
    assert!(result.stderr_text().starts_with("kubedrill: nesting"));
    let awk = format!("echo a | awk '{{print {}1{}}}'", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(run(&awk).status, 2);
    assert_eq!(run(&format!("echo {}", "$".repeat(10_000))).status, 0);
}

/// The first data row's pod name, from the fake host's table.
const FIRST_POD: &str = "k get pods -A | tail -n +2 | head -1 | awk '{print $2}'";

#[test]
fn command_substitution_replaces_itself_with_the_output() {
    let (mut sh, mut host) = shell();
    assert_eq!(
        sh.run_line(&mut host, "args $(echo a) b$(echo c)d").stdout_text(),
        "[a][bcd]\n"
    );
    let result = sh.run_line(&mut host, &format!("kubectl drain $({FIRST_POD}) --ignore-daemonsets"));
    assert_eq!(result.status, 0);
    assert_eq!(
        host.calls.last(),
        Some(&vec![
            "kubectl".to_owned(),
            "drain".to_owned(),
            "etcd-controlplane".to_owned(),
            "--ignore-daemonsets".to_owned()
        ])
    );
    // `$()` is an empty command list; the empty result vanishes unquoted.
    assert_eq!(sh.run_line(&mut host, "args $() \"$()\" x").stdout_text(), "[][x]\n");
}

#[test]
fn command_substitutions_nest() {
    assert_eq!(out("args $(echo $(echo inner) outer)"), "[inner][outer]\n");
    assert_eq!(out(r#"args "$(echo "$(echo 'a  b')")""#), "[a  b]\n");
    assert_eq!(out("args $(echo $(echo $(echo three)))"), "[three]\n");
    assert_eq!(
        out("args ${NOPE:-$(echo d e)} \"${NOPE:-$(echo 'f  g')}\""),
        "[d][e][f  g]\n"
    );
    // Parentheses in quotes neither open nor close a substitution.
    assert_eq!(out(r#"args $(echo ')' "(" $(echo '(('))"#), "[)][(][((]\n");
}

#[test]
fn unquoted_substitutions_are_split_and_quoted_ones_are_not() {
    assert_eq!(
        out(r#"args $(echo 'a  b') "$(echo 'a  b')" x$(echo '  ')y"#),
        "[a][b][a  b][x][y]\n"
    );
    assert_eq!(
        out("args $(k get pods | tail -n +2 | awk '{print $2}')"),
        "[etcd-controlplane][web-1][web-2][db-0]\n"
    );
    assert_eq!(out("args \"$(echo -e 'a\\tb')\" $(echo -e 'c\\td')"), "[a\tb][c][d]\n");
}

#[test]
fn substitution_strips_trailing_newlines_only() {
    assert_eq!(out(r#"args "$(echo -e '\n\na\n\nb\n\n\n')""#), "[\n\na\n\nb]\n");
    assert_eq!(out("args [$(echo -e 'a\\n\\n')]"), "[[a]]\n");
    assert_eq!(out("args \"$(echo -n a)\""), "[a]\n");
}

#[test]
fn backquotes_are_command_substitution() {
    let (mut sh, mut host) = shell();
    sh.set_var("X", "v");
    let line = r#"args `echo a b` "`echo 'x  y'`" `echo \`echo nested\`` `echo \$X` "`echo \"q\"`" `echo \"q\"`"#;
    assert_eq!(
        sh.run_line(&mut host, line).stdout_text(),
        "[a][b][x  y][nested][v][q][\"q\"]\n"
    );
    assert_eq!(out(r"args `echo \\x`"), "[x]\n");
}

#[test]
fn substitution_stderr_passes_through() {
    let result = run("args $(both)");
    let streams: Vec<(Stream, &str)> = result.chunks.iter().map(|c| (c.stream, c.text.as_str())).collect();
    assert_eq!(
        streams,
        vec![(Stream::Stderr, "err1\n"), (Stream::Stdout, "[out1][out2]\n")]
    );
    // The command's own redirections do not apply to its words' substitutions.
    let redirected = run("args $(both) 2>/dev/null");
    assert_eq!(
        (redirected.stdout_text().as_str(), redirected.stderr_text().as_str()),
        ("[out1][out2]\n", "err1\n")
    );
    assert_eq!(out("args $(both 2>&1)"), "[out1][err1][out2]\n");
    assert_eq!(run("args $(both 2>/dev/null)").stderr_text(), "");
    // A here-string expands after the redirections before it.
    let here = run("cat-stdin 2>/dev/null <<< $(both)");
    assert_eq!(
        (here.stdout_text().as_str(), here.stderr_text().as_str()),
        ("out1\nout2\n", "")
    );
    let missing = run("args $(nosuch) x");
    assert_eq!(
        (
            missing.stdout_text().as_str(),
            missing.stderr_text().as_str(),
            missing.status
        ),
        ("[x]\n", "bash: nosuch: command not found\n", 0)
    );
}

#[test]
fn status_after_substitutions_follows_bash() {
    // A command's status is its own...
    assert_eq!(out("true $(fail) 2>/dev/null; echo $?"), "0\n");
    assert_eq!(out("X=$(fail) true; echo $?"), "0\n");
    // ...but with no command word left it is the last substitution's.
    assert_eq!(out("X=$(fail); echo $?"), "3\n");
    assert_eq!(out("X=$(fail) Y=$(true); echo $?"), "0\n");
    assert_eq!(out("X=$(true) Y=$(fail); echo $?"), "3\n");
    assert_eq!(out("$(fail); echo $?"), "3\n");
    assert_eq!(out("X=1 $(exit 4); echo $?"), "4\n");
    assert_eq!(out("fail; X=$(true); echo $?"), "0\n");
    assert_eq!(out("fail; X=1; echo $?"), "0\n");
    let result = run("X=$(fail)");
    assert_eq!(
        (result.status, result.stderr_text().as_str()),
        (3, "fail: something went wrong\n")
    );
    assert_eq!(run("! X=$(false)").status, 0);
    // `$?` later in the same command sees the substitution's status.
    assert_eq!(out("args $(fail) $?"), "[3]\n");
    assert_eq!(out("X=$(fail) Y=$?; args $Y"), "[3]\n");
    // Inside, `$?` is the status from before.
    assert_eq!(out("fail; args $(echo $?)"), "[3]\n");
    // Each command of a pipeline is a subshell of its own.
    assert_eq!(out("false; args $(true) | args $?"), "[1]\n");
}

#[test]
fn assignments_take_substitutions_unsplit() {
    let (mut sh, mut host) = shell();
    host.files
        .insert("/etc/hostname".to_owned(), "controlplane\n".to_owned());
    let result = sh.run_line(&mut host, "export ETCDCTL_API=3; X=$(cat /etc/hostname); args $X");
    assert_eq!(result.stdout_text(), "[controlplane]\n");
    assert_eq!(sh.var("X"), Some("controlplane"));
    assert_eq!(
        sh.run_line(&mut host, "Y=$(echo 'a  b'); args $Y \"$Y\"").stdout_text(),
        "[a][b][a  b]\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "A=$(echo 1) getenv A; args ${A-unset}")
            .stdout_text(),
        "1\n[unset]\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "export Z=$(echo 'p  q'); getenv Z")
            .stdout_text(),
        "p  q\n"
    );
    assert_eq!(
        sh.run_line(&mut host, "args $(getenv ETCDCTL_API)").stdout_text(),
        "[3]\n"
    );
}

#[test]
fn substitutions_run_in_a_subshell() {
    let (mut sh, mut host) = shell();
    host.dirs.push("/etc".to_owned());
    let result = sh.run_line(
        &mut host,
        "args $(X=1; export E=2; cd /etc; alias z=x; echo $X; pwd; getenv E) ${X-unset} ${E-unset}; pwd",
    );
    assert_eq!(result.stdout_text(), "[1][/etc][2][unset][unset]\n/root\n");
    assert_eq!(sh.alias("z"), None);
    assert!(!sh.is_exported("E"));
    assert_eq!(
        sh.run_line(&mut host, "args $(: ${Q:=set}) ${Q-unset}").stdout_text(),
        "[unset]\n"
    );
    assert_eq!(sh.subshell, 0);
}

#[test]
fn exit_ends_only_the_substitution() {
    let (mut sh, mut host) = shell();
    assert_eq!(
        sh.run_line(&mut host, "args $(echo a; exit 4; echo b) $?")
            .stdout_text(),
        "[a][4]\n"
    );
    assert!(host.calls.iter().all(|c| c[0] != "exit"), "{:?}", host.calls);
    assert_eq!(out("args $(exit 3 | cat; echo after)"), "[after]\n");
    assert_eq!(out("args $(exit 300) $?"), "[44]\n");
    assert_eq!(out("args $(exit -1) $?"), "[255]\n");
    assert_eq!(out("fail; args $(exit) $?"), "[3]\n");
    let bad = run("args $(exit abc; echo no) $?");
    assert_eq!(
        (bad.stdout_text().as_str(), bad.stderr_text().as_str()),
        ("[2]\n", "bash: exit: abc: numeric argument required\n")
    );
    let many = run("args $(exit 1 2; echo no) $?");
    assert_eq!(
        (many.stdout_text().as_str(), many.stderr_text().as_str()),
        ("[1]\n", "bash: exit: too many arguments\n")
    );
    // An expansion error ends the subshell, not the line.
    let abort = run("args $(echo ${X:?oops}; echo after) rc=$?");
    assert_eq!(
        (abort.stdout_text().as_str(), abort.stderr_text().as_str()),
        ("[rc=1]\n", "bash: X: oops\n")
    );
}

#[test]
fn aliases_apply_inside_substitutions() {
    let (mut sh, mut host) = shell();
    assert_eq!(
        sh.run_line(&mut host, "args $(k get pods | wc -l)").stdout_text(),
        "[5]\n"
    );
    // bash parses the text again when it runs it, so an alias defined
    // earlier on the line counts.
    assert_eq!(
        sh.run_line(&mut host, "alias hi='echo hi'; args $(hi)").stdout_text(),
        "[hi]\n"
    );
}

#[test]
fn substitution_syntax_errors_match_bash() {
    let (mut sh, mut host) = shell();
    let open = sh.run_line(&mut host, "args a; echo $(a");
    assert_eq!(
        open.stderr_text(),
        "bash: unexpected EOF while looking for matching `)'\nbash: syntax error: unexpected end of file\n"
    );
    assert_eq!(open.status, 2);
    assert!(host.calls.is_empty());
    let eof = |line: &str| run(line).stderr_text().lines().next().map(str::to_owned);
    let paren = Some("bash: unexpected EOF while looking for matching `)'".to_owned());
    assert_eq!(eof("echo $(a &&"), paren);
    assert_eq!(eof("echo $(a |"), paren);
    assert_eq!(eof("echo $(echo ')'"), paren);
    assert_eq!(eof("echo $(echo a # )"), paren);
    assert_eq!(
        eof("echo $(echo 'a"),
        Some("bash: unexpected EOF while looking for matching `''".to_owned())
    );
    assert_eq!(
        run("echo $(a && )").stderr_text(),
        "bash: syntax error near unexpected token `)'\n"
    );
    assert_eq!(
        run("echo $(a >)").stderr_text(),
        "bash: syntax error near unexpected token `)'\n"
    );
    assert_eq!(
        run("echo $(;)").stderr_text(),
        "bash: syntax error near unexpected token `;'\n"
    );
    assert_eq!(
        eof("echo `a"),
        Some("bash: unexpected EOF while looking for matching ``'".to_owned())
    );
}

#[test]
fn backquote_syntax_errors_show_when_they_run() {
    let eof = run("args `a &&` x; echo $?");
    assert_eq!(eof.stdout_text(), "[x]\n0\n");
    assert_eq!(
        eof.stderr_text(),
        "bash: command substitution: line 2: syntax error: unexpected end of file\n"
    );
    let token = run("X=`a )`; echo $?");
    assert_eq!(token.stdout_text(), "2\n");
    assert_eq!(
        token.stderr_text(),
        "bash: command substitution: line 1: syntax error near unexpected token `)'\n\
         bash: command substitution: line 1: `a )'\n"
    );
    assert_eq!(
        run("args `echo 'a`").stderr_text(),
        "bash: command substitution: line 1: unexpected EOF while looking for matching `''\n"
    );
    assert_eq!(
        run("args `echo $(a`").stderr_text(),
        "bash: command substitution: line 2: unexpected EOF while looking for matching `)'\n"
    );
}

#[test]
fn unsupported_features_inside_substitutions_refuse_the_line() {
    let (mut sh, mut host) = shell();
    let refused = |sh: &mut Shell, host: &mut Host, line: &str| sh.run_line(host, line).stderr_text();
    assert_eq!(
        refused(&mut sh, &mut host, "args first; args $(sleep 1 &)"),
        "kubedrill: running a command in the background (&) is not supported in the simulated shell\n"
    );
    assert_eq!(
        refused(&mut sh, &mut host, "args `echo a 3> f`"),
        "kubedrill: redirection is not supported in the simulated shell\n"
    );
    assert_eq!(
        refused(&mut sh, &mut host, "args \"$(cat <(echo))\""),
        "kubedrill: process substitution is not supported in the simulated shell\n"
    );
    assert_eq!(
        refused(&mut sh, &mut host, "args $( (cd /tmp) )"),
        "kubedrill: a subshell `( ... )' is not supported in the simulated shell\n"
    );
    assert!(host.calls.is_empty());
    // A real syntax error later on the line still wins.
    assert_eq!(
        refused(&mut sh, &mut host, "args $(sleep 1 &) &&"),
        "bash: syntax error: unexpected end of file\n"
    );
}

#[test]
fn deeply_nested_substitutions_are_refused_not_overflowed() {
    let nest = |n: usize| format!("args {}x{}", "$(echo ".repeat(n), ")".repeat(n));
    assert_eq!(out(&nest(16)), "[x]\n");
    assert_eq!(
        run(&nest(17)).stderr_text(),
        "kubedrill: nesting command substitutions more than 16 levels deep is not supported in the simulated shell\n"
    );
    let backquotes = "args `echo \\`echo \\\\\\`echo x\\\\\\`\\``";
    assert_eq!(out(backquotes), "[x]\n");
    let deep = run(&nest(1000));
    assert_eq!(deep.status, 2);
    assert!(
        deep.stderr_text().starts_with("kubedrill: nesting"),
        "{}",
        deep.stderr_text()
    );
    // `${...}` and `$(...)` count towards the same overall limit.
    let mixed = format!(
        "args {}{}x{}{}",
        "${A:-".repeat(60),
        "$(echo ".repeat(10),
        ")".repeat(10),
        "}".repeat(60)
    );
    assert!(
        run(&mixed)
            .stderr_text()
            .starts_with("kubedrill: nesting substitutions")
    );
    // An alias that runs itself in a substitution cannot recurse forever.
    let (mut sh, mut host) = shell();
    sh.set_alias("a", "echo $(a)");
    let result = sh.run_line(&mut host, "a");
    assert_eq!(result.status, 2);
    assert!(result.stderr_text().starts_with("kubedrill: nesting"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any line gets an answer: output or a message, never a panic, and
        /// a status a shell could return.
        #[test]
        fn any_line_is_answered(line in "[a-z0-9 '\"\\\\$`{}()|&;<>!#~=:*?\\[\\]\\n\\t-]{0,40}") {
            let (mut sh, mut host) = shell();
            let result = sh.run_line(&mut host, &line);
            prop_assert!((0..=255).contains(&result.status));
            // The line's status is $? afterwards, except for a line with
            // nothing to run, which reports 0 and leaves $? alone.
            let nothing_ran = result.status == 0 && result.chunks.is_empty();
            prop_assert!(nothing_ran || result.status == sh.last_status());
        }

        #[test]
        fn text_tools_survive_any_arguments(
            tool in prop::sample::select(vec!["grep", "wc", "head", "tail", "sort", "uniq", "cut", "awk", "column", "cat"]),
            args in prop::collection::vec("[-a-zA-Z0-9.,:+{}\\[\\]()^$*\\\\|/ ]{0,6}", 0..4),
            input in "[a-z0-9 :\\t\\n]{0,60}",
        ) {
            let files = |_: &str| None;
            let args: Vec<String> = args;
            let output = text::run(tool, &args, &input, &files);
            prop_assert!(output.is_some());
        }
    }
}
