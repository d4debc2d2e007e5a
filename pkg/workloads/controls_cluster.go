package workloads

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	psaapi "k8s.io/pod-security-admission/api"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// nsStatus is the verdict for a namespace-level finding: INFO (system
// namespace) or the given status.
func nsFinding(ns string, loc, value string, st report.Status) finding {
	f := finding{obs: report.Observation{Location: "namespace/" + ns + loc, Value: value, Object: report.ObjectRef{Kind: "namespace", Name: ns}}, status: st}
	if IsSystemNamespace(ns) {
		f.system = "system namespace " + ns
	}
	return f
}

// enforceLevel reads a namespace's enforce label as PSA does: an invalid
// level evaluates as restricted (api.ParseLevel fails closed), a missing
// one as the cluster default (privileged unless an AdmissionConfiguration
// says otherwise, which the API does not show).
func enforceLevel(n Namespace) (level, version, how string) {
	v, ok := n.Labels[psaapi.EnforceLevelLabel]
	if !ok {
		return string(psaapi.LevelPrivileged), "", "<unset>"
	}
	l, err := psaapi.ParseLevel(v)
	if err != nil {
		l = psaapi.LevelRestricted
	}
	return string(l), n.Labels[psaapi.EnforceVersionLabel], v
}

// engines lists the admission policy engines seen.
func (m *Model) engines() []report.Observation {
	var out []report.Observation
	policies := map[string]bool{}
	for _, p := range m.snap.AdmissionPolicies {
		policies[p] = true
	}
	for _, b := range m.snap.AdmissionPolicyBindings {
		deny := false
		for _, a := range b.ValidationActions {
			deny = deny || a == "Deny"
		}
		if deny && policies[b.Policy] {
			out = append(out, report.Observation{Location: "validatingadmissionpolicybinding/" + b.Name, Value: "policy " + b.Policy + ", validationActions Deny"})
		}
	}
	crdGroups := map[string][]string{}
	for _, c := range m.snap.CRDs {
		if i := strings.IndexByte(c, '.'); i > 0 {
			crdGroups[c[i+1:]] = append(crdGroups[c[i+1:]], c)
		}
	}
	hook := func(name string) bool {
		for _, w := range m.snap.Webhooks {
			if w.Name == name {
				return true
			}
		}
		return false
	}
	if len(crdGroups["kyverno.io"]) > 0 && hook("kyverno-resource-validating-webhook-cfg") {
		out = append(out, report.Observation{Location: "validatingwebhookconfiguration/kyverno-resource-validating-webhook-cfg", Value: "Kyverno (CRDs " + strings.Join(crdGroups["kyverno.io"], ", ") + ")"})
	}
	if len(crdGroups["templates.gatekeeper.sh"]) > 0 && hook("gatekeeper-validating-webhook-configuration") {
		out = append(out, report.Observation{Location: "validatingwebhookconfiguration/gatekeeper-validating-webhook-configuration", Value: "Gatekeeper (CRDs " + strings.Join(crdGroups["templates.gatekeeper.sh"], ", ") + ")"})
	}
	return out
}

// check521 decides from the Pod Security labels of every namespace with
// workloads and the admission engines seen. The cluster-wide default of an
// AdmissionConfiguration file is not visible from the API: an unlabelled
// namespace is taken as privileged (the built-in default).
func check521(m *Model, o EvalOptions) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
	engines := m.engines()
	var fs []finding
	covered := 0
	for _, n := range m.snap.Namespaces {
		if m.perNS[n.Name] == 0 {
			continue
		}
		level, version, raw := enforceLevel(n)
		if level != string(psaapi.LevelPrivileged) {
			covered++
			continue
		}
		st := report.StatusFail
		if len(engines) > 0 {
			st = report.StatusWarn
		}
		v := fmt.Sprintf("enforce=%s (%d workload(s))", raw, m.perNS[n.Name])
		if version != "" {
			v += " enforce-version=" + version
		}
		fs = append(fs, nsFinding(n.Name, " label "+psaapi.EnforceLevelLabel, v, st))
	}
	clean := report.Observation{Location: "namespaces with workloads", Value: fmt.Sprintf("%d enforce baseline or restricted", covered)}
	out := verdict(fs, o, "namespaces with workloads that enforce no Pod Security level", clean)
	if len(engines) > 0 {
		out.Evidence = append(out.Evidence, engines...)
		if out.Status == report.StatusWarn {
			out.Reason += "; an admission engine is present: confirm its policies cover these namespaces"
		}
	} else {
		out.Evidence = append(out.Evidence, report.Observation{Location: "admission engines", Value: "none seen (no ValidatingAdmissionPolicy with a Deny binding, no Kyverno, no Gatekeeper)"})
	}
	out.Reason += "; unlabelled namespaces are taken as privileged (a cluster default from --admission-control-config-file is not visible in the API)"
	return out
}

