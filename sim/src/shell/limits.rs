//! What the simulated shell will hold, and Linux's limits on starting a program.
//!
//! Linux refuses `execve` with E2BIG when one argument or environment string is longer than
//! `MAX_ARG_STRLEN` (32 pages) or all of them together exceed the argument space (a quarter of
//! the default 8 MiB stack); bash then prints `bash: PATH: Argument list too long` and the
//! status is 126. Builtins (`echo`, `export`, ...) start no program and are not limited.
//!
//! bash itself grows its variables until memory runs out; the simulator instead caps what a
//! shell keeps and what one line may expand to, so that no typed line can take more than a
//! fraction of a gibibyte (`export A=$A$A` typed 26 times makes a 64 MiB variable, which
//! works; a 27th is refused).

/// Longest single argument or `NAME=value` string, its terminating NUL included.
pub(crate) const MAX_ARG_STRLEN: usize = 131_072;

/// Room for all arguments and environment strings (with their NULs and pointers).
pub(crate) const ARG_MAX: usize = 2_097_152;

/// Most bytes one variable may hold.
pub(crate) const MAX_VAR_BYTES: usize = 64 << 20;

/// Most bytes all of a shell's variables may hold together.
pub(crate) const MAX_VARS_BYTES: usize = 128 << 20;

/// Most bytes the expansions of one line may produce, substitutions included.
pub(crate) const MAX_LINE_EXPANSION_BYTES: usize = 256 << 20;

/// Commands bash runs itself: they start no program, so E2BIG never applies to them.
const BASH_BUILTINS: &[&str] = &[
    ":", "true", "false", "echo", "pwd", "cd", "export", "unset", "alias", "unalias", "complete", "exit", "logout",
];

/// Whether starting `argv` with `env` (the strings `NAME=value`) fails with E2BIG.
pub(crate) fn argument_list_too_long<'a>(argv: &[String], env: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    if argv.first().is_some_and(|name| BASH_BUILTINS.contains(&name.as_str())) {
        return false;
    }
    let pointer = size_of::<u64>();
    let mut total = pointer; // argv's terminating null pointer
    for arg in argv {
        if arg.len() + 1 > MAX_ARG_STRLEN {
            return true;
        }
        total += arg.len() + 1 + pointer;
    }
    total += pointer; // envp's terminating null pointer
    for (name, value) in env {
        let len = name.len() + 1 + value.len() + 1;
        if len > MAX_ARG_STRLEN {
            return true;
        }
        total += len + pointer;
    }
    total > ARG_MAX
}

/// bash's message for a program it could not start: the path it found the program at.
pub(crate) fn argument_list_too_long_message(name: &str) -> String {
    let path = if name.contains('/') {
        name.to_owned()
    } else {
        format!("/usr/bin/{name}")
    };
    format!("bash: {path}: Argument list too long")
}

/// Our refusal of a variable that would pass the caps.
pub(crate) fn too_much_for_variables(name: &str, bytes: usize) -> String {
    format!(
        "kubedrill: {name}: the simulated shell keeps at most {} MiB in one variable and {} MiB in all ({bytes} bytes asked)",
        MAX_VAR_BYTES >> 20,
        MAX_VARS_BYTES >> 20
    )
}

