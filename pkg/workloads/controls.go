package workloads

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TargetName is the report target of the workload controls.
const TargetName = "workloads"

// Control is a workload control: its metadata, the resources it needs
// (ERROR when one could not be listed) and its decision.
type Control struct {
	report.Control
	// Resources are the Snapshot.Unavailable keys the decision reads.
	Resources []string
	// Check decides the control on a model.
	Check func(m *Model, opts EvalOptions) report.Outcome
}

func ctl(id, title string, level int, needs, rem string) report.Control {
	return report.Control{
		ID: id, Title: title, Section: id[:3], Benchmark: report.BenchmarkCIS112, Level: level,
		Role: report.RoleCluster, Automated: false, Needs: []string{needs}, Remediation: rem,
	}
}

const remPSA = "Label every namespace with user workloads `pod-security.kubernetes.io/enforce=baseline` (or restricted) and fix the workloads named in the evidence; system components that need the privilege stay in system namespaces."

// Controls returns every workload control.
func Controls() []Control {
	pod := workloadResources
	return []Control{
		{ctl("5.2.1", "every namespace with user workloads has an active policy control mechanism", 1,
			"namespace pod-security.kubernetes.io labels; ValidatingAdmissionPolicies and bindings; Kyverno/Gatekeeper CRDs and webhooks",
			"Label each namespace with user workloads `pod-security.kubernetes.io/enforce=baseline` (or restricted) with `enforce-version`, or enforce an equivalent policy with an admission engine."),
			append([]string{ResNamespaces, ResVAPs, ResVAPBindings, ResValidatingHooks, ResCRDs}, pod...), check521},
		{ctl("5.2.2", "no privileged containers are admitted", 1, "pod templates: securityContext.privileged (PSS privileged)", remPSA), pod, check522},
		{ctl("5.2.3", "no containers sharing the host process ID namespace are admitted", 1, "pod templates: spec.hostPID (PSS hostNamespaces)", remPSA), pod, hostNS("hostPID")},
		{ctl("5.2.4", "no containers sharing the host IPC namespace are admitted", 1, "pod templates: spec.hostIPC (PSS hostNamespaces)", remPSA), pod, hostNS("hostIPC")},
		{ctl("5.2.5", "no containers sharing the host network namespace are admitted", 1, "pod templates: spec.hostNetwork (PSS hostNamespaces)", remPSA), pod, hostNS("hostNetwork")},
		{ctl("5.2.6", "no containers with allowPrivilegeEscalation are admitted", 1,
			"allowPrivilegeEscalation, privileged, capabilities: FAIL if true, privileged or holding SYS_ADMIN (the API defines it true then); WARN if unset (CIS passes it, no no_new_privs)",
			"Set `securityContext.allowPrivilegeEscalation: false` in every container, and neither run it privileged nor add SYS_ADMIN; enforce `restricted` on the namespace."), pod, check526},
		{ctl("5.2.7", "no root containers are admitted", 2, "pod templates: runAsNonRoot, runAsUser (PSS runAsNonRoot, runAsUser)",
			"Set `runAsNonRoot: true` (pod or every container) and a non-zero `runAsUser`; enforce `restricted` on the namespace."), pod, check527},
		{ctl("5.2.8", "no containers with the NET_RAW capability are admitted", 1,
			"privileged, capabilities as containerd applies them: FAIL if privileged, NET_RAW or ALL added (any case), or neither dropped (a default; drop CAP_NET_RAW is not honoured)",
			"Drop `ALL` (or at least `NET_RAW`, written without `CAP_`) in every container's `securityContext.capabilities`, never add NET_RAW or ALL, and do not run it privileged."), pod, check528},
		{ctl("5.2.9", "containers drop all capabilities and add none beyond NET_BIND_SERVICE", 1, "pod templates: capabilities (PSS capabilities_restricted)",
			"Set `capabilities: {drop: [ALL]}` and add back only NET_BIND_SERVICE where needed; enforce `restricted`."), pod, pssControl(pssCapsRestricted, "spec.*containers[*].securityContext.capabilities", "containers that keep or add capabilities")},
		{ctl("5.2.10", "no Windows HostProcess containers are admitted", 1, "pod templates: windowsOptions.hostProcess (PSS windowsHostProcess)", remPSA), pod,
			pssControl(pssWindowsHostProcess, "securityContext.windowsOptions.hostProcess", "Windows HostProcess pods")},
		{ctl("5.2.11", "no HostPath volumes are admitted", 1, "pod templates: spec.volumes[*].hostPath (PSS hostPathVolumes)", remPSA), pod,
			pssControl(pssHostPathVolumes, "spec.volumes[*].hostPath", "hostPath volumes")},
		{ctl("5.2.12", "no containers using host ports are admitted", 1, "pod templates: ports[*].hostPort (PSS hostPorts)", remPSA), pod,
			pssControl(pssHostPorts, "spec.*containers[*].ports[*].hostPort", "host ports")},
		{ctl("5.3.1", "the CNI in use supports NetworkPolicy", 1, "DaemonSets: names, images and network-policy arguments of known CNIs",
			"Use a CNI that enforces NetworkPolicy (Calico, Cilium, kindnet v1.3+, AWS VPC CNI with --enable-network-policy=true); Flannel alone does not."), []string{ResDaemonSets}, check531},
		{ctl("5.3.2", "every namespace with workloads has a NetworkPolicy", 2, "NetworkPolicies per namespace; workloads per namespace",
			"Add a default-deny NetworkPolicy to each namespace named in the evidence and allow only the traffic it needs."), append([]string{ResNamespaces, ResNetworkPolicies, ResCRDs}, pod...), check532},
		{ctl("5.4.1", "secrets are mounted as files, not passed in environment variables", 2, "pod templates: env[].valueFrom.secretKeyRef, envFrom[].secretRef (names only, never values)",
			"Mount the Secret as a volume and read it from the file instead of env/envFrom."), pod, check541},
		{ctl("5.4.2", "an external secret storage system is considered", 2, "CRDs and webhooks of External Secrets, Secrets Store CSI driver, Sealed Secrets, Vault injector",
			"Consider storing secrets outside the cluster (External Secrets Operator, Secrets Store CSI driver with a cloud KMS or Vault)."), []string{ResCRDs, ResMutatingHooks}, check542},
		{ctl("5.5.1", "image provenance is verified at admission", 2, "validating/mutating webhooks and CRDs of image verifiers (Kyverno verifyImages, Sigstore policy-controller, Connaisseur, Ratify, Portieris)",
			"Verify image signatures or provenance at admission (ImagePolicyWebhook, Kyverno verifyImages, Sigstore policy-controller)."), []string{ResValidatingHooks, ResMutatingHooks, ResCRDs}, check551},
		{ctl("5.6.1", "namespaces are used as administrative boundaries between resources", 1, "namespaces and the workloads in each",
			"Put each application or team in its own namespace, with its own RBAC, quotas and policies."), append([]string{ResNamespaces}, pod...), check561},
		{ctl("5.6.2", "pods and containers use the RuntimeDefault (or a Localhost) seccomp profile", 2, "pod templates: seccompProfile (PSS seccompProfile_baseline, seccompProfile_restricted); kubelet seccompDefault from a node scan",
			"Set `securityContext.seccompProfile.type: RuntimeDefault` in the pod spec, or enable the kubelet's `seccompDefault` on every node."), pod, check562},
		{ctl("5.6.3", "a security context is applied to pods and containers", 2, "pod templates: spec.securityContext, containers[].securityContext",
			"Set a pod `securityContext` (runAsNonRoot, seccompProfile) and a container `securityContext` (allowPrivilegeEscalation: false, capabilities drop ALL, readOnlyRootFilesystem)."), pod, check563},
		{ctl("5.6.4", "the default namespace is not used", 2, "workloads, Services, ConfigMaps and ServiceAccounts in namespace default (the kubernetes Service, the default ServiceAccount and kube-root-ca.crt are ignored)",
			"Move the objects named in the evidence to their own namespaces."), append([]string{ResServices, ResConfigMaps, ResServiceAccounts}, pod...), check564},
	}
}