// cni is a CNI recognised from its DaemonSet.
type cni struct {
	name, dsName, image string
	enforces            bool
	why                 string
}

var knownCNIs = []cni{
	{"Calico", "calico-node", "calico/node", true, "Calico enforces NetworkPolicy"},
	{"Canal", "canal", "calico/node", true, "Canal enforces NetworkPolicy with Calico's policy engine"},
	{"Cilium", "cilium", "cilium", true, "Cilium enforces NetworkPolicy (unless policy enforcement is turned off in its ConfigMap)"},
	{"kindnet", "kindnet", "kindnetd", true, "kindnetd enforces NetworkPolicy since kind v0.24 (kindnet v1.3.0)"},
	{"minikindnet", "kindnet", "minikindnet", false, "minikindnet (the offline stand-in for kindnetd) only sets up routes and masquerading: it does not enforce NetworkPolicy"},
	{"Weave Net", "weave-net", "weave", true, "Weave Net enforces NetworkPolicy"},
	{"Antrea", "antrea-agent", "antrea", true, "Antrea enforces NetworkPolicy"},
	{"AWS VPC CNI", "aws-node", "amazon-k8s-cni", false, "the AWS VPC CNI enforces NetworkPolicy only with its node agent's --enable-network-policy=true"},
	{"Flannel", "kube-flannel-ds", "flannel", false, "Flannel does not enforce NetworkPolicy"},
}

func check531(m *Model, o EvalOptions) report.Outcome {
	var seen []report.Observation
	var dsList []string
	verdictSt := report.StatusWarn
	reason := ""
	for _, c := range m.workloads {
		w := c.w
		if w.Kind != "daemonset" {
			continue
		}
		var images []string
		for _, ct := range w.Spec.Containers {
			images = append(images, ct.Image)
		}
		dsList = append(dsList, w.Ref()+" "+strings.Join(images, ","))
		for _, k := range knownCNIs {
			if w.Name != k.dsName || !strings.Contains(strings.Join(images, ","), k.image) {
				continue
			}
			enforces, why := k.enforces, k.why
			if k.name == "AWS VPC CNI" {
				for _, ct := range w.Spec.Containers {
					for _, a := range ct.Args {
						if a == "--enable-network-policy=true" {
							enforces, why = true, "the AWS node agent runs with --enable-network-policy=true"
						}
					}
				}
			}
			seen = append(seen, report.Observation{Location: where(w, "image"), Value: strings.Join(images, ",") + " (" + k.name + ")", Object: w.Object()})
			switch {
			case enforces:
				verdictSt, reason = report.StatusPass, why
			case verdictSt != report.StatusPass:
				verdictSt, reason = report.StatusFail, why
			}
		}
	}
	if len(seen) == 0 {
		ev := []report.Observation{{Location: "daemonsets", Value: fmt.Sprintf("%d seen, none of a known CNI", len(dsList))}}
		for i, d := range dsList {
			if i >= 20 {
				break
			}
			ev = append(ev, report.Observation{Location: "daemonset", Value: d})
		}
		reason := "the CNI in use is unknown: check that it enforces NetworkPolicy"
		if m.snap.Namespace != "" {
			reason = "only namespace " + m.snap.Namespace + " was collected (-n) and no CNI DaemonSet is in it: run without -n to see the CNI"
		}
		return report.Outcome{Status: report.StatusWarn, Reason: reason, Evidence: ev}
	}
	if verdictSt == report.StatusFail {
		// Every CNI seen is one that does not enforce NetworkPolicy: each
		// line is a finding on its DaemonSet.
		for i := range seen {
			seen[i].Status = report.StatusFail
		}
	}
	return report.Outcome{Status: verdictSt, Reason: reason, Evidence: seen}
}

