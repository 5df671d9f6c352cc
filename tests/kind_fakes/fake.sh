#!/bin/sh
# Stand-in for kind, docker and kubectl (linked under those names): appends its argv to
# $FAKE_LOG and answers from canned output, keeping a cordon in $FAKE_DIR. Knobs:
# FAKE_CLUSTERS (what `kind get clusters` prints), FAKE_CREATE_FAIL, FAKE_DOCKER_DOWN,
# FAKE_HANG (`kubectl get nodes` hangs), FAKE_NEVER_CORDON (the node never shows a cordon).
prog=$(basename "$0")
{
  printf '%s' "$prog"
  for a in "$@"; do printf ' %s' "$a"; done
  printf '\n'
} >> "$FAKE_LOG"
ctx=""
prev=""
for a in "$@"; do
  [ "$prev" = "--context" ] && ctx="${a#kind-}"
  prev="$a"
done

nodes_json() {
  if [ -f "$FAKE_DIR/cordoned" ] && [ -z "$FAKE_NEVER_CORDON" ]; then
    w_spec='{"unschedulable":true,"taints":[{"key":"node.kubernetes.io/unschedulable","effect":"NoSchedule"}]}'
  else
    w_spec='{}'
  fi
  info='"nodeInfo":{"kubeletVersion":"v1.31.2","machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeProxyVersion":"","operatingSystem":"linux","architecture":"amd64"}'
  ready='"conditions":[{"type":"Ready","status":"True"}]'
  printf '{"apiVersion":"v1","kind":"List","metadata":{},"items":[%s,%s]}\n' \
    "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$ctx-control-plane\"},\"spec\":{\"taints\":[{\"key\":\"node-role.kubernetes.io/control-plane\",\"effect\":\"NoSchedule\"}]},\"status\":{$ready,$info}}" \
    "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$ctx-worker\"},\"spec\":$w_spec,\"status\":{$ready,$info}}"
}

mirror() {
  printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s-%s-control-plane","namespace":"kube-system","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"%s-control-plane","uid":"u","controller":true}]},"spec":{"nodeName":"%s-control-plane","containers":[{"name":"%s","image":"registry.k8s.io/%s:v1.31.2"}]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}' \
    "$1" "$ctx" "$ctx" "$ctx" "$1" "$1"
}

pods_json() {
  printf '{"apiVersion":"v1","kind":"List","metadata":{},"items":[%s,%s,%s,%s,%s]}\n' \
    "$(mirror etcd)" "$(mirror kube-apiserver)" "$(mirror kube-controller-manager)" "$(mirror kube-scheduler)" \
    "{\"metadata\":{\"name\":\"kindnet-x\",\"namespace\":\"kube-system\",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"name\":\"kindnet\",\"uid\":\"k\",\"controller\":true}]},\"spec\":{\"nodeName\":\"$ctx-worker\",\"containers\":[{\"name\":\"kindnet-cni\"}]},\"status\":{\"phase\":\"Running\"}}"
}

case "$prog $*" in
  "kind version"*) echo "kind v0.25.0 go1.22.9 linux/amd64" ;;
  "kind get clusters"*) printf '%b' "${FAKE_CLUSTERS:-}" ;;
  "kind create cluster"*)
    cat > "$FAKE_DIR/kind-config.yaml"
    if [ -n "$FAKE_CREATE_FAIL" ]; then
      echo "ERROR: failed to create cluster: boom" >&2
      exit 1
    fi
    ;;
  "kind delete cluster"*) echo "Deleting cluster ..." >&2 ;;
  "docker info"*)
    if [ -n "$FAKE_DOCKER_DOWN" ]; then
      echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
      exit 1
    fi
    echo 27.3.1
    ;;
  "docker inspect"*) echo 172.18.0.2 ;;
  "docker exec"*"endpoint status"*)
    printf '%s\n---\n%s\n---\n%s\n' \
      '[{"Endpoint":"https://127.0.0.1:2379","Status":{"header":{"member_id":7},"leader":7}}]' \
      '[{"endpoint":"https://127.0.0.1:2379","health":true}]' \
      '{"members":[{"ID":7}]}'
    ;;
  "docker "*) ;;
  "kubectl version"*) echo '{"clientVersion":{"major":"1","minor":"31"}}' ;;
  *" get nodes"*)
    if [ -n "$FAKE_HANG" ]; then
      echo $$ > "$FAKE_DIR/hang.pid"
      sleep 60
    fi
    nodes_json
    ;;
  *" get pods"*) pods_json ;;
  *" get deployments"*) echo '{"apiVersion":"v1","kind":"List","metadata":{},"items":[]}' ;;
  *" uncordon "*) rm -f "$FAKE_DIR/cordoned"; echo "node/$ctx-worker uncordoned" ;;
  *" cordon "*) touch "$FAKE_DIR/cordoned"; echo "node/$ctx-worker cordoned" ;;
  *) ;;
esac