/// Our refusal of a line whose expansions pass the cap.
pub(crate) fn too_much_expansion() -> String {
    format!(
        "kubedrill: the line expands to more than {} MiB; the simulated shell stops it",
        MAX_LINE_EXPANSION_BYTES >> 20
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn one_string_over_32_pages_is_too_long() {
        let long = "x".repeat(MAX_ARG_STRLEN - 1);
        assert!(!argument_list_too_long(&argv(&["kubectl", &long]), std::iter::empty()));
        let longer = "x".repeat(MAX_ARG_STRLEN);
        assert!(argument_list_too_long(&argv(&["kubectl", &longer]), std::iter::empty()));
        let env_value = "x".repeat(MAX_ARG_STRLEN);
        assert!(argument_list_too_long(
            &argv(&["kubectl"]),
            [("A", env_value.as_str())].into_iter()
        ));
    }

    #[test]
    fn many_strings_over_the_argument_space_are_too_long() {
        let arg = "x".repeat(100_000);
        let many: Vec<String> = std::iter::repeat_n(arg, 21).collect();
        assert!(argument_list_too_long(&many, std::iter::empty()));
        assert!(!argument_list_too_long(&many[..20], std::iter::empty()));
    }

    /// A host whose only program, `prog`, counts its runs.
    #[derive(Default)]
    struct Host {
        runs: usize,
    }

    impl crate::shell::CommandHost for Host {
        fn run(
            &mut self,
            argv: &[String],
            _env: &crate::shell::ShellEnv,
            _stdin: &str,
        ) -> Option<crate::shell::CommandOutput> {
            (argv[0] == "prog").then(|| {
                self.runs += 1;
                crate::shell::CommandOutput::ok()
            })
        }
    }

    fn doubled(times: usize) -> (crate::shell::Shell, Host) {
        let (mut sh, mut host) = (crate::shell::Shell::new(), Host::default());
        assert_eq!(sh.run_line(&mut host, "export A=x").status, 0);
        for _ in 0..times {
            let out = sh.run_line(&mut host, "export A=$A$A");
            assert_eq!(out.status, 0, "{}", out.text());
        }
        (sh, host)
    }

    #[test]
    fn an_exported_variable_over_32_pages_stops_programs_not_builtins() {
        // Goal: bash's E2BIG: after 17 doublings A is 128 KiB, too long for execve.
        let (mut sh, mut host) = doubled(17);
        let out = sh.run_line(&mut host, "prog");
        assert_eq!(out.status, 126);
        assert_eq!(out.stderr_text(), "bash: /usr/bin/prog: Argument list too long\n");
        assert_eq!(host.runs, 0, "nothing ran");
        let out = sh.run_line(&mut host, "wc -c <<< $A");
        assert_eq!(out.stderr_text(), "bash: /usr/bin/wc: Argument list too long\n");
        let out = sh.run_line(&mut host, "echo ${#A}");
        assert_eq!(out.stdout_text(), "131072\n", "builtins still run");
        let out = sh.run_line(&mut host, "export -n A; prog");
        assert_eq!(
            (out.status, host.runs),
            (0, 1),
            "unexported, A no longer reaches programs"
        );
    }

    #[test]
    fn variables_stop_at_64_mib() {
        // Goal: 26 doublings (64 MiB) work; the 27th is refused and leaves A as it was.
        let (mut sh, mut host) = doubled(26);
        assert_eq!(sh.var("A").map(str::len), Some(MAX_VAR_BYTES));
        let out = sh.run_line(&mut host, "export A=$A$A");
        assert_eq!(out.status, 1);
        assert!(
            out.stderr_text().contains("at most 64 MiB in one variable"),
            "{}",
            out.text()
        );
        assert_eq!(sh.var("A").map(str::len), Some(MAX_VAR_BYTES));
        let out = sh.run_line(&mut host, "B=$A$A");
        assert_eq!(out.status, 1, "{}", out.text());
        assert_eq!(sh.var("B"), None);
    }

    #[test]
    fn a_line_stops_expanding_at_256_mib() {
        let (mut sh, mut host) = doubled(24);
        let out = sh.run_line(&mut host, &format!("echo {}", "$A ".repeat(20)));
        assert_eq!(out.status, 1);
        assert_eq!(out.stdout_text(), "");
        assert_eq!(out.stderr_text(), format!("{}\n", too_much_expansion()));
        let out = sh.run_line(&mut host, "echo ${#A}");
        assert_eq!(out.stdout_text(), "16777216\n", "the next line has its own budget");
    }

    #[test]
    fn builtins_are_never_too_long() {
        let longer = "x".repeat(MAX_ARG_STRLEN * 4);
        assert!(!argument_list_too_long(&argv(&["echo", &longer]), std::iter::empty()));
        assert_eq!(
            argument_list_too_long_message("kubectl"),
            "bash: /usr/bin/kubectl: Argument list too long"
        );
    }
}