// Catalog returns the metadata of every workload control, ordered by ID.
func Catalog() []report.Control {
	cs := Controls()
	out := make([]report.Control, len(cs))
	for i, c := range cs {
		out[i] = c.Control
	}
	report.SortControls(out)
	return out
}

// Evaluate runs every control on the model and returns the workloads
// target. Its Error is set when a kind could not be listed; the controls
// that need that kind are then ERROR.
func Evaluate(m *Model, opts EvalOptions) report.TargetReport {
	s := m.snap
	t := report.TargetReport{
		Name:  TargetName,
		Roles: []report.Role{report.RoleCluster},
		Notes: []string{
			fmt.Sprintf("examined %d workloads (controllers evaluated once through their pod templates; pods of an evaluated owner skipped) in %s, %d network policies, %d admission policies, %d webhook configurations, %d CRDs",
				len(m.workloads), m.scope(), len(s.NetworkPolicies), len(s.AdmissionPolicies), len(s.Webhooks), len(s.CRDs)),
			"pod-level controls use the checks of k8s.io/pod-security-admission/policy at their newest version",
		},
	}
	if len(s.Unavailable) > 0 {
		t.Error = "could not list " + strings.Join(sortedKeys(s.Unavailable), ", ") + ": the controls that need them are ERROR"
	}
	cs := Controls()
	sort.SliceStable(cs, func(i, j int) bool { return report.CompareIDs(cs[i].ID, cs[j].ID) < 0 })
	for _, c := range cs {
		t.Results = append(t.Results, report.NewResult(c.Control, t.Name, evalOne(c, m, opts)))
	}
	return t
}

