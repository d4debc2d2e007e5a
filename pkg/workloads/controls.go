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
		{"workloads.allow-privilege-escalation", "containers that can escalate privileges as the API defines allowPrivilegeEscalation: FAIL when it is true, when the container is privileged or holds SYS_ADMIN (added in any letter case, or through ALL: the field is then true whatever it says); WARN when it is unset (the CIS audit passes it, but the kubelet sets no_new_privs only for an explicit false); Windows pods skipped", pod, check526},
		{"workloads.root-containers", "containers that may run as root (PSS runAsNonRoot, runAsUser)", pod, check527},
		{"workloads.net-raw-capability", "containers whose process holds NET_RAW as containerd applies capabilities: FAIL when privileged, when NET_RAW or ALL is added (in any letter case), or when neither ALL nor NET_RAW is dropped (the runtime grants it by default; a drop written CAP_NET_RAW is not honoured); WARN when it is added and dropped (PSS baseline rejects the add)", pod, check528},
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

// pssControl is a control decided by one PSS check alone.
func pssControl(id, field, what string) func(*Model, EvalOptions) report.Outcome {
	return func(m *Model, o EvalOptions) report.Outcome {
		return m.judgePods(o, what+" (PSS "+id+")", func(w *Workload) []finding {
			if r := runPSS(id, w); !r.Allowed {
				return []finding{{obs: report.Observation{Location: where(w, field), Value: pssValue(id, r)}, status: report.StatusFail}}
			}
			return nil
		})
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
		return m.judgePods(o, field+" pods (PSS hostNamespaces)", func(w *Workload) []finding {
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

// check526 decides what the API defines the field to be, not only what it
// is set to. k8s.io/api core/v1 SecurityContext.allowPrivilegeEscalation:
// "AllowPrivilegeEscalation is true always when the container is: 1) run
// as Privileged 2) has CAP_SYS_ADMIN". So a privileged container, or one
// holding SYS_ADMIN (added in any letter case, or through ALL), FAILs like
// an explicit true. An unset field is WARN: the CIS benchmarks' audit
// (kube-bench cfg/cis-1.12/policies.yaml 5.2.6 and its successors) passes
// it, but the kubelet sets no_new_privs only for an explicit false
// (kubernetes/kubernetes pkg/securitycontext/util.go AddNoNewPrivileges),
// so the process can gain privileges through setuid binaries; PSS
// restricted rejects it. Windows pods cannot set the field and are skipped,
// as PSS skips them.
func check526(m *Model, o EvalOptions) report.Outcome {
	return m.judgePods(o, "containers that can escalate privileges (allowPrivilegeEscalation true or unset, privileged, or holding SYS_ADMIN)", notWindows(func(w *Workload) []finding {
		var out []finding
		visit(&w.Spec, func(path string, sc *corev1.SecurityContext) {
			loc := where(w, path+".securityContext")
			fail := func(v string) {
				out = append(out, finding{obs: report.Observation{Location: loc, Value: v}, status: report.StatusFail})
			}
			switch sysAdmin := holdsCap(sc, "SYS_ADMIN", false); {
			case sc != nil && sc.Privileged != nil && *sc.Privileged:
				fail("privileged: allowPrivilegeEscalation is always true for a privileged container (API field definition)")
			case sysAdmin.held:
				fail("holds SYS_ADMIN (" + sysAdmin.why + "): allowPrivilegeEscalation is always true for it (API field definition)" + apeSet(sc))
			case sc != nil && sc.AllowPrivilegeEscalation != nil && *sc.AllowPrivilegeEscalation:
				fail("allowPrivilegeEscalation: true")
			case sc == nil || sc.AllowPrivilegeEscalation == nil:
				out = append(out, finding{obs: report.Observation{Location: loc + ".allowPrivilegeEscalation",
					Value: "unset: the kubelet then does not set no_new_privs, so setuid binaries can gain privileges (PSS restricted rejects it; the CIS audit passes it): set it to false"}, status: report.StatusWarn})
			}
		})
		return out
	}))
}

// apeSet notes an explicit allowPrivilegeEscalation: false that the API
// definition overrides.
func apeSet(sc *corev1.SecurityContext) string {
	if sc != nil && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		return "; the explicit false only sets no_new_privs"
	}
	return ""
}

func check527(m *Model, o EvalOptions) report.Outcome {
	return m.judgePods(o, "containers that may run as root (PSS runAsNonRoot, runAsUser)", func(w *Workload) []finding {
		var out []finding
		for _, id := range []string{pssRunAsNonRoot, pssRunAsUser} {
			if r := runPSS(id, w); !r.Allowed {
				out = append(out, finding{obs: report.Observation{Location: where(w, "securityContext."+id), Value: pssValue(id, r)}, status: report.StatusFail})
			}
		}
		return out
	})
}

// check528 decides from the capabilities the container's process really
// gets (holdsCap: containerd's rules): NET_RAW is granted by default, so a
// container holds it unless it drops ALL or NET_RAW, and holds it anyway
// when privileged or when it adds NET_RAW or ALL (in any letter case). PSS
// baseline only forbids adding it (case-sensitively) and PSS restricted
// requires dropping ALL; neither sees a privileged container's or a
// not-honoured CAP_NET_RAW drop's NET_RAW.
func check528(m *Model, o EvalOptions) report.Outcome {
	return m.judgePods(o, "containers holding NET_RAW (privileged, added, or not dropped: runtimes grant it by default)", notWindows(func(w *Workload) []finding {
		var out []finding
		visit(&w.Spec, func(path string, sc *corev1.SecurityContext) {
			switch h := holdsCap(sc, "NET_RAW", true); {
			case h.held:
				out = append(out, finding{obs: report.Observation{Location: where(w, path+".securityContext.capabilities"), Value: "holds NET_RAW: " + h.why}, status: report.StatusFail})
			case h.addedAndDropped:
				out = append(out, finding{obs: report.Observation{Location: where(w, path+".securityContext.capabilities"),
					Value: "does not hold NET_RAW (" + h.why + "), but adds it, which PSS baseline rejects: remove it from add"}, status: report.StatusWarn})
			}
		})
		return out
	}))
}

func check541(m *Model, o EvalOptions) report.Outcome {
	return m.judgePods(o, "secrets passed in environment variables (values never read)", func(w *Workload) []finding {
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
}

// check562 fails explicit Unconfined profiles (PSS seccompProfile_baseline)
// and unset ones (PSS seccompProfile_restricted) unless the node scan shows
// the kubelet's seccompDefault on every node, which the API cannot show.
func check562(m *Model, o EvalOptions) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
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
	return m.judgePods(o, "pods with no security context at all (neither pod nor container level)", func(w *Workload) []finding {
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
}
