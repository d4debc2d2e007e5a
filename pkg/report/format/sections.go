package format

import "github.com/kubectl-harden/kubectl-harden/pkg/report"

// sectionTitles names the sections of our own controls; a benchmark's
// sections are named in its data file and reach each result as its
// SectionTitle (the STIG's sections are named after the component).
var sectionTitles = map[string]map[string]string{
	report.BenchmarkHarden: {
		"KH-PKI": "Certificates and keys", "KH-KUBELET": "Kubelet as it runs (live /configz)", "RBAC": "RBAC beyond CIS",
	},
}

// sectionTitle names a result's section: from the result when the
// benchmark data named it, else from the table above, else "".
func sectionTitle(res report.Result) string {
	if res.SectionTitle != "" {
		return res.SectionTitle
	}
	return sectionTitles[res.Benchmark][res.Section]
}