func evalOne(c Control, m *Model, opts EvalOptions) report.Outcome {
	if why := m.notEvaluable(); why != "" {
		return report.Outcome{Status: report.StatusError, Reason: "not evaluated: " + why}
	}
	var missing []report.Observation
	for _, r := range c.Resources {
		if e, ok := m.snap.Unavailable[r]; ok {
			missing = append(missing, report.Observation{Location: "list " + r, Value: e})
		}
	}
	if len(missing) > 0 {
		return report.Outcome{Status: report.StatusError, Reason: "could not list what the control reads: a kind that was not seen is never treated as absent", Evidence: missing}
	}
	return c.Check(m, opts)
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
		if out, none := m.noWorkloads(); none {
			return out
		}
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
		if out, none := m.noWorkloads(); none {
			return out
		}
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

// check526 decides what the API defines the field to be, not only what it
// is set to. k8s.io/api core/v1 SecurityContext.allowPrivilegeEscalation:
// "AllowPrivilegeEscalation is true always when the container is: 1) run
// as Privileged 2) has CAP_SYS_ADMIN". So a privileged container, or one
// holding SYS_ADMIN (added in any letter case, or through ALL), FAILs like
// an explicit true. An unset field is WARN: CIS 1.12's audit (kube-bench)
// passes it, but the kubelet sets no_new_privs only for an explicit false
// (kubernetes/kubernetes pkg/securitycontext/util.go AddNoNewPrivileges),
// so the process can gain privileges through setuid binaries; PSS
// restricted rejects it. Windows pods cannot set the field and are skipped,
// as PSS skips them.
func check526(m *Model, o EvalOptions) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
	fs := m.podFindings(func(w *Workload) []finding {
		if w.Spec.OS != nil && w.Spec.OS.Name == corev1.Windows {
			return nil
		}
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
					Value: "unset: the kubelet then does not set no_new_privs, so setuid binaries can gain privileges (PSS restricted rejects it; CIS's audit passes it): set it to false"}, status: report.StatusWarn})
			}
		})
		return out
	})
	return verdict(fs, o, "containers that can escalate privileges (allowPrivilegeEscalation true or unset, privileged, or holding SYS_ADMIN)", m.examined())
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
	if out, none := m.noWorkloads(); none {
		return out
	}
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

// check528 decides from the capabilities the container's process really
// gets (holdsCap: containerd's rules): NET_RAW is granted by default, so a
// container holds it unless it drops ALL or NET_RAW, and holds it anyway
// when privileged or when it adds NET_RAW or ALL (in any letter case). PSS
// baseline only forbids adding it (case-sensitively) and PSS restricted
// requires dropping ALL; neither sees a privileged container's or a
// not-honoured CAP_NET_RAW drop's NET_RAW.
func check528(m *Model, o EvalOptions) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
	fs := m.podFindings(func(w *Workload) []finding {
		if w.Spec.OS != nil && w.Spec.OS.Name == corev1.Windows {
			return nil
		}
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
	})
	return verdict(fs, o, "containers holding NET_RAW (privileged, added, or not dropped: runtimes grant it by default)", m.examined())
}

func check541(m *Model, o EvalOptions) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
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
	if out, none := m.noWorkloads(); none {
		return out
	}
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