func check532(m *Model, o EvalOptions) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
	has := map[string]int{}
	for _, np := range m.snap.NetworkPolicies {
		if i := strings.IndexByte(np, '/'); i > 0 {
			has[np[:i]]++
		}
	}
	var cniPolicies []string
	for _, c := range m.snap.CRDs {
		if c == "ciliumnetworkpolicies.cilium.io" || c == "ciliumclusterwidenetworkpolicies.cilium.io" ||
			c == "networkpolicies.crd.projectcalico.org" || c == "globalnetworkpolicies.crd.projectcalico.org" {
			cniPolicies = append(cniPolicies, c)
		}
	}
	st := report.StatusFail
	if len(cniPolicies) > 0 {
		st = report.StatusWarn
	}
	var fs []finding
	withPolicy := 0
	for _, n := range m.snap.Namespaces {
		if m.perNS[n.Name] == 0 {
			continue
		}
		if has[n.Name] > 0 {
			withPolicy++
			continue
		}
		fs = append(fs, nsFinding(n.Name, "", fmt.Sprintf("0 NetworkPolicies, %d workload(s)", m.perNS[n.Name]), st))
	}
	out := verdict(fs, o, "namespaces with workloads but no NetworkPolicy", report.Observation{Location: "namespaces with workloads", Value: fmt.Sprintf("%d have a NetworkPolicy", withPolicy)})
	if len(cniPolicies) > 0 {
		out.Evidence = append(out.Evidence, report.Observation{Location: "CNI policy CRDs", Value: strings.Join(cniPolicies, ", ") + " (not read: check them for these namespaces)"})
	}
	return out
}

func crdsInGroups(crds []string, groups ...string) []string {
	var out []string
	for _, c := range crds {
		for _, g := range groups {
			if strings.HasSuffix(c, "."+g) {
				out = append(out, c)
			}
		}
	}
	return out
}

// check542 is a review: the API can show that an external store is
// installed, not that every secret uses it. WARN with what was seen.
func check542(m *Model, o EvalOptions) report.Outcome {
	var ev []report.Observation
	for _, c := range crdsInGroups(m.snap.CRDs, "external-secrets.io", "secrets-store.csi.x-k8s.io", "bitnami.com") {
		ev = append(ev, report.Observation{Location: "customresourcedefinition/" + c, Value: "present"})
	}
	for _, w := range m.snap.Webhooks {
		if strings.Contains(w.Name, "vault-agent-injector") {
			ev = append(ev, report.Observation{Location: w.Kind + "/" + w.Name, Value: "Vault agent injector"})
		}
	}
	if len(ev) == 0 {
		return report.Outcome{Status: report.StatusWarn, Reason: "no external secret store seen: secrets live only in the cluster's Secrets (etcd)",
			Evidence: []report.Observation{{Location: "CRDs and webhooks", Value: "none of External Secrets, Secrets Store CSI driver, Sealed Secrets, Vault injector"}}}
	}
	return report.Outcome{Status: report.StatusWarn, Reason: "an external secret store is installed: review that sensitive secrets use it", Evidence: ev}
}

// imageVerifiers are webhook-configuration names (substrings) and CRDs of
// admission controllers that verify image signatures or provenance.
var imageVerifiers = []string{"kyverno-verify-mutating-webhook-cfg", "policy.sigstore.dev", "connaisseur", "ratify", "portieris", "image-policy-webhook"}

