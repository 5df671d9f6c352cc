//! Go's text/tabwriter as kubectl and crictl configure it: padding 3 and a minimum width
//! (kubectl: 10 up to 1.11, 6 since; crictl: 20); the last column is not padded.

pub(crate) fn render(rows: &[Vec<String>], min_width: usize) -> Vec<String> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            if c + 1 < row.len() {
                widths[c] = widths[c].max(cell.chars().count());
            }
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if c + 1 < row.len() {
                    let w = (widths[c] + 3).max(min_width);
                    line.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
                }
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kubectl_get_nodes_layout() {
        let rows = vec![
            vec![
                "NAME".into(),
                "STATUS".into(),
                "ROLES".into(),
                "AGE".into(),
                "VERSION".into(),
            ],
            vec![
                "m-k8s".into(),
                "Ready".into(),
                "control-plane".into(),
                "29m".into(),
                "v1.25.0".into(),
            ],
            vec![
                "w1-k8s".into(),
                "Ready".into(),
                "<none>".into(),
                "25m".into(),
                "v1.25.0".into(),
            ],
        ];
        let out = render(&rows, 6);
        assert_eq!(out[0], "NAME     STATUS   ROLES           AGE   VERSION");
        assert_eq!(out[1], "m-k8s    Ready    control-plane   29m   v1.25.0");
        assert_eq!(out[2], "w1-k8s   Ready    <none>          25m   v1.25.0");
    }
}
