package workloads

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TargetName is the report target of the workload controls.
const TargetName = "workloads"

// The checks of this file: the workload decisions CIS sections 5.2-5.6 (and
// the benchmarks that reuse them) name, each registered under what it
// checks with the kinds it reads (ERROR when one could not be listed).
func init() {
	pod := workloadResources
	for _, c := range []struct {
		id, doc   string
		resources []string
		decide    func(*Model, EvalOptions) report.Outcome
	}{
		{"workloads.policy-control-mechanism", "namespaces with workloads that enforce no Pod Security level (FAIL; WARN when an admission engine is present)",
			append([]string{ResNamespaces, ResVAPs, ResVAPBindings, ResValidatingHooks, ResCRDs}, pod...), check521},
		{"workloads.privileged-containers", "workloads with privileged containers (PSS privileged)", pod, check522},
		{"workloads.allow-privilege-escalation", "containers that set allowPrivilegeEscalation=true (PSS allowPrivilegeEscalation; unset is counted, not failed)", pod, check526},
		{"workloads.root-containers", "containers that may run as root (PSS runAsNonRoot, runAsUser)", pod, check527},
		{"workloads.net-raw-capability", "containers that add NET_RAW or do not drop it (runtimes grant it by default)", pod, check528},
		{"workloads.added-capabilities", "containers that keep or add capabilities beyond NET_BIND_SERVICE (PSS capabilities_restricted)", pod,
			pssControl(pssCapsRestricted, "spec.*containers[*].securityContext.capabilities", "containers that keep or add capabilities")},
		{"workloads.windows-host-process", "Windows HostProcess pods (PSS windowsHostProcess)", pod,
			pssControl(pssWindowsHostProcess, "securityContext.windowsOptions.hostProcess", "Windows HostProcess pods")},
		{"workloads.host-path-volumes", "hostPath volumes (PSS hostPathVolumes)", pod,
			pssControl(pssHostPathVolumes, "spec.volumes[*].hostPath", "hostPath volumes")},
		{"workloads.host-ports", "containers using host ports (PSS hostPorts)", pod,
			pssControl(pssHostPorts, "spec.*containers[*].ports[*].hostPort", "host ports")},
		{"workloads.cni-network-policy-support", "whether the CNI recognised from its DaemonSet enforces NetworkPolicy", []string{ResDaemonSets}, check531},
		{"workloads.namespace-network-policies", "namespaces with workloads but no NetworkPolicy (WARN when CNI policy CRDs exist)",
			append([]string{ResNamespaces, ResNetworkPolicies, ResCRDs}, pod...), check532},
		{"workloads.secrets-in-environment", "secrets passed in environment variables (names only, never values)", pod, check541},
		{"workloads.external-secret-store", "a review (WARN) of the external secret stores installed (CRDs, webhooks)", []string{ResCRDs, ResMutatingHooks}, check542},
		{"workloads.image-provenance", "an image verification admission controller is installed (PASS), else WARN", []string{ResValidatingHooks, ResMutatingHooks, ResCRDs}, check551},
		{"workloads.namespace-boundaries", "the namespaces holding user workloads, for review (INFO; WARN when all are in default)", append([]string{ResNamespaces}, pod...), check561},
		{"workloads.seccomp-profile", "pods without a RuntimeDefault or Localhost seccomp profile, unless the kubelets' seccompDefault covers them", pod, check562},
		{"workloads.security-context", "pods with no security context at pod or container level", pod, check563},
		{"workloads.default-namespace-objects", "objects in the default namespace beyond Kubernetes' own", append([]string{ResServices, ResConfigMaps, ResServiceAccounts}, pod...), check564},
	} {
		decide := c.decide
		registry.Register(benchmarks.CheckSpec{ID: c.id, Doc: c.doc}, check{resources: c.resources,
			decide: func(m *Model, _ Params, o EvalOptions) report.Outcome { return decide(m, o) }})
	}
	registry.Register(benchmarks.CheckSpec{ID: "workloads.host-namespaces", Doc: "pods sharing one host namespace (PSS hostNamespaces, reported for that namespace alone)",
		Params: []benchmarks.ParamSpec{{Name: "namespace", Type: benchmarks.TypeString, Required: true, Enum: []string{"hostPID", "hostIPC", "hostNetwork"}, Doc: "the pod spec field"}}},
		check{resources: pod, decide: func(m *Model, p Params, o EvalOptions) report.Outcome { return hostNS(p.String("namespace"))(m, o) }})
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pssControl is a control decided by one PSS check alone.
func pssControl(id, field, what string) func(*Model, EvalOptions) report.Outcome {
	return func(m *Model, o EvalOptions) report.Outcome {
		fs := m.podFindings(func(w *Workload) []finding {
			if r := runPSS(id, w); !r.Allowed {
				return []finding{{obs: report.Observation{Location: where(w, field), Value: pssValue(id, r)}, status: report.StatusFail}}
			}
			return nil
		})
		return verdict(fs, o, what+" (PSS "+id+")", m.examined())
	}
}

func check522(m *Model, o EvalOptions) report.Outcome {
	return pssControl(pssPrivileged, "spec.*containers[*].securityContext.privileged", "privileged containers")(m, o)
}

// hostNS evaluates PSS hostNamespaces on a copy of the spec where only the
// one namespace of the control is kept, so that 5.2.3–5.2.5 each name
// their own field.
func hostNS(field string) func(*Model, EvalOptions) report.Outcome {
	return func(m *Model, o EvalOptions) report.Outcome {
		fs := m.podFindings(func(w *Workload) []finding {
			if !w.Spec.HostPID && !w.Spec.HostIPC && !w.Spec.HostNetwork {
				return nil // nothing for PSS hostNamespaces to reject
			}
			c := *w
			c.Spec.HostPID = field == "hostPID" && w.Spec.HostPID
			c.Spec.HostIPC = field == "hostIPC" && w.Spec.HostIPC
			c.Spec.HostNetwork = field == "hostNetwork" && w.Spec.HostNetwork
			if r := runPSS(pssHostNamespaces, &c); !r.Allowed {
				return []finding{{obs: report.Observation{Location: where(w, "spec."+field), Value: "true (" + pssValue(pssHostNamespaces, r) + ")"}, status: report.StatusFail}}
			}
			return nil
		})
		return verdict(fs, o, field+" pods (PSS hostNamespaces)", m.examined())
	}
}

// visit calls fn for every init, regular and ephemeral container, with its
// field path, as PSS does.
func visit(s *corev1.PodSpec, fn func(path string, sc *corev1.SecurityContext)) {
	for _, c := range s.InitContainers {
		fn(fmt.Sprintf("spec.initContainers[%s]", c.Name), c.SecurityContext)
	}
	for _, c := range s.Containers {
		fn(fmt.Sprintf("spec.containers[%s]", c.Name), c.SecurityContext)
	}
	for _, c := range s.EphemeralContainers {
		fn(fmt.Sprintf("spec.ephemeralContainers[%s]", c.Name), c.SecurityContext)
	}
}

// check526 follows the CIS text where it differs from PSS: CIS 1.12 audits
// containers that SET allowPrivilegeEscalation to true (kube-bench passes an
// unset field), while PSS restricted rejects an unset field too. An
// explicit true FAILs; unset fields are counted in the reason only.
func check526(m *Model, o EvalOptions) report.Outcome {
	unset := 0
	fs := m.podFindings(func(w *Workload) []finding {
		r := runPSS(pssAllowPrivEsc, w)
		if r.Allowed {
			return nil
		}
		var out []finding
		visit(&w.Spec, func(path string, sc *corev1.SecurityContext) {
			switch {
			case sc != nil && sc.AllowPrivilegeEscalation != nil && *sc.AllowPrivilegeEscalation:
				out = append(out, finding{obs: report.Observation{Location: where(w, path+".securityContext.allowPrivilegeEscalation"), Value: "true (" + pssValue(pssAllowPrivEsc, r) + ")"}, status: report.StatusFail})
			case sc == nil || sc.AllowPrivilegeEscalation == nil:
				unset++
			}
		})
		return out
	})
	out := verdict(fs, o, "containers that set allowPrivilegeEscalation=true (PSS allowPrivilegeEscalation)", m.examined())
	if unset > 0 {
		out.Reason += fmt.Sprintf("; %d container(s) leave it unset, which CIS 1.12 does not count (PSS restricted would reject them: set it to false)", unset)
	}
	return out
}

func check527(m *Model, o EvalOptions) report.Outcome {
	fs := m.podFindings(func(w *Workload) []finding {
		var out []finding
		for _, id := range []string{pssRunAsNonRoot, pssRunAsUser} {
			if r := runPSS(id, w); !r.Allowed {
				out = append(out, finding{obs: report.Observation{Location: where(w, "securityContext."+id), Value: pssValue(id, r)}, status: report.StatusFail})
			}
		}
		return out
	})
	return verdict(fs, o, "containers that may run as root (PSS runAsNonRoot, runAsUser)", m.examined())
}

// check528: NET_RAW is granted by container runtimes by default, so a
// container has it unless it drops ALL or NET_RAW. PSS baseline only
// forbids adding it; capabilities_restricted requires dropping ALL.
func check528(m *Model, o EvalOptions) report.Outcome {
	fs := m.podFindings(func(w *Workload) []finding {
		if w.Spec.OS != nil && w.Spec.OS.Name == corev1.Windows {
			return nil
		}
		var out []finding
		if r := runPSS(pssCapsBaseline, w); !r.Allowed && strings.Contains(r.ForbiddenDetail, "NET_RAW") {
			out = append(out, finding{obs: report.Observation{Location: where(w, "spec.*containers[*].securityContext.capabilities.add"), Value: "NET_RAW (" + pssValue(pssCapsBaseline, r) + ")"}, status: report.StatusFail})
		}
		if r := runPSS(pssCapsRestricted, w); !r.Allowed {
			var keep []string
			visit(&w.Spec, func(path string, sc *corev1.SecurityContext) {
				if sc != nil && sc.Privileged != nil && *sc.Privileged {
					return // reported by 5.2.2
				}
				if sc == nil || sc.Capabilities == nil || !dropsNetRaw(sc.Capabilities.Drop) {
					keep = append(keep, path)
				}
			})
			if len(keep) > 0 {
				out = append(out, finding{obs: report.Observation{Location: where(w, "securityContext.capabilities.drop"),
					Value: "NET_RAW not dropped in " + strings.Join(keep, ", ") + " (" + pssValue(pssCapsRestricted, r) + ")"}, status: report.StatusFail})
			}
		}
		return out
	})
	return verdict(fs, o, "containers with NET_RAW (added, or not dropped: runtimes grant it by default)", m.examined())
}

func dropsNetRaw(drop []corev1.Capability) bool {
	for _, c := range drop {
		u := strings.ToUpper(string(c))
		if u == "ALL" || u == "NET_RAW" || u == "CAP_NET_RAW" {
			return true
		}
	}
	return false
}

func check541(m *Model, o EvalOptions) report.Outcome {
	fs := m.podFindings(func(w *Workload) []finding {
		var out []finding
		each := func(path string, c *corev1.Container) {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					out = append(out, finding{obs: report.Observation{Location: where(w, fmt.Sprintf("%s.env[%s]", path, e.Name)),
						Value: fmt.Sprintf("secretKeyRef secret/%s key %s", e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)}, status: report.StatusFail})
				}
			}
			for i, e := range c.EnvFrom {
				if e.SecretRef != nil {
					out = append(out, finding{obs: report.Observation{Location: where(w, fmt.Sprintf("%s.envFrom[%d]", path, i)),
						Value: fmt.Sprintf("secretRef secret/%s (every key, prefix %q)", e.SecretRef.Name, e.Prefix)}, status: report.StatusFail})
				}
			}
		}
		for i := range w.Spec.InitContainers {
			each("spec.initContainers["+w.Spec.InitContainers[i].Name+"]", &w.Spec.InitContainers[i])
		}
		for i := range w.Spec.Containers {
			each("spec.containers["+w.Spec.Containers[i].Name+"]", &w.Spec.Containers[i])
		}
		for i := range w.Spec.EphemeralContainers {
			c := corev1.Container(w.Spec.EphemeralContainers[i].EphemeralContainerCommon)
			each("spec.ephemeralContainers["+c.Name+"]", &c)
		}
		return out
	})
	return verdict(fs, o, "secrets passed in environment variables (values never read)", m.examined())
}