func check551(m *Model, o EvalOptions) report.Outcome {
	var ev []report.Observation
	for _, w := range m.snap.Webhooks {
		for _, v := range imageVerifiers {
			if strings.Contains(w.Name, v) {
				ev = append(ev, report.Observation{Location: w.Kind + "/" + w.Name, Value: "image verification webhook"})
				break
			}
		}
	}
	for _, c := range crdsInGroups(m.snap.CRDs, "policy.sigstore.dev", "config.ratify.deislabs.io", "portieris.cloud.ibm.com") {
		ev = append(ev, report.Observation{Location: "customresourcedefinition/" + c, Value: "present"})
	}
	if len(ev) == 0 {
		return report.Outcome{Status: report.StatusWarn, Reason: "no image provenance verification seen at admission (the ImagePolicyWebhook plugin, if enabled on the apiserver, is not visible in the API)",
			Evidence: []report.Observation{{Location: "webhooks and CRDs", Value: fmt.Sprintf("%d webhook configuration(s), none of a known image verifier", len(m.snap.Webhooks))}}}
	}
	return report.Outcome{Status: report.StatusPass, Reason: "an image verification admission controller is installed", Evidence: ev}
}

// check561 lists the namespaces holding user workloads: using namespaces as
// boundaries is a design review, so the verdict is INFO with the list, and
// WARN when user workloads live only in the default namespace.
func check561(m *Model, o EvalOptions) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
	userNS := map[string]int{}
	for _, c := range m.workloads {
		if c.system == "" && !IsSystemNamespace(c.w.Namespace) {
			userNS[c.w.Namespace]++
		}
	}
	names := slices.Sorted(maps.Keys(userNS))
	var ev []report.Observation
	for _, n := range names {
		ev = append(ev, report.Observation{Location: "namespace/" + n, Value: fmt.Sprintf("%d user workload(s)", userNS[n]), Object: report.ObjectRef{Kind: "namespace", Name: n}})
	}
	switch {
	case len(names) == 0:
		return report.Outcome{Status: report.StatusPass, Reason: "no user workloads outside the system namespaces", Evidence: []report.Observation{m.examined()}}
	case len(names) == 1 && names[0] == "default":
		return report.Outcome{Status: report.StatusWarn, Reason: "every user workload is in the default namespace: no namespace boundaries are used", Evidence: ev}
	}
	return report.Outcome{Status: report.StatusInfo, Reason: fmt.Sprintf("user workloads are spread over %d namespace(s): review that each is one administrative boundary", len(names)), Evidence: ev}
}

// defaultNamespaceIgnored are objects Kubernetes itself creates in the
// default namespace.
var defaultNamespaceIgnored = map[string]bool{"service/kubernetes": true, "serviceaccount/default": true, "configmap/kube-root-ca.crt": true}

func check564(m *Model, o EvalOptions) report.Outcome {
	if m.snap.Namespace != "" && m.snap.Namespace != "default" {
		return report.Outcome{Status: report.StatusNA, Reason: "only namespace " + m.snap.Namespace + " was collected (-n)"}
	}
	var fs []finding
	for _, c := range m.workloads {
		if c.w.Namespace == "default" {
			fs = append(fs, finding{obs: report.Observation{Location: where(c.w, ""), Value: "in namespace default", Object: c.w.Object()}, status: report.StatusFail, system: c.system})
		}
	}
	for _, x := range m.snap.DefaultNamespace {
		if !defaultNamespaceIgnored[x] {
			kind, name, _ := strings.Cut(x, "/")
			fs = append(fs, finding{obs: report.Observation{Location: x, Value: "in namespace default", Object: report.ObjectRef{Kind: kind, Namespace: "default", Name: name}}, status: report.StatusFail})
		}
	}
	if len(m.snap.DefaultNamespace)+m.perNS["default"] == 0 {
		// The API server creates Service kubernetes in it: finding nothing
		// means nothing was examined.
		return report.Outcome{Status: report.StatusNA, Reason: "nothing from namespace default in the snapshot: nothing to examine",
			Evidence: []report.Observation{{Location: "namespace/default", Value: "0 objects"}}}
	}
	return verdict(fs, o, "objects in the default namespace (the kubernetes Service, the default ServiceAccount and kube-root-ca.crt ignored)",
		report.Observation{Location: "namespace/default", Value: fmt.Sprintf("%d object(s) examined, only Kubernetes' own", len(m.snap.DefaultNamespace)+m.perNS["default"])})
}
