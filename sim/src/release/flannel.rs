//! What a flannel release ships for a kubeadm cluster: its `kube-flannel.yml` (the manifest a
//! person applies to install or upgrade flannel) and the images in it.
//!
//! The manifest is the one of flannel's releases from v0.20 (namespace `kube-flannel`,
//! DaemonSet `kube-flannel-ds`), written out by release: the registry (Rancher's mirror for
//! v0.20, Docker Hub from v0.21, GitHub's from v0.26.4), the flannel-cni-plugin each release
//! pins, the `clustercidrs` rule of v0.21–v0.24, `EnableNFTables` from v0.25 and
//! `CONT_WHEN_CACHE_NOT_READY` from v0.28. Older releases (the `kube-system` layout with a
//! DaemonSet per architecture and a PodSecurityPolicy) have no manifest here.

/// (minor, patch) of a `v0.M.P` tag.
fn parse(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.strip_prefix("v0.")?.split('.');
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((minor, patch))
}

/// The flannel-cni-plugin tag a release's manifest pins (the first release of each row on).
const CNI_PLUGIN: &[((u32, u32), &str)] = &[
    ((20, 0), "v1.1.0"),
    ((21, 0), "v1.1.2"),
    ((22, 1), "v1.2.0"),
    ((24, 2), "v1.4.0-flannel1"),
    ((25, 2), "v1.4.1-flannel1"),
    ((25, 5), "v1.5.1-flannel1"),
    ((25, 6), "v1.5.1-flannel2"),
    ((26, 2), "v1.6.0-flannel1"),
    ((26, 4), "v1.6.2-flannel1"),
    ((27, 0), "v1.7.1-flannel1"),
    ((27, 4), "v1.8.0-flannel1"),
    ((28, 1), "v1.9.0-flannel1"),
    ((28, 3), "v1.9.1-flannel1"),
    ((28, 6), "v1.9.1-flannel2"),
    ((28, 9), "v1.9.1-flannel3"),
];

/// The flannel image and the flannel-cni-plugin image of a release's manifest (v0.20+).
pub fn images(version: &str) -> Option<(String, String)> {
    let v = parse(version)?;
    if v < (20, 0) {
        return None;
    }
    let plugin = CNI_PLUGIN.iter().rev().find(|(from, _)| v >= *from).map(|(_, t)| *t)?;
    Some(match v {
        (20, _) => (
            format!("docker.io/rancher/mirrored-flannelcni-flannel:{version}"),
            format!("docker.io/rancher/mirrored-flannelcni-flannel-cni-plugin:{plugin}"),
        ),
        v if v < (26, 4) => (
            format!("docker.io/flannel/flannel:{version}"),
            format!("docker.io/flannel/flannel-cni-plugin:{plugin}"),
        ),
        _ => (
            format!("ghcr.io/flannel-io/flannel:{version}"),
            format!("ghcr.io/flannel-io/flannel-cni-plugin:{plugin}"),
        ),
    })
}