// check562 fails explicit Unconfined profiles (PSS seccompProfile_baseline)
// and unset ones (PSS seccompProfile_restricted) unless the node scan shows
// the kubelet's seccompDefault on every node, which the API cannot show.
func check562(m *Model, o EvalOptions) report.Outcome {
	allDefault := len(o.SeccompDefault) > 0
	var off []string
	for n, on := range o.SeccompDefault {
		if !on {
			allDefault = false
			off = append(off, n)
		}
	}
	sort.Strings(off)
	covered := 0
	fs := m.podFindings(func(w *Workload) []finding {
		if r := runPSS(pssSeccompBaseline, w); !r.Allowed {
			return []finding{{obs: report.Observation{Location: where(w, "securityContext.seccompProfile"), Value: pssValue(pssSeccompBaseline, r)}, status: report.StatusFail}}
		}
		r := runPSS(pssSeccompRestricted, w)
		if r.Allowed {
			return nil
		}
		if allDefault {
			covered++
			return nil
		}
		return []finding{{obs: report.Observation{Location: where(w, "securityContext.seccompProfile"), Value: pssValue(pssSeccompRestricted, r)}, status: report.StatusFail}}
	})
	out := verdict(fs, o, "pods without a RuntimeDefault or Localhost seccomp profile (PSS seccompProfile_restricted)", m.examined())
	switch {
	case allDefault:
		out.Reason += fmt.Sprintf("; %d workload(s) leave the profile unset, covered by the kubelet's seccompDefault=true on all %d scanned node(s)", covered, len(o.SeccompDefault))
		out.Evidence = append(out.Evidence, report.Observation{Location: "kubelet seccompDefault", Value: fmt.Sprintf("true on all %d node(s)", len(o.SeccompDefault))})
	case len(o.SeccompDefault) > 0:
		out.Evidence = append(out.Evidence, report.Observation{Location: "kubelet seccompDefault", Value: "false on " + strings.Join(off, ", ")})
	default:
		out.Reason += "; the kubelet's seccompDefault is not visible in the API (`kubectl harden all` reads it from the nodes)"
	}
	return out
}

func emptyPodSC(sc *corev1.PodSecurityContext) bool {
	return sc == nil || (sc.RunAsUser == nil && sc.RunAsGroup == nil && sc.RunAsNonRoot == nil && sc.SeccompProfile == nil &&
		sc.SELinuxOptions == nil && sc.FSGroup == nil && len(sc.SupplementalGroups) == 0 && len(sc.Sysctls) == 0 &&
		sc.AppArmorProfile == nil && sc.WindowsOptions == nil)
}

func check563(m *Model, o EvalOptions) report.Outcome {
	fs := m.podFindings(func(w *Workload) []finding {
		var bare []string
		visit(&w.Spec, func(path string, sc *corev1.SecurityContext) {
			if sc == nil || *sc == (corev1.SecurityContext{}) {
				bare = append(bare, path)
			}
		})
		if len(bare) == 0 {
			return nil
		}
		if emptyPodSC(w.Spec.SecurityContext) {
			return []finding{{obs: report.Observation{Location: where(w, "securityContext"), Value: "no pod securityContext and none in " + strings.Join(bare, ", ")}, status: report.StatusFail}}
		}
		return nil
	})
	return verdict(fs, o, "pods with no security context at all (neither pod nor container level)", m.examined())
}