/// `kube-flannel.yml` of a release (v0.20+), as its GitHub release attaches it.
pub fn manifest(version: &str) -> Option<String> {
    let v = parse(version)?;
    let (flannel, plugin) = images(version)?;
    let cluster_cidrs = if ((21, 0)..(25, 0)).contains(&v) {
        "- apiGroups:\n  - networking.k8s.io\n  resources:\n  - clustercidrs\n  verbs:\n  - list\n  - watch\n"
    } else {
        ""
    };
    let nftables = if v >= (25, 0) {
        "      \"EnableNFTables\": false,\n"
    } else {
        ""
    };
    let cache_env = if v >= (28, 0) {
        "        - name: CONT_WHEN_CACHE_NOT_READY\n          value: \"false\"\n"
    } else {
        ""
    };
    Some(format!(
        r#"---
kind: Namespace
apiVersion: v1
metadata:
  name: kube-flannel
  labels:
    k8s-app: flannel
    pod-security.kubernetes.io/enforce: privileged
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - get
- apiGroups:
  - ""
  resources:
  - nodes
  verbs:
  - get
  - list
  - watch
- apiGroups:
  - ""
  resources:
  - nodes/status
  verbs:
  - patch
{cluster_cidrs}---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: flannel
subjects:
- kind: ServiceAccount
  name: flannel
  namespace: kube-flannel
---
apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    k8s-app: flannel
  name: flannel
  namespace: kube-flannel
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
  labels:
    tier: node
    k8s-app: flannel
    app: flannel
data:
  cni-conf.json: |
    {{
      "name": "cbr0",
      "cniVersion": "0.3.1",
      "plugins": [
        {{
          "type": "flannel",
          "delegate": {{
            "hairpinMode": true,
            "isDefaultGateway": true
          }}
        }},
        {{
          "type": "portmap",
          "capabilities": {{
            "portMappings": true
          }}
        }}
      ]
    }}
  net-conf.json: |
    {{
      "Network": "10.244.0.0/16",
{nftables}      "Backend": {{
        "Type": "vxlan"
      }}
    }}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
  labels:
    tier: node
    app: flannel
    k8s-app: flannel
spec:
  selector:
    matchLabels:
      app: flannel
  template:
    metadata:
      labels:
        tier: node
        app: flannel
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: kubernetes.io/os
                operator: In
                values:
                - linux
      hostNetwork: true
      priorityClassName: system-node-critical
      tolerations:
      - operator: Exists
        effect: NoSchedule
      serviceAccountName: flannel
      initContainers:
      - name: install-cni-plugin
        image: {plugin}
        command:
        - cp
        args:
        - -f
        - /flannel
        - /opt/cni/bin/flannel
        volumeMounts:
        - name: cni-plugin
          mountPath: /opt/cni/bin
      - name: install-cni
        image: {flannel}
        command:
        - cp
        args:
        - -f
        - /etc/kube-flannel/cni-conf.json
        - /etc/cni/net.d/10-flannel.conflist
        volumeMounts:
        - name: cni
          mountPath: /etc/cni/net.d
        - name: flannel-cfg
          mountPath: /etc/kube-flannel/
      containers:
      - name: kube-flannel
        image: {flannel}
        command:
        - /opt/bin/flanneld
        args:
        - --ip-masq
        - --kube-subnet-mgr
        resources:
          requests:
            cpu: "100m"
            memory: "50Mi"
        securityContext:
          privileged: false
          capabilities:
            add: ["NET_ADMIN", "NET_RAW"]
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: EVENT_QUEUE_DEPTH
          value: "5000"
{cache_env}        volumeMounts:
        - name: run
          mountPath: /run/flannel
        - name: flannel-cfg
          mountPath: /etc/kube-flannel/
        - name: xtables-lock
          mountPath: /run/xtables.lock
      volumes:
      - name: run
        hostPath:
          path: /run/flannel
      - name: cni-plugin
        hostPath:
          path: /opt/cni/bin
      - name: cni
        hostPath:
          path: /etc/cni/net.d
      - name: flannel-cfg
        configMap:
          name: kube-flannel-cfg
      - name: xtables-lock
        hostPath:
          path: /run/xtables.lock
          type: FileOrCreate
"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_release_pins_its_images() {
        assert_eq!(
            images("v0.25.1"),
            Some((
                "docker.io/flannel/flannel:v0.25.1".into(),
                "docker.io/flannel/flannel-cni-plugin:v1.4.0-flannel1".into()
            ))
        );
        assert_eq!(
            images("v0.24.1").unwrap().1,
            "docker.io/flannel/flannel-cni-plugin:v1.2.0"
        );
        assert_eq!(images("v0.26.4").unwrap().0, "ghcr.io/flannel-io/flannel:v0.26.4");
        assert!(images("v0.20.2").unwrap().0.starts_with("docker.io/rancher/"));
        assert_eq!(images("v0.13.0"), None);
        assert_eq!(manifest("latest"), None);
    }

    #[test]
    fn the_manifest_changes_where_the_releases_changed() {
        let old = manifest("v0.24.4").unwrap();
        let new = manifest("v0.25.1").unwrap();
        assert!(old.contains("clustercidrs") && !new.contains("clustercidrs"));
        assert!(!old.contains("EnableNFTables") && new.contains("EnableNFTables"));
        assert!(manifest("v0.28.0").unwrap().contains("CONT_WHEN_CACHE_NOT_READY"));
    }

    #[test]
    fn every_release_from_v0_20_has_a_manifest_whose_daemonset_runs_its_images() {
        for minor in 20..=28 {
            for patch in 0..=9 {
                let tag = format!("v0.{minor}.{patch}");
                let text = manifest(&tag).unwrap();
                let (flannel, plugin) = images(&tag).unwrap();
                let docs: Vec<serde_json::Value> = text
                    .split("\n---\n")
                    .map(|d| yaml_serde::from_str(d.trim_start_matches("---\n")).unwrap())
                    .collect();
                let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
                assert_eq!(
                    kinds,
                    [
                        "Namespace",
                        "ClusterRole",
                        "ClusterRoleBinding",
                        "ServiceAccount",
                        "ConfigMap",
                        "DaemonSet"
                    ]
                );
                let ds: k8s_openapi::api::apps::v1::DaemonSet = serde_json::from_value(docs[5].clone()).unwrap();
                let spec = ds.spec.template.spec.unwrap();
                assert_eq!(spec.containers[0].image.as_deref(), Some(flannel.as_str()), "{tag}");
                let init = spec.init_containers.unwrap();
                assert_eq!(init[0].image.as_deref(), Some(plugin.as_str()), "{tag}");
                assert_eq!(init[1].image.as_deref(), Some(flannel.as_str()), "{tag}");
            }
        }
    }
}
